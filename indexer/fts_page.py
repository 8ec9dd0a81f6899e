"""Choose the rows of one result page for the SQLite FTS5 backend.

A page sorted by relevance is ordered by (bm25, next deadline, id, partition). Giving every
match its full sort key costs a metadata lookup per match, so the page is cut by score
alone: the best ``offset + limit + MARGIN`` scores are fetched (no metadata unless a
filter needs it), and only the rows of the page and rows tied with them get their full
key. Only when the rows tied with the page's last row run past what was fetched does the
full query run instead: the order is always the documented one.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from indexer.backend import SearchQuery, SortOrder
from indexer.fts_hits import PageRow
from indexer.fts_query import (
    BM25_WEIGHTS,
    PARTITION_NAMES,
    build,
    next_deadline_sql,
    page_bounds,
    parse,
    partitions_for,
    source_sql,
)
from indexer.fts_rows import to_micros

# Extra rows fetched past the page so that rows tied with its last row are all seen: bm25
# ties are common when calls have the same length and word counts.
MARGIN = 250


def cut_size(query: SearchQuery) -> int:
    """Return how many of the best scores :func:`score_sql` fetches."""
    page, per_page = page_bounds(query)
    return page * per_page + MARGIN


def score_sql(query: SearchQuery, *, now: datetime) -> tuple[str, dict[str, object]] | None:
    """Build the query of the :func:`cut_size` best (partition, rid, score) rows.

    Returns None when the page is not sorted by bm25 (no words, or another sort).
    """
    parsed = parse(query.text)
    if not parsed.has_positive or query.sort is not SortOrder.RELEVANCE:
        return None
    params: dict[str, object] = {"now": to_micros(now)}
    weights = ", ".join(map(str, BM25_WEIGHTS))
    arms = []
    for partition in partitions_for(query):
        index = PARTITION_NAMES.index(partition)
        fts = f"{partition}_fts"
        score = f"bm25({fts}, {weights})"
        source = source_sql(query, partition, parsed, now, params, meta=False)
        arms.append(f"SELECT {index} AS part, {fts}.rowid AS rid, {score} AS score{source}")
    params["cut"] = cut_size(query)
    return " UNION ALL ".join(arms) + " ORDER BY score LIMIT :cut", params


def keys_sql(partition: str) -> str:
    """Return the query of ``rid, id, next deadline`` for the rids in the JSON array ``:rids``."""
    return (
        f"SELECT x.rid, x.id, {next_deadline_sql(partition)} FROM {partition}_meta x"
        " WHERE x.rid IN (SELECT value FROM json_each(:rids))"
    )


def _full_order(conn: sqlite3.Connection, rows: list[PageRow], now: datetime) -> list[PageRow]:
    """Return rows sorted by (score, next deadline NULLS LAST, id, partition)."""
    keys: dict[tuple[int, int], tuple[bool, int, str]] = {}
    for index, partition in enumerate(PARTITION_NAMES):
        rids = [rid for part, rid, _ in rows if part == index]
        if not rids:
            continue
        params = {"rids": json.dumps(rids), "now": to_micros(now)}
        for rid, opp_id, nd in conn.execute(keys_sql(partition), params):
            keys[(index, rid)] = (nd is None, nd or 0, opp_id)
    # Python compares str by code point, as SQLite's BINARY collation compares UTF-8.
    return sorted(rows, key=lambda r: (r[2], *keys[(r[0], r[1])], r[0]))


def _cut(
    conn: sqlite3.Connection, best: list[PageRow], query: SearchQuery, now: datetime, cut: int
) -> list[PageRow] | None:
    """Return the page from the ``cut`` best scores, or None if ties may run past them.

    Fewer than ``cut`` rows are all the matches.
    """
    page, per_page = page_bounds(query)
    offset, end = (page - 1) * per_page, page * per_page
    window = best[offset:end]
    if not window:
        return []
    # Rows with the score of the page's first or last row may sort into the page by their
    # full key: they are sorted with it.
    start, stop = offset, min(end, len(best))
    while start > 0 and best[start - 1][2] == window[0][2]:
        start -= 1
    while stop < len(best) and best[stop][2] == window[-1][2]:
        stop += 1
    if stop == cut:
        return None
    return _full_order(conn, best[start:stop], now)[offset - start : end - start]


def select_page(conn: sqlite3.Connection, query: SearchQuery, now: datetime) -> list[PageRow]:
    """Return the (partition, rid, score) rows of the query's page, in page order."""
    scored = score_sql(query, now=now)
    if scored is not None:
        sql, params = scored
        best = [(int(p), int(r), float(s)) for p, r, s in conn.execute(sql, params)]
        rows = _cut(conn, best, query, now, cut_size(query))
        if rows is not None:
            return rows
    sql, params = build(query, now=now)
    return [(part, rid, score) for part, rid, score, *_ in conn.execute(sql, params)]
