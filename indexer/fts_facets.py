"""Facet values of the SQLite FTS5 backend as codes: one character per facet and record.

Each record's ``facets`` column holds, for every key of :data:`FACET_COLUMNS` in order,
the character whose code point is the value's code in the ``facet_value`` table. A search
concatenates that column over its matches and counts characters, so facet counts over
every result cost one string, not a GROUP BY (a sort) per facet.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

from indexer.backend import FacetCount

FACET_COLUMNS = ("funder", "programme", "kind", "status")
# Code of a missing value (a record without funder or programme): never counted.
NO_VALUE = 1
FACET_TABLE_COLUMNS = (
    "rid INTEGER PRIMARY KEY, first_at INTEGER, last_at INTEGER, facets TEXT NOT NULL"
)
FACET_VALUE_DDL = (
    "CREATE TABLE IF NOT EXISTS facet_value (key TEXT NOT NULL, value TEXT NOT NULL,"
    " code INTEGER NOT NULL, PRIMARY KEY (key, value)) WITHOUT ROWID"
)
# Up to this many values of one key are counted with str.count (a fast scan per value);
# keys with more values use one Counter pass instead.
_SCAN_LIMIT = 32
_SURROGATES = range(0xD800, 0xE000)


def _next_code(top: int) -> int:
    code = top + 1
    # Surrogate code points are not valid text, so they are skipped.
    code = _SURROGATES.stop if code in _SURROGATES else code
    if code > 0x10FFFF:
        raise ValueError("too many distinct facet values")
    return code


def value_code(conn: sqlite3.Connection, key: str, value: str | None) -> int:
    """Return the code of a facet value, numbering it when it is new."""
    if value is None:
        return NO_VALUE
    found = conn.execute(
        "SELECT code FROM facet_value WHERE key = ? AND value = ?", (key, value)
    ).fetchone()
    if found is not None:
        return int(found[0])
    (top,) = conn.execute("SELECT max(code) FROM facet_value WHERE key = ?", (key,)).fetchone()
    code = _next_code(top or NO_VALUE)
    conn.execute("INSERT INTO facet_value (key, value, code) VALUES (?, ?, ?)", (key, value, code))
    return code


def encode_facets(conn: sqlite3.Connection, values: Sequence[str | None]) -> str:
    """Return the ``facets`` column for a record's values of :data:`FACET_COLUMNS`."""
    pairs = zip(FACET_COLUMNS, values, strict=True)
    return "".join(chr(value_code(conn, key, value)) for key, value in pairs)


def upgrade_facets(conn: sqlite3.Connection, partitions: Iterable[str]) -> None:
    """Create and fill the facet tables of an index written before they existed."""
    conn.execute(FACET_VALUE_DDL)
    for p in partitions:
        conn.execute(f"CREATE TABLE {p}_facet ({FACET_TABLE_COLUMNS})")
        columns = ", ".join(FACET_COLUMNS)
        rows = conn.execute(f"SELECT rid, first_at, last_at, {columns} FROM {p}_meta").fetchall()
        conn.executemany(
            f"INSERT INTO {p}_facet (rid, first_at, last_at, facets) VALUES (?, ?, ?, ?)",
            [(*row[:3], encode_facets(conn, row[3:])) for row in rows],
        )


def facet_labels(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Return, per facet key, each code character mapped to its value."""
    labels: dict[str, dict[str, str]] = {key: {} for key in FACET_COLUMNS}
    for key, value, code in conn.execute("SELECT key, value, code FROM facet_value"):
        labels.setdefault(key, {})[chr(code)] = value
    return labels


def count_facets(
    joined: str, labels: dict[str, dict[str, str]]
) -> dict[str, tuple[FacetCount, ...]]:
    """Count the values in concatenated ``facets`` columns; sorted by count, then value."""
    width = len(FACET_COLUMNS)
    facets = {}
    for index, key in enumerate(FACET_COLUMNS):
        column, names = joined[index::width], labels[key]
        if len(names) <= _SCAN_LIMIT:
            counts = {name: column.count(char) for char, name in names.items()}
        else:
            counts = {names[c]: n for c, n in Counter(column).items() if c in names}
        ranked = sorted(((-n, name) for name, n in counts.items() if n), key=lambda i: i)
        facets[key] = tuple(FacetCount(name, -n) for n, name in ranked)
    return facets
