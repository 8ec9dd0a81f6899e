"""Page assembly for the SQLite FTS5 backend: facet rows decoded, hits loaded for display."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from indexer.backend import CLOSING_BUCKETS, FacetCount, SearchHit
from indexer.fts_facets import FACET_COLUMNS, count_facets
from indexer.fts_query import (
    BODY_COLUMN,
    PARTITION_NAMES,
    SUMMARY_COLUMN,
    next_deadline_sql,
)
from indexer.fts_rows import from_micros, to_micros
from indexer.fts_snippets import choose_snippet, snippet_params

# One page row: partition index, rid, score (bm25: lower is better).
PageRow = tuple[int, int, float]


def hits_sql(partition: str, count: int, *, matched: bool) -> str:
    """Return the SQL that loads ``count`` hits (``:r0``...) of one partition for display.

    Columns: ``rid, id, title, call_id, summary, funder, programme, url, kind, status, nd,
    summary snippet, body snippet``. With ``matched`` it needs ``:match`` and the
    :func:`snippet_params`; it always needs ``:now``.
    """
    fts = f"{partition}_fts"
    ids = ", ".join(f":r{i}" for i in range(count))
    if matched:
        marks = ":mark_start, :mark_end, :ellipsis, :tokens"
        snippets = (
            f"snippet({fts}, {SUMMARY_COLUMN}, {marks}), snippet({fts}, {BODY_COLUMN}, {marks})"
        )
        where = f"{fts} MATCH :match AND {fts}.rowid IN ({ids})"
    else:
        snippets, where = "NULL, NULL", f"{fts}.rowid IN ({ids})"
    return (
        f"SELECT {fts}.rowid, x.id, {fts}.title, {fts}.call_id, {fts}.summary, {fts}.funder,"
        f" {fts}.programme, {fts}.url, x.kind, x.status, {next_deadline_sql(partition)},"
        f" {snippets} FROM {fts} JOIN {partition}_meta x ON x.rid = {fts}.rowid WHERE {where}"
    )


def decode_facets(
    rows: Sequence[Sequence[Any]], labels: dict[str, dict[str, str]]
) -> tuple[int, dict[str, tuple[FacetCount, ...]]]:
    """Return the total and the facets from the rows of :func:`indexer.fts_query.facets_sql`.

    Values are sorted by count (desc) then value; closing buckets stay in 7/30/90 order
    (they are cumulative) and empty ones are left out.
    """
    joined = "".join(row[0] for row in rows if row[0])
    closing = "".join(row[1] for row in rows if row[1])
    facets = count_facets(joined, labels)
    counts, running = [], 0
    for index, days in enumerate(CLOSING_BUCKETS):
        running += closing.count(chr(ord("a") + index))
        if running:
            counts.append(FacetCount(str(days), running))
    facets["closing"] = tuple(counts)
    return len(joined) // len(FACET_COLUMNS), facets


def load_hits(
    conn: sqlite3.Connection, order: list[PageRow], match: str | None, now: datetime
) -> tuple[SearchHit, ...]:
    """Load display fields and snippets for page rows, keeping their order."""
    loaded: dict[tuple[int, int], SearchHit] = {}
    scores = {(part, rid): score for part, rid, score in order}
    for index, partition in enumerate(PARTITION_NAMES):
        rids = [rid for part, rid, _ in order if part == index]
        if not rids:
            continue
        sql = hits_sql(partition, len(rids), matched=match is not None)
        params: dict[str, object] = {f"r{i}": rid for i, rid in enumerate(rids)}
        params["now"] = to_micros(now)
        if match is not None:
            params.update(snippet_params(), match=match)
        for row in conn.execute(sql, params):
            key = (index, int(row[0]))
            loaded[key] = _hit(row, -scores[key] if scores[key] else 0.0)
    return tuple(loaded[(part, rid)] for part, rid, _ in order if (part, rid) in loaded)


def _hit(row: tuple[object, ...], score: float) -> SearchHit:
    """Build a hit from a :func:`hits_sql` row; ``score`` is higher for better matches."""
    _, opp_id, title, call_id, summary, funder, programme, url, kind, status, nd = row[:11]
    summary_text = str(summary or "")
    return SearchHit(
        id=str(opp_id),
        title=str(title or ""),
        url=str(url or ""),
        score=score,
        snippet_html=choose_snippet(summary_text, _text(row[11]), _text(row[12])),
        funder=_text(funder),
        programme=_text(programme),
        kind=str(kind),
        status=str(status),
        next_deadline=from_micros(nd) if isinstance(nd, int) else None,
        summary=summary_text,
        call_id=_text(call_id),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
