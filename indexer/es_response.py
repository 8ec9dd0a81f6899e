"""Convert Elasticsearch response JSON into the backend dataclasses (pure)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from indexer.backend import CLOSING_BUCKETS, FacetCount, SearchHit, SearchPage, SearchQuery
from indexer.es_query import FACET_FIELDS, SNIPPET_CHARS


def next_deadline_from(raw: Any, now: datetime) -> datetime | None:
    """Return the earliest ISO deadline in ``raw`` at or after ``now``."""
    upcoming = []
    for value in raw or ():
        try:
            at = datetime.fromisoformat(str(value))
        except ValueError:
            continue
        if at.tzinfo is not None and at >= now:
            upcoming.append(at)
    return min(upcoming) if upcoming else None


def snippet(source: Mapping[str, Any], highlights: Mapping[str, Any]) -> str:
    """Return safe snippet HTML: a highlighted fragment, else the escaped summary start."""
    for field in ("summary", "description"):
        fragments = highlights.get(field) or ()
        if fragments:
            return str(fragments[0])
    return html.escape(str(source.get("summary") or "")[:SNIPPET_CHARS])


def to_hit(raw: Mapping[str, Any], now: datetime) -> SearchHit:
    """Return the SearchHit for one hit of a search response."""
    source = raw.get("_source") or {}
    return SearchHit(
        id=str(source.get("id") or raw["_id"]),
        title=str(source.get("title") or ""),
        url=str(source.get("url") or ""),
        score=float(raw.get("_score") or 0.0),
        snippet_html=snippet(source, raw.get("highlight") or {}),
        funder=source.get("funder"),
        programme=source.get("programme"),
        kind=str(source.get("kind") or ""),
        status=str(source.get("status") or ""),
        next_deadline=next_deadline_from(source.get("deadlines"), now),
        summary=str(source.get("summary") or ""),
        call_id=source.get("call_id"),
    )


def _ordered(counts: list[FacetCount]) -> tuple[FacetCount, ...]:
    return tuple(sorted(counts, key=lambda f: (-f.count, f.value)))


def facets_from(aggs: Mapping[str, Any]) -> dict[str, tuple[FacetCount, ...]]:
    """Return facet counts (count desc, then value) from the response aggregations."""
    facets: dict[str, tuple[FacetCount, ...]] = {}
    for key in FACET_FIELDS:
        buckets = (aggs.get(key) or {}).get("buckets") or ()
        counts = [FacetCount(str(b["key"]), int(b["doc_count"])) for b in buckets if b["key"]]
        facets[key] = _ordered(counts)
    closing = []
    for days in CLOSING_BUCKETS:
        count = int((aggs.get(f"closing_{days}") or {}).get("doc_count") or 0)
        if count:
            closing.append(FacetCount(str(days), count))
    # Buckets are cumulative, so keep them in 7/30/90 order rather than by count.
    facets["closing"] = tuple(closing)
    return facets


def total_from(hits: Mapping[str, Any]) -> int:
    """Return the exact total from ``hits.total`` (object or legacy integer form)."""
    total = hits.get("total") or 0
    return int(total["value"] if isinstance(total, Mapping) else total)


def to_page(response: Mapping[str, Any], query: SearchQuery, now: datetime) -> SearchPage:
    """Return the SearchPage for a search response."""
    hits = response.get("hits") or {}
    return SearchPage(
        hits=tuple(to_hit(raw, now) for raw in hits.get("hits") or ()),
        total=total_from(hits),
        facets=facets_from(response.get("aggregations") or {}),
        page=max(1, query.page),
        per_page=max(1, query.per_page),
    )
