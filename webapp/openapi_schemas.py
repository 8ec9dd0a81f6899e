"""The JSON Schemas (2020-12) of the API's bodies: records, search results, errors."""

from __future__ import annotations

from typing import Any

from indexer.records import OpportunityKind, OpportunityStatus


def ref(name: str) -> dict[str, str]:
    """Return a reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    """Return a schema of ``kind`` or null."""
    return {"type": [kind, "null"], **extra}


def string_list() -> dict[str, Any]:
    """Return the schema of a list of strings."""
    return {"type": "array", "items": {"type": "string"}}


def component_schemas() -> dict[str, Any]:
    """Return every named schema of the document."""
    money = {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "string", "description": "Decimal amount as text."},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    }
    deadline = {
        "type": "object",
        "required": ["at", "label"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "label": {"type": "string"},
        },
    }
    return {
        "Money": money,
        "Deadline": deadline,
        "SearchHit": hit_schema(),
        **result_schemas(),
        "Opportunity": opportunity_schema(),
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        },
    }


def hit_schema() -> dict[str, Any]:
    """Return the schema of one search hit (``grantradar search --json`` plus links)."""
    return {
        "type": "object",
        "required": ["id", "title", "url", "score", "status", "kind", "next_deadline"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "description": "The funder's page of the call."},
            "score": {"type": "number"},
            "next_deadline": nullable("string", format="date-time"),
            "status": {"type": "string", "enum": [s.value for s in OpportunityStatus]},
            "funder": nullable("string"),
            "programme": nullable("string"),
            "kind": {"type": "string", "enum": [k.value for k in OpportunityKind]},
            "call_id": nullable("string"),
            "snippet": {"type": "string", "description": "Escaped HTML with <mark> highlights."},
            "api_url": {"type": "string", "format": "uri"},
            "page_url": {"type": "string", "format": "uri"},
        },
    }


def result_schemas() -> dict[str, Any]:
    """Return the schemas of a search result page and of a similar-calls answer."""
    facets = {
        "type": "object",
        "description": "Per facet key (funder, programme, kind, status, closing): value -> count.",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
    }
    return {
        "SearchResult": {
            "type": "object",
            "required": ["total", "page", "per_page", "pages", "hits", "facets"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "hits": {"type": "array", "items": ref("SearchHit")},
                "facets": facets,
            },
        },
        "SimilarResult": {
            "type": "object",
            "required": ["id", "hits"],
            "properties": {
                "id": {"type": "string"},
                "hits": {"type": "array", "items": ref("SearchHit")},
            },
        },
    }


def opportunity_schema() -> dict[str, Any]:
    """Return the schema of a whole record (``indexer.records.to_dict``)."""
    nullable_money = {"oneOf": [ref("Money"), {"type": "null"}]}
    when = nullable("string", format="date-time")
    props: dict[str, Any] = {
        **{k: {"type": "string"} for k in ("id", "source", "source_key", "url", "title")},
        "summary": {"type": "string"},
        "description_html": {"type": "string", "description": "Sanitized HTML."},
        **{k: nullable("string") for k in ("funder", "programme", "call_id", "action_type")},
        "kind": {"type": "string", "enum": [k.value for k in OpportunityKind]},
        "status": {"type": "string", "enum": [s.value for s in OpportunityStatus]},
        "opening_date": nullable("string", format="date"),
        "deadlines": {"type": "array", "items": ref("Deadline")},
        "budget_total": nullable_money,
        "award_min": nullable_money,
        "award_max": nullable_money,
        "expected_grants": nullable("integer"),
        "eligible_countries": string_list(),
        "eligible_groups": string_list(),
        "eligibility_text": nullable("string"),
        "consortium_required": nullable("boolean"),
        "min_partners": nullable("integer"),
        "keywords": string_list(),
        "language": nullable("string"),
        **{k: when for k in ("posted_at", "fetched_at", "first_seen", "last_changed")},
        "content_hash": nullable("string"),
        "tags": string_list(),
    }
    return {"type": "object", "required": list(props), "properties": props}
