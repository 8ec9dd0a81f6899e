"""The OpenAPI 3.1 document of the JSON API and the feeds, built as a plain dict.

Schemas use JSON Schema 2020-12 (OpenAPI 3.1), so ``["string", "null"]`` marks the
fields a source may leave empty. Tests validate the document and real responses against it.
"""

from __future__ import annotations

from typing import Any

from indexer.backend import CLOSING_BUCKETS, SortOrder
from indexer.records import OpportunityKind, OpportunityStatus
from webapp.forms import MAX_PAGE, MAX_TEXT, PER_PAGE
from webapp.openapi_schemas import component_schemas, ref, string_list

VERSION = "1.0.0"
# The API's limits live here, next to the words that document them; webapp.api imports them.
MAX_PER_PAGE = 100
SIMILAR_DEFAULT = 5
SIMILAR_MAX = 20
CSV_CAP = 5_000  # rows per export: beyond this a person wants `grantradar export`, not a search


def _query_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }
    if schema.get("type") == "array":
        param.update(style="form", explode=True)
    return param


def _search_params(*, paged: bool) -> list[dict[str, Any]]:
    kinds = [k.value for k in OpportunityKind]
    statuses = [s.value for s in OpportunityStatus]
    params = [
        _query_param("q", {"type": "string", "maxLength": MAX_TEXT}, "Free text; never an error."),
        _query_param("funder", string_list(), "Funder names (repeat to OR them)."),
        _query_param("programme", string_list(), "Programme names (repeat to OR them)."),
        _query_param(
            "kind", {"type": "array", "items": {"type": "string", "enum": kinds}}, "Kinds."
        ),
        _query_param(
            "status",
            {"type": "array", "items": {"type": "string", "enum": statuses}},
            "Statuses; without it only open and forthcoming calls are searched.",
        ),
        _query_param(
            "closing",
            {"type": "integer", "enum": list(CLOSING_BUCKETS)},
            "Only calls whose next deadline is within this many days.",
        ),
        _query_param(
            "sort", {"type": "string", "enum": [s.value for s in SortOrder]}, "Result order."
        ),
    ]
    if paged:
        params += [
            _query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page."),
            _query_param(
                "per_page",
                {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE},
                "Results per page.",
            ),
        ]
    return params


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def _id_param() -> dict[str, Any]:
    return _path_param("opportunity_id", 'The call id, "{source}:{source_key}" (may contain "/").')


def _token_param() -> dict[str, Any]:
    return _path_param("token", "The signed personal feed token shown on the profile page.")


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _error(description: str) -> dict[str, Any]:
    return _json(ref("Error"), description)


def _api_paths() -> dict[str, Any]:
    unavailable = _error("The search index is down.")
    missing = _error("No call with this id.")
    return {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the calls (one page, with facet counts).",
                "parameters": _search_params(paged=True),
                "responses": {
                    "200": _json(ref("SearchResult"), "One page of results."),
                    "503": unavailable,
                },
            }
        },
        "/search.csv": {
            "get": {
                "operationId": "searchCsv",
                "summary": f"Export every result of a search (at most {CSV_CAP:,}) as CSV.",
                "parameters": _search_params(paged=False),
                "responses": {
                    "200": _text("text/csv", "A header row of record fields, then one row a call."),
                    "503": unavailable,
                },
            }
        },
        "/opportunities/{opportunity_id}": {
            "get": {
                "operationId": "getOpportunity",
                "summary": "Return the whole record of one call.",
                "parameters": [_id_param()],
                "responses": {"200": _json(ref("Opportunity"), "The record."), "404": missing},
            }
        },
        "/opportunities/{opportunity_id}/similar": {
            "get": {
                "operationId": "similarOpportunities",
                "summary": "Return open or forthcoming calls resembling one call.",
                "parameters": [
                    _id_param(),
                    _query_param(
                        "limit",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": SIMILAR_MAX,
                            "default": SIMILAR_DEFAULT,
                        },
                        "How many calls.",
                    ),
                ],
                "responses": {
                    "200": _json(ref("SimilarResult"), "Similar calls, best first."),
                    "404": missing,
                    "503": unavailable,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "Return this document.",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }
        },
    }


def _feed_paths(site_url: str) -> dict[str, Any]:
    servers = [{"url": site_url, "description": "The site root (feeds live outside /api/v1)."}]
    not_found = {"description": "Unknown, revoked or malformed token."}
    return {
        "/feeds/search.rss": {
            "servers": servers,
            "get": {
                "operationId": "searchFeed",
                "summary": "RSS 2.0 feed of any search (newest first unless sort is given).",
                "parameters": _search_params(paged=False),
                "responses": {"200": _text("application/rss+xml", "The feed.")},
            },
        },
        "/feeds/{token}/matches.rss": {
            "servers": servers,
            "get": {
                "operationId": "matchesFeed",
                "summary": "RSS 2.0 feed of one person's matches.",
                "parameters": [_token_param()],
                "responses": {"200": _text("application/rss+xml", "The feed."), "404": not_found},
            },
        },
        "/feeds/{token}/calendar.ics": {
            "servers": servers,
            "get": {
                "operationId": "deadlineCalendar",
                "summary": "iCalendar of the deadlines of one person's followed and matched calls.",
                "parameters": [_token_param()],
                "responses": {"200": _text("text/calendar", "The calendar."), "404": not_found},
            },
        },
    }


def openapi_document(*, server_url: str = "/api/v1", site_url: str = "/") -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the API (server_url: the absolute /api/v1 URL)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "GrantRadar API",
            "version": VERSION,
            "summary": "Read-only access to funding calls: search, records, similar calls.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "paths": {**_api_paths(), **_feed_paths(site_url)},
        "components": {"schemas": component_schemas()},
    }
