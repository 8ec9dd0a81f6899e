"""Connections to the SQLite FTS5 index file: one per thread, and the rebuild swap.

The index is one file renamed over by a rebuild, so every call checks that its thread's
connection still points at the current file and reopens it otherwise.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from indexer import fts_query, fts_schema
from indexer.records import Opportunity

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-32000",
    "PRAGMA mmap_size=268435456",
)


class Gate:
    """Let any number of calls use the file at once, and a swap wait until none does."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._swapping = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the file for one call."""
        with self._cond:
            self._cond.wait_for(lambda: not self._swapping)
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the file alone: no call runs until the block ends."""
        with self._cond:
            self._cond.wait_for(lambda: not self._swapping)
            self._swapping = True
            self._cond.wait_for(lambda: self._active == 0)
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


class ConnectionPool:
    """One connection per thread to the index file, closed all at once before a swap."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.gate = Gate()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: set[sqlite3.Connection] = set()
        self._generation = 0

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return stat.st_dev, stat.st_ino

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False only so close_all() can close idle connections of other
        # threads; a connection is still used by one thread at a time.
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version < fts_schema.SCHEMA_VERSION:
            fts_schema.create_schema(conn)
        with self._lock:
            self._connections.add(conn)
        return conn

    def discard(self) -> None:
        """Close this thread's connection (the next call opens a new one)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Yield this thread's connection to the current file, reopening after a swap."""
        with self.gate.shared():
            local = self._local
            # The generation changes with close_all(); the inode when another process
            # renamed a rebuilt index over the file.
            current = (self._generation, self._identity())
            if getattr(local, "conn", None) is not None and local.current != current:
                self.discard()
            if getattr(local, "conn", None) is None:
                local.conn = self._open()
                local.current = (self._generation, self._identity())
            yield local.conn

    def close_all(self) -> None:
        """Close every connection; the caller holds the gate exclusively."""
        with self._lock:
            connections, self._connections = self._connections, set()
            self._generation += 1
        for conn in connections:
            conn.close()


def side_files(path: Path) -> tuple[Path, Path]:
    """Return the -wal and -shm files SQLite keeps beside a WAL-mode database."""
    return path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")


def fill(path: Path, batches: Iterable[Sequence[Opportunity]]) -> int:
    """Write a complete index into a new file at ``path``; return the record count."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A file nobody reads yet: no journal and no syncs until it is complete.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        fts_schema.create_schema(conn)
        count = 0
        conn.execute("BEGIN")
        for batch in batches:
            for opp in batch:
                fts_schema.replace(conn, opp)
                count += 1
        for partition in fts_query.PARTITION_NAMES:
            # Merge each FTS index into one b-tree: fewer segments to read per query.
            conn.execute(f"INSERT INTO {partition}_fts({partition}_fts) VALUES ('optimize')")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return count


def swap(fresh: Path, path: Path, attempts: int = 5) -> None:
    """Rename ``fresh`` over ``path`` once the old file's WAL is empty.

    The -wal and -shm files are named after the path, not the inode: a WAL still holding
    frames of the old file would be read as part of the new one. So the old WAL is
    checkpointed and truncated, and a write transaction on the old file keeps other
    writers out until the rename is done. (Connections to a renamed-over file never
    checkpoint or delete the WAL on close: SQLite sees that the file moved.)

    :raises sqlite3.OperationalError: when the old WAL cannot be emptied.
    """
    if not path.exists():
        os.replace(fresh, path)
        return
    wal = side_files(path)[0]
    guard = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        for _ in range(attempts):
            (busy, *_) = guard.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            guard.execute("BEGIN IMMEDIATE")
            try:
                if not busy and (not wal.exists() or wal.stat().st_size == 0):
                    os.replace(fresh, path)
                    return
            finally:
                guard.execute("ROLLBACK")
        raise sqlite3.OperationalError(f"cannot empty the WAL of {path}; index not replaced")
    finally:
        guard.close()
