"""Pure builders of Elasticsearch request bodies for a :class:`SearchQuery`.

No client and no clock here: ``now`` is passed in, and ``elastic.py`` executes the bodies.
Query-box semantics (the same as the SQLite backend): every bare word must match in some
field (AND), ``"quoted phrases"`` match as phrases, ``-word`` / ``-"phrase"`` exclude. Words
are passed to ``multi_match`` (which analyses but never parses its input), so operators,
brackets, unbalanced quotes and noise are plain text and can never make a request fail.
A bare word also matches by its Russian or Turkish stem (:mod:`indexer.stems`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from indexer.backend import CLOSING_BUCKETS, LIVE_STATUSES, SearchQuery, SortOrder
from indexer.stems import query_stem

TEXT_FIELDS = (
    "title^4",
    "call_id^3",
    "programme^2",
    "keywords^2",
    "summary",
    "description",
    "funder",
)
SIMILAR_FIELDS = ("title", "keywords", "summary", "description")
# A match by another Russian or Turkish word form (the ``stems`` field) counts modestly.
STEM_BOOST = 0.5

# FILTER_KEYS -> the keyword field each one filters on.
FILTER_FIELDS = {
    "funder": "funder.raw",
    "programme": "programme.raw",
    "kind": "kind",
    "status": "status",
    "eligible_group": "eligible_groups",
    "eligible_country": "eligible_countries",
    "language": "language",
    "source": "source",
}
FACET_FIELDS = {
    "funder": "funder.raw",
    "programme": "programme.raw",
    "kind": "kind",
    "status": "status",
}
FACET_SIZE = 500
# Elasticsearch refuses from + size beyond index.max_result_window (default 10,000).
MAX_RESULT_WINDOW = 10_000
MAX_TEXT_CHARS = 1_000
MAX_TERMS = 32
SNIPPET_CHARS = 200

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True, slots=True)
class ParsedText:
    """The query box split into required words, required phrases and excluded parts."""

    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        """Return whether nothing searchable was typed (browse mode)."""
        return not (self.terms or self.phrases)


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def parse_text(text: str) -> ParsedText:
    """Split raw query-box text into words, phrases and exclusions; never raises."""
    terms: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    for match in _TOKEN.finditer((text or "")[:MAX_TEXT_CHARS]):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            part, bucket = " ".join(phrase.split()), excluded if negated else phrases
        else:
            negated = word.startswith("-")
            part = word.lstrip("-").replace('"', "")
            bucket = excluded if negated else terms
        if _has_word(part) and part not in bucket:
            bucket.append(part)
    return ParsedText(
        tuple(terms[:MAX_TERMS]), tuple(phrases[:MAX_TERMS]), tuple(excluded[:MAX_TERMS])
    )


def _match(text: str, *, phrase: bool, required: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"query": text, "fields": list(TEXT_FIELDS)}
    if phrase:
        body["type"] = "phrase"
    else:
        # All tokens of one word ("R01-cancer" -> r01, cancer) must match in one field.
        body["operator"] = "and"
    # A stop word alone analyses to nothing: required -> ignore it, excluded -> exclude nothing.
    body["zero_terms_query"] = "all" if required else "none"
    return {"multi_match": body}


def _term(word: str) -> dict[str, Any]:
    """Return the clause of one required word: the word, or its Russian/Turkish stem."""
    clause = _match(word, phrase=False, required=True)
    stem = query_stem(word.lower())
    if stem is None:
        return clause
    by_stem = {"term": {"stems": {"value": stem, "boost": STEM_BOOST}}}
    return {"bool": {"should": [clause, by_stem], "minimum_should_match": 1}}


def text_clauses(parsed: ParsedText) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the (must, must_not) clauses for the parsed query-box text."""
    must = [_term(t) for t in parsed.terms]
    must += [_match(p, phrase=True, required=True) for p in parsed.phrases]
    must_not = [_match(e, phrase=" " in e, required=False) for e in parsed.excluded]
    return must, must_not


def day_start(day: date) -> datetime:
    """Return midnight UTC at the start of ``day`` (date bounds are UTC calendar days)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _range(field: str, gte: datetime | None = None, lt: datetime | None = None) -> dict[str, Any]:
    bounds: dict[str, str] = {}
    if gte is not None:
        bounds["gte"] = gte.isoformat()
    if lt is not None:
        bounds["lt"] = lt.isoformat()
    return {"range": {field: bounds}}


def next_deadline_clauses(
    lower: datetime | None, upper: datetime | None, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (filter, must_not) clauses for ``lower <= next deadline < upper``.

    The next deadline is the earliest deadline at or after ``now``. On a flat date array this
    is: some deadline lies in ``[max(lower, now), upper)`` and none lies in ``[now, lower)``.
    """
    start = max(lower, now) if lower is not None else now
    filters = [_range("deadlines", gte=start, lt=upper)]
    must_not = [_range("deadlines", gte=now, lt=lower)] if lower is not None and lower > now else []
    return filters, must_not


def filter_clauses(
    query: SearchQuery, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the (filter, must_not) clauses for every structured filter of the query."""
    filters: list[dict[str, Any]] = [{"terms": {"status": list(query.statuses())}}]
    must_not: list[dict[str, Any]] = []
    for key, field in FILTER_FIELDS.items():
        values = [v for v in query.filters.get(key, ()) if v]
        if key != "status" and values:
            filters.append({"terms": {field: values}})
    if query.deadline_from is not None or query.deadline_to is not None:
        lower = day_start(query.deadline_from) if query.deadline_from else None
        upper = day_start(query.deadline_to + timedelta(days=1)) if query.deadline_to else None
        more, excluded = next_deadline_clauses(lower, upper, now)
        filters += more
        must_not += excluded
    if query.closing_within_days is not None:
        filters.append(closing_clause(query.closing_within_days, now))
    amounts: dict[str, float] = {}
    if query.budget_min is not None:
        amounts["gte"] = float(query.budget_min)
    if query.budget_max is not None:
        amounts["lte"] = float(query.budget_max)
    if amounts:
        filters.append({"range": {"budget_amount": amounts}})
    return filters, must_not


def closing_clause(days: int, now: datetime) -> dict[str, Any]:
    """Return a filter for calls whose next deadline is within ``days`` days of ``now``."""
    until = (now + timedelta(days=days)).isoformat()
    return {"range": {"deadlines": {"gte": now.isoformat(), "lte": until}}}


def facet_aggs(now: datetime) -> dict[str, Any]:
    """Return the aggregations behind FACET_KEYS (terms + cumulative closing buckets)."""
    aggs: dict[str, Any] = {
        key: {"terms": {"field": field, "size": FACET_SIZE}} for key, field in FACET_FIELDS.items()
    }
    for days in CLOSING_BUCKETS:
        aggs[f"closing_{days}"] = {"filter": closing_clause(days, now)}
    return aggs


def sort_clause(sort: SortOrder, parsed: ParsedText, now: datetime) -> list[Any]:
    """Return the sort for a mode; relevance without text falls back to deadline."""
    tie_break = {"id": {"order": "asc"}}
    if sort is SortOrder.RELEVANCE and not parsed.is_empty():
        return ["_score", tie_break]
    if sort is SortOrder.NEWEST:
        return [{"newest_at": {"order": "desc", "missing": "_last"}}, tie_break]
    upcoming = {"range": {"deadline_entries.at": {"gte": now.isoformat()}}}
    soonest = {
        "order": "asc",
        "mode": "min",
        "missing": "_last",
        "nested": {"path": "deadline_entries", "filter": upcoming},
    }
    return [{"deadline_entries.at": soonest}, tie_break]


def highlight() -> dict[str, Any]:
    """Return the highlight request: <mark> tags, everything else HTML-escaped."""
    fragment = {"number_of_fragments": 1, "fragment_size": SNIPPET_CHARS}
    return {
        # encoder "html" escapes the source text around the tags, so snippets are safe HTML.
        "encoder": "html",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "fields": {"summary": dict(fragment), "description": dict(fragment)},
    }


def build_search(query: SearchQuery, now: datetime) -> dict[str, Any]:
    """Return the search request body for a query at time ``now``."""
    parsed = parse_text(query.text)
    must, excluded = text_clauses(parsed)
    filters, must_not = filter_clauses(query, now)
    per_page = max(1, query.per_page)
    offset = (max(1, query.page) - 1) * per_page
    body: dict[str, Any] = {
        "query": {"bool": {"must": must, "filter": filters, "must_not": excluded + must_not}},
        "aggs": facet_aggs(now),
        "sort": sort_clause(query.sort, parsed, now),
        "track_total_hits": True,
        "_source": {"excludes": ["description", "deadline_entries"]},
        "from": offset,
        "size": per_page,
    }
    if offset + per_page > MAX_RESULT_WINDOW:
        # Past the result window a page is empty; totals and facets still come back.
        body["from"], body["size"] = 0, 0
    if not parsed.is_empty():
        body["highlight"] = highlight()
    return body


def build_similar(index: str, opportunity_id: str, limit: int) -> dict[str, Any]:
    """Return a more_like_this request for live calls resembling one record (not itself)."""
    like = {
        "fields": list(SIMILAR_FIELDS),
        "like": [{"_index": index, "_id": opportunity_id}],
        # Small collections: a term seen once is still evidence.
        "min_term_freq": 1,
        "min_doc_freq": 1,
        "max_query_terms": 25,
        # Any shared distinctive term counts, like the SQLite backend's OR of terms; the
        # score ranks the closest calls first.
        "minimum_should_match": "1",
    }
    live = [s.value for s in LIVE_STATUSES]
    return {
        "query": {
            "bool": {
                "must": [{"more_like_this": like}],
                "filter": [{"terms": {"status": live}}],
                "must_not": [{"ids": {"values": [opportunity_id]}}],
            }
        },
        "sort": ["_score", {"id": {"order": "asc"}}],
        "_source": {"excludes": ["description", "deadline_entries"]},
        "size": max(1, limit),
    }
