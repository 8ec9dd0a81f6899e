"""Tables of the SQLite FTS5 backend and the write path (insert/remove one record).

Each partition (``hot`` for open/forthcoming calls, ``archive`` for closed ones) has:

- ``{p}_meta``: a narrow row per record (filter, sort and facet columns); its INTEGER
  PRIMARY KEY ``rid`` is also the FTS rowid, so joins are rowid lookups.
- ``{p}_facet``: a narrower row per record for counting facets over every match: first and
  last deadline, and ``facets``, one character per facet key (the value's code in
  ``facet_value``; see :mod:`indexer.fts_facets`).
- ``{p}_fts``: the FTS5 table (text columns, porter + unicode61 without diacritics).
- ``{p}_deadline``: every deadline, so the next one stays right as time passes.
- ``{p}_tag``: eligible groups (``g``) and countries (``c``).

``facet_value`` (shared by both partitions) numbers the values of each facet key.
"""

from __future__ import annotations

import sqlite3

from indexer.fts_facets import (
    FACET_TABLE_COLUMNS,
    FACET_VALUE_DDL,
    encode_facets,
    upgrade_facets,
)
from indexer.fts_query import FTS_COLUMNS, PARTITION_NAMES, PARTITIONS
from indexer.fts_rows import index_rows, stems_text
from indexer.records import Opportunity

TOKENIZER = "porter unicode61 remove_diacritics 2"
META_COLUMNS = (
    "id",
    "status",
    "kind",
    "funder",
    "programme",
    "language",
    "source",
    "budget",
    "posted",
    "first_at",
    "last_at",
)
# Bumped when the tables change; older files are upgraded in place on open.
SCHEMA_VERSION = 3


def fts_ddl(table: str) -> str:
    """Return the CREATE statement of one FTS5 table (idempotent)."""
    fts_columns = ", ".join(f"{c} UNINDEXED" if c == "url" else c for c in FTS_COLUMNS)
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({fts_columns},"
        f" tokenize='{TOKENIZER}')"
    )


def schema_statements() -> list[str]:
    """Return the CREATE statements for every partition (idempotent)."""
    statements = [FACET_VALUE_DDL]
    for p in PARTITION_NAMES:
        statements += [
            f"CREATE TABLE IF NOT EXISTS {p}_meta (rid INTEGER PRIMARY KEY,"
            " id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, kind TEXT NOT NULL, funder TEXT,"
            " programme TEXT, language TEXT, source TEXT NOT NULL, budget REAL,"
            " posted INTEGER, first_at INTEGER, last_at INTEGER)",
            f"CREATE TABLE IF NOT EXISTS {p}_facet ({FACET_TABLE_COLUMNS})",
            fts_ddl(f"{p}_fts"),
            f"CREATE TABLE IF NOT EXISTS {p}_deadline (rid INTEGER NOT NULL,"
            " at INTEGER NOT NULL, PRIMARY KEY (rid, at)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {p}_tag (rid INTEGER NOT NULL, key TEXT NOT NULL,"
            " value TEXT NOT NULL, PRIMARY KEY (rid, key, value)) WITHOUT ROWID",
        ]
    return statements


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table that does not exist yet (or upgrade older ones), in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version < SCHEMA_VERSION:
            if version < 2 and _has_table(conn, "archive_tag"):
                upgrade_facets(conn, PARTITION_NAMES)
            if version < 3 and _has_table(conn, "archive_fts"):
                for partition in PARTITION_NAMES:
                    add_stems(conn, partition)
            for statement in schema_statements():
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def add_stems(conn: sqlite3.Connection, partition: str) -> None:
    """Copy a partition's FTS table into one with the ``stems`` column (schema 2 -> 3).

    FTS5 tables cannot gain columns, so the text (stored in the table) is copied into a
    new table, stemmed with the record's language, and the new table takes the old name.
    """
    fts, fresh = f"{partition}_fts", f"{partition}_fts_upgrade"
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({fts})")]
    if "stems" in columns:
        return
    old = [c for c in FTS_COLUMNS if c != "stems"]
    conn.execute(f"DROP TABLE IF EXISTS {fresh}")
    conn.execute(fts_ddl(fresh))
    rows = conn.execute(
        f"SELECT f.rowid, {', '.join(f'f.{c}' for c in old)}, m.language"
        f" FROM {fts} f JOIN {partition}_meta m ON m.rid = f.rowid"
    )
    marks = ", ".join("?" for _ in FTS_COLUMNS)
    insert_sql = f"INSERT INTO {fresh} (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, {marks})"
    # FTS_COLUMNS is the old columns followed by stems.
    title, keywords, summary, body = (
        old.index(c) + 1 for c in ("title", "keywords", "summary", "body")
    )
    # Streamed: the old table is only read while the new one is written.
    for row in rows:
        stems = stems_text(row[title], row[keywords], row[summary], row[body], row[-1])
        conn.execute(insert_sql, (*row[:-1], stems))
    conn.execute(f"DROP TABLE {fts}")
    conn.execute(f"ALTER TABLE {fresh} RENAME TO {fts}")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (name,))
    return bool(found.fetchone()[0])


def partition_of(opp: Opportunity) -> str:
    """Return the partition a record belongs to, by its status."""
    return next(p for p, held in PARTITIONS.items() if opp.status.value in held)


def locate(conn: sqlite3.Connection, opportunity_id: str) -> tuple[str, int] | None:
    """Return (partition, rid) of an indexed record, or None."""
    for p in PARTITION_NAMES:
        row = conn.execute(f"SELECT rid FROM {p}_meta WHERE id = ?", (opportunity_id,)).fetchone()
        if row is not None:
            return p, int(row[0])
    return None


def remove(conn: sqlite3.Connection, opportunity_id: str) -> bool:
    """Delete a record from whichever partition holds it; return whether it was there."""
    found = locate(conn, opportunity_id)
    if found is None:
        return False
    p, rid = found
    tables = (
        (f"{p}_fts", "rowid"),
        (f"{p}_deadline", "rid"),
        (f"{p}_tag", "rid"),
        (f"{p}_facet", "rid"),
    )
    for table, column in tables:
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (rid,))
    conn.execute(f"DELETE FROM {p}_meta WHERE rid = ?", (rid,))
    return True


def replace(conn: sqlite3.Connection, opp: Opportunity) -> None:
    """Write a record into its partition, dropping any older copy from either partition."""
    remove(conn, opp.id)
    insert(conn, opp)


def insert(conn: sqlite3.Connection, opp: Opportunity) -> None:
    """Insert a record into its partition (the caller removed any older copy)."""
    p = partition_of(opp)
    rows = index_rows(opp)
    marks = ", ".join("?" for _ in META_COLUMNS)
    cursor = conn.execute(
        f"INSERT INTO {p}_meta ({', '.join(META_COLUMNS)}) VALUES ({marks})", rows.meta
    )
    rid = cursor.lastrowid
    first_at, last_at = (rows.deadlines[0], rows.deadlines[-1]) if rows.deadlines else (None, None)
    conn.execute(
        f"INSERT INTO {p}_facet (rid, first_at, last_at, facets) VALUES (?, ?, ?, ?)",
        (rid, first_at, last_at, encode_facets(conn, rows.facet_values)),
    )
    fts_marks = ", ".join("?" for _ in FTS_COLUMNS)
    conn.execute(
        f"INSERT INTO {p}_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, {fts_marks})",
        (rid, *rows.fts),
    )
    conn.executemany(
        f"INSERT INTO {p}_deadline (rid, at) VALUES (?, ?)", [(rid, at) for at in rows.deadlines]
    )
    conn.executemany(
        f"INSERT INTO {p}_tag (rid, key, value) VALUES (?, ?, ?)",
        [(rid, key, value) for key, value in rows.tags],
    )
