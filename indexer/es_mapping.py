"""The Elasticsearch index: settings, explicit mapping, and record -> document conversion.

Pure: no client, no I/O. ``elastic.py`` creates indices from :func:`index_body` and feeds
them documents from :func:`to_document`.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from indexer.records import Money, Opportunity
from indexer.stems import record_stems

# Long crawled descriptions add little recall but cost index size and highlight time.
DESCRIPTION_LIMIT = 20_000

_TEXT = {"type": "text", "analyzer": "english"}
_TEXT_WITH_RAW = {**_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}}
_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_AMOUNT = {"type": "double"}

MAPPING: dict[str, Any] = {
    # Only the fields below are indexed; anything else in a document is kept in _source only.
    "dynamic": False,
    "properties": {
        "id": _KEYWORD,
        "source": _KEYWORD,
        "url": {"type": "keyword", "index": False},
        "title": _TEXT_WITH_RAW,
        "summary": _TEXT,
        "description": _TEXT,
        "funder": _TEXT_WITH_RAW,
        "programme": _TEXT_WITH_RAW,
        "call_id": _TEXT_WITH_RAW,
        "action_type": _KEYWORD,
        "keywords": _TEXT_WITH_RAW,
        # Stems of the Russian and Turkish words (indexer.stems), the same ones the SQLite
        # backend indexes: osmem-server has no turkish analyzer, and one stemmer for both
        # backends gives the same answers.
        "stems": _KEYWORD,
        "kind": _KEYWORD,
        "status": _KEYWORD,
        "language": _KEYWORD,
        "eligible_countries": _KEYWORD,
        "eligible_groups": _KEYWORD,
        "consortium_required": {"type": "boolean"},
        "min_partners": {"type": "integer"},
        "expected_grants": {"type": "integer"},
        "opening_date": _DATE,
        # Every deadline of the call: "next deadline" depends on the query's now, so queries
        # derive it from this array (see es_query) instead of trusting an index-time value.
        "deadlines": _DATE,
        "deadline_entries": {"type": "nested", "properties": {"at": _DATE}},
        "posted_at": _DATE,
        "first_seen": _DATE,
        "newest_at": _DATE,
        "budget_total_amount": _AMOUNT,
        "budget_total_currency": _KEYWORD,
        "award_min_amount": _AMOUNT,
        "award_max_amount": _AMOUNT,
        "award_currency": _KEYWORD,
        # The amount the budget filters use: budget_total, else award_max (never converted).
        "budget_amount": _AMOUNT,
    },
}

SETTINGS: dict[str, Any] = {"number_of_shards": 1}


def index_body() -> dict[str, Any]:
    """Return the settings and mappings for a new GrantRadar index."""
    return {"settings": dict(SETTINGS), "mappings": MAPPING}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Return the visible text of sanitized HTML, whitespace collapsed, cut at ``limit``."""
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())[:limit]


def _amount(money: Money | None) -> float | None:
    return float(money.amount) if money is not None else None


def to_document(opp: Opportunity) -> dict[str, Any]:
    """Return the Elasticsearch document for a record."""
    budget = opp.budget_total or opp.award_max
    award = opp.award_max or opp.award_min
    newest = opp.posted_at or opp.first_seen
    description = html_text(opp.description_html)
    texts = (opp.title, " ; ".join(opp.keywords), opp.summary, description)
    return {
        "id": opp.id,
        "source": opp.source,
        "url": opp.url,
        "title": opp.title,
        "summary": opp.summary,
        "description": description,
        "funder": opp.funder,
        "programme": opp.programme,
        "call_id": opp.call_id,
        "action_type": opp.action_type,
        "keywords": list(opp.keywords),
        "stems": list(record_stems(texts, opp.language)),
        "kind": opp.kind.value,
        "status": opp.status.value,
        "language": opp.language,
        "eligible_countries": list(opp.eligible_countries),
        "eligible_groups": list(opp.eligible_groups),
        "consortium_required": opp.consortium_required,
        "min_partners": opp.min_partners,
        "expected_grants": opp.expected_grants,
        "opening_date": opp.opening_date.isoformat() if opp.opening_date else None,
        "deadlines": [d.at.isoformat() for d in opp.deadlines],
        "deadline_entries": [{"at": d.at.isoformat(), "label": d.label} for d in opp.deadlines],
        "posted_at": opp.posted_at.isoformat() if opp.posted_at else None,
        "first_seen": opp.first_seen.isoformat() if opp.first_seen else None,
        "newest_at": newest.isoformat() if newest else None,
        "budget_total_amount": _amount(opp.budget_total),
        "budget_total_currency": opp.budget_total.currency if opp.budget_total else None,
        "award_min_amount": _amount(opp.award_min),
        "award_max_amount": _amount(opp.award_max),
        "award_currency": award.currency if award else None,
        "budget_amount": _amount(budget),
    }
