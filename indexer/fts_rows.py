"""Turn an Opportunity into the rows of the SQLite FTS5 backend's tables (pure)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from indexer.records import Opportunity
from indexer.stems import record_stems

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_TAG = re.compile(r"<[^>]*>")
# Control characters are dropped from indexed text: two of them mark snippet matches.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def to_micros(moment: datetime) -> int:
    """Return a tz-aware datetime as integer microseconds since the Unix epoch."""
    return (moment - _EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    """Return integer epoch microseconds as a UTC datetime."""
    return _EPOCH + timedelta(microseconds=value)


def clean_text(text: str | None) -> str | None:
    """Return text without control characters (None stays None)."""
    return None if text is None else _CONTROL.sub(" ", text)


def html_text(fragment: str) -> str:
    """Return the words of sanitized HTML: tags become spaces, entities are decoded."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment or "")).split())


@dataclass(frozen=True, slots=True)
class IndexRows:
    """Everything one record writes: metadata, FTS columns, deadlines, tags, facet values."""

    meta: tuple[object, ...]
    fts: tuple[str | None, ...]
    deadlines: tuple[int, ...]  # epoch microseconds, sorted, no repeats
    tags: tuple[tuple[str, str], ...]
    # Values of the facet keys (funder, programme, kind, status), stored as codes.
    facet_values: tuple[str | None, ...]


def _budget(opp: Opportunity) -> float | None:
    money = opp.budget_total or opp.award_max
    return float(money.amount) if money is not None else None


def meta_values(opp: Opportunity, deadlines: tuple[int, ...]) -> tuple[object, ...]:
    """Return the metadata row (see ``META_COLUMNS`` in the schema), without rid and facets.

    ``deadlines`` are the record's deadlines in epoch microseconds, sorted.
    """
    posted = opp.posted_at or opp.first_seen
    return (
        opp.id,
        opp.status.value,
        opp.kind.value,
        clean_text(opp.funder),
        clean_text(opp.programme),
        opp.language,
        opp.source,
        _budget(opp),
        to_micros(posted) if posted is not None else None,
        deadlines[0] if deadlines else None,
        deadlines[-1] if deadlines else None,
    )


def stems_text(
    title: str | None,
    keywords: str | None,
    summary: str | None,
    body: str | None,
    language: str | None,
) -> str:
    """Return the ``stems`` column: the stems of the record's non-English words."""
    return " ".join(record_stems((title, keywords, summary, body), language))


def fts_values(opp: Opportunity) -> tuple[str | None, ...]:
    """Return the FTS columns: title, call_id, programme, keywords, summary, body, funder, url,
    stems."""
    title = clean_text(opp.title)
    keywords = clean_text(" ; ".join(opp.keywords))
    summary = clean_text(opp.summary)
    body = clean_text(html_text(opp.description_html))
    return (
        title,
        clean_text(opp.call_id),
        clean_text(opp.programme),
        keywords,
        summary,
        body,
        clean_text(opp.funder),
        opp.url,
        stems_text(title, keywords, summary, body, opp.language),
    )


def index_rows(opp: Opportunity) -> IndexRows:
    """Return every row one record writes to its partition."""
    tags = {("g", g) for g in opp.eligible_groups} | {("c", c) for c in opp.eligible_countries}
    deadlines = tuple(sorted({to_micros(d.at) for d in opp.deadlines}))
    return IndexRows(
        meta=meta_values(opp, deadlines),
        fts=fts_values(opp),
        deadlines=deadlines,
        tags=tuple(sorted(tags)),
        facet_values=(
            clean_text(opp.funder),
            clean_text(opp.programme),
            opp.kind.value,
            opp.status.value,
        ),
    )
