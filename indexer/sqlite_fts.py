"""The embedded search backend: SQLite FTS5 in its own derived, rebuildable file.

Live calls (open, forthcoming) and the closed archive sit in separate tables, so the
default search never pays for the archive: FTS5 scores every matching row before LIMIT.
Query semantics are documented in :mod:`indexer.fts_query`; budgets are compared as plain
amounts (currencies are not converted); date bounds are whole UTC days; relevance scores
of live and archived calls come from separate statistics when both are searched.

Concurrency: one connection per thread, WAL mode (searches never wait for a writer).
A rebuild renames a new file over the old one; calls of this process wait for the rename,
other processes reopen on their next call. Index writes (ingest, reindex) should come from
one process at a time.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from indexer import fts_query, fts_schema
from indexer.backend import SearchHit, SearchPage, SearchQuery
from indexer.fts_connections import ConnectionPool, fill, side_files, swap
from indexer.fts_facets import facet_labels
from indexer.fts_hits import decode_facets, load_hits
from indexer.fts_page import select_page
from indexer.records import Opportunity

logger = logging.getLogger(__name__)

# The file was renamed over while this connection had it open (another process rebuilt it).
_SQLITE_READONLY_DBMOVED = 1032


class SqliteFtsBackend:
    """SearchBackend on an SQLite FTS5 file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pool = ConnectionPool(self.path)

    def ensure_ready(self) -> None:
        """Create the index file and its tables when they are missing; idempotent."""
        with self._pool.connection():
            pass

    def close(self) -> None:
        """Close every connection this backend opened (calls reopen them)."""
        with self._pool.gate.exclusive():
            self._pool.close_all()

    # --- writes ------------------------------------------------------------------------

    def upsert(self, opportunities: Iterable[Opportunity]) -> None:
        """Add or replace records; a record whose status changed moves partitions."""
        records = list(opportunities)

        def write(conn: sqlite3.Connection) -> None:
            for opp in records:
                fts_schema.replace(conn, opp)

        self._write(write)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove these ids from the index; unknown ids are ignored."""
        doomed = list(ids)

        def write(conn: sqlite3.Connection) -> None:
            for opportunity_id in doomed:
                fts_schema.remove(conn, opportunity_id)

        self._write(write)

    def _write(self, write: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``write`` in one transaction, once more if another process swapped the file."""
        try:
            self._transaction(write)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != _SQLITE_READONLY_DBMOVED:
                raise
            logger.info("Search index %s was replaced during a write; retrying", self.path)
            self._pool.discard()
            self._transaction(write)

    def _transaction(self, write: Callable[[sqlite3.Connection], None]) -> None:
        with self._pool.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                write(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def rebuild(self, batches: Iterable[Sequence[Opportunity]]) -> int:
        """Replace the whole index with these records; return how many were indexed."""
        # Readers must never see a half-filled or empty index, so the new index is built in
        # a new file beside the current one and then renamed over it in one atomic step.
        fresh = self.path.with_name(f"{self.path.name}.rebuild-{uuid.uuid4().hex[:8]}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            count = fill(fresh, batches)
            # No call of this process runs during the rename and its connections to the old
            # file are closed first; other processes notice the new inode on their next call.
            with self._pool.gate.exclusive():
                self._pool.close_all()
                swap(fresh, self.path)
        finally:
            for leftover in (fresh, *side_files(fresh)):
                leftover.unlink(missing_ok=True)
        logger.info("Rebuilt search index %s with %d records", self.path, count)
        return count

    # --- reads -------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search: one page of hits, the exact total and facets over all results."""
        now = query.now or datetime.now(UTC)
        facets_query, facets_params = fts_query.facets_sql(query, now=now)
        match = facets_params.get("match")
        with self._pool.connection() as conn:
            # One read transaction: page, total and facets see the same snapshot.
            conn.execute("BEGIN")
            try:
                order = select_page(conn, query, now)
                facet_rows = conn.execute(facets_query, facets_params).fetchall()
                total, facets = decode_facets(facet_rows, facet_labels(conn))
                hits = load_hits(conn, order, match if isinstance(match, str) else None, now)
            finally:
                conn.execute("COMMIT")
        page, per_page = fts_query.page_bounds(query)
        return SearchPage(hits=hits, total=total, facets=facets, page=page, per_page=per_page)

    def similar(self, opportunity_id: str, limit: int = 5) -> Sequence[SearchHit]:
        """Return live calls sharing the record's rarest words (title and keywords first)."""
        with self._pool.connection() as conn:
            found = fts_schema.locate(conn, opportunity_id)
            if found is None or limit < 1:
                return []
            partition, rid = found
            title, keywords, summary = conn.execute(
                f"SELECT title, keywords, summary FROM {partition}_fts WHERE rowid = ?", (rid,)
            ).fetchone()
            words = fts_query.similar_candidates(title, keywords, summary)
            own = 1 if partition == "hot" else 0
            match = fts_query.similar_expression(_rarest(conn, words, own))
            if match is None:
                return []
            weights = ", ".join(map(str, fts_query.BM25_WEIGHTS))
            rows = conn.execute(
                f"SELECT rowid, bm25(hot_fts, {weights}) AS score FROM hot_fts"
                " WHERE hot_fts MATCH ? AND rowid != ? ORDER BY score LIMIT ?",
                (match, rid if partition == "hot" else -1, limit),
            ).fetchall()
            order = [(0, int(r[0]), float(r[1])) for r in rows]
            return list(load_hits(conn, order, match, datetime.now(UTC)))


def _rarest(conn: sqlite3.Connection, words: tuple[str, ...], own: int) -> tuple[str, ...]:
    """Return the words found in the fewest other live calls (never in none)."""
    counted = []
    for word in words:
        (df,) = conn.execute(
            "SELECT count(*) FROM hot_fts WHERE hot_fts MATCH ?", (f'"{word}"',)
        ).fetchone()
        if df > own:
            counted.append((df, word))
    counted.sort()
    return tuple(word for _, word in counted[: fts_query.SIMILAR_TERMS])
