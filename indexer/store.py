"""The system of record: opportunities, their change history, crawl runs, fetch state.

Only :mod:`indexer.ingest` writes opportunities; this module offers the primitives it
uses and the reads everyone else needs. Portable SQL only (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url

from indexer.records import (
    IngestOutcome,
    Opportunity,
    RunStatus,
    from_dict,
    to_dict,
    utcnow,
)
from indexer.schema import crawl_runs, fetch_state, opportunities, opportunity_changes

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True, slots=True)
class Change:
    """One field of one opportunity that changed between two crawls."""

    opportunity_id: str
    field: str
    old: Any
    new: Any
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class CrawlRun:
    """One crawl of one source and what came of it."""

    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    counts: Mapping[IngestOutcome, int]
    error: str | None
    http_status: int | None


@dataclass(frozen=True, slots=True)
class FetchState:
    """Conditional-GET validators remembered per source."""

    etag: str | None = None
    last_modified: str | None = None


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get their folder, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def _row_to_run(row: Any) -> CrawlRun:
    return CrawlRun(
        id=row.id,
        source=row.source,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=RunStatus(row.status),
        counts={
            IngestOutcome.ADDED: row.added,
            IngestOutcome.UPDATED: row.updated,
            IngestOutcome.UNCHANGED: row.unchanged,
            IngestOutcome.INVALID: row.invalid,
        },
        error=row.error,
        http_status=row.http_status,
    )


class Store:
    """Reads and low-level writes over the store's tables."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def create_schema(self) -> None:
        """Create or upgrade the store's tables to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Yield a connection inside one transaction (committed on success)."""
        with self.engine.begin() as conn:
            yield conn

    # --- opportunities -------------------------------------------------------------

    def get(self, opportunity_id: str) -> Opportunity | None:
        """Return the stored record with this id, or None."""
        with self.engine.connect() as conn:
            return self.get_in(conn, opportunity_id)

    def get_in(self, conn: Connection, opportunity_id: str) -> Opportunity | None:
        """Return the stored record with this id using an open connection."""
        data = conn.execute(
            select(opportunities.c.data).where(opportunities.c.id == opportunity_id)
        ).scalar_one_or_none()
        return from_dict(json.loads(data)) if data is not None else None

    def content_hashes_in(self, conn: Connection, ids: Iterable[str]) -> dict[str, str]:
        """Return ``{id: content_hash}`` of the stored records among these ids."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            rows = conn.execute(
                select(opportunities.c.id, opportunities.c.content_hash).where(
                    opportunities.c.id.in_(wanted[start : start + 500])
                )
            )
            found.update((opp_id, content_hash) for opp_id, content_hash in rows)
        return found

    def get_many(self, ids: Iterable[str]) -> list[Opportunity]:
        """Return the stored records among these ids, in the order given."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found: dict[str, Opportunity] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    select(opportunities.c.data).where(opportunities.c.id.in_(chunk))
                )
                for (data,) in rows:
                    opp = from_dict(json.loads(data))
                    found[opp.id] = opp
        return [found[i] for i in wanted if i in found]

    def iter_batches(
        self, batch_size: int = 500, *, statuses: Iterable[str] | None = None
    ) -> Iterator[list[Opportunity]]:
        """Yield every stored record (optionally only some statuses) in id order."""
        last_id = ""
        wanted = list(statuses) if statuses is not None else None
        while True:
            stmt = select(opportunities.c.id, opportunities.c.data).where(
                opportunities.c.id > last_id
            )
            if wanted is not None:
                stmt = stmt.where(opportunities.c.status.in_(wanted))
            stmt = stmt.order_by(opportunities.c.id).limit(batch_size)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            last_id = rows[-1].id
            yield [from_dict(json.loads(r.data)) for r in rows]

    def count(self, *, statuses: Iterable[str] | None = None) -> int:
        """Return how many records are stored (optionally only some statuses)."""
        stmt = select(func.count()).select_from(opportunities)
        if statuses is not None:
            stmt = stmt.where(opportunities.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def ids_due_for_status_refresh(self, now: datetime) -> list[str]:
        """Return ids whose stored status may be stale at ``now`` (deadline or opening passed)."""
        stmt = select(opportunities.c.id).where(
            ((opportunities.c.status != "closed") & (opportunities.c.final_deadline < now))
            | (
                (opportunities.c.status == "forthcoming")
                & (opportunities.c.opening_date <= now.date().isoformat())
            )
        )
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def write(self, conn: Connection, opp: Opportunity, *, exists: bool) -> None:
        """Insert or replace one record (ingest's primitive; not for general use)."""
        final = opp.final_deadline
        values = {
            "source": opp.source,
            "source_key": opp.source_key,
            "title": opp.title,
            "funder": opp.funder,
            "programme": opp.programme,
            "kind": opp.kind.value,
            "status": opp.status.value,
            "final_deadline": final.at if final else None,
            "opening_date": opp.opening_date.isoformat() if opp.opening_date else None,
            "content_hash": opp.content_hash or "",
            "data": json.dumps(to_dict(opp), ensure_ascii=False),
            "first_seen": opp.first_seen,
            "last_changed": opp.last_changed,
            "fetched_at": opp.fetched_at,
        }
        if exists:
            conn.execute(update(opportunities).where(opportunities.c.id == opp.id), values)
        else:
            conn.execute(opportunities.insert(), {"id": opp.id, **values})

    # --- change history ------------------------------------------------------------

    def add_changes(
        self,
        conn: Connection,
        opportunity_id: str,
        fields: Mapping[str, tuple[Any, Any]],
        *,
        now: datetime,
        run_id: int | None = None,
    ) -> None:
        """Record one history row per changed field."""
        rows = [
            {
                "opportunity_id": opportunity_id,
                "field": name,
                "old": json.dumps(old, ensure_ascii=False),
                "new": json.dumps(new, ensure_ascii=False),
                "changed_at": now,
                "run_id": run_id,
            }
            for name, (old, new) in fields.items()
        ]
        if rows:
            conn.execute(opportunity_changes.insert(), rows)

    def changes(
        self,
        since: datetime | None = None,
        *,
        opportunity_ids: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[Change]:
        """Return change-history rows, newest first, optionally since a time or for ids."""
        stmt = select(opportunity_changes).order_by(
            opportunity_changes.c.changed_at.desc(), opportunity_changes.c.id.desc()
        )
        if since is not None:
            stmt = stmt.where(opportunity_changes.c.changed_at >= since)
        if opportunity_ids is not None:
            stmt = stmt.where(opportunity_changes.c.opportunity_id.in_(list(opportunity_ids)))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            Change(
                opportunity_id=r.opportunity_id,
                field=r.field,
                old=json.loads(r.old) if r.old is not None else None,
                new=json.loads(r.new) if r.new is not None else None,
                changed_at=r.changed_at,
            )
            for r in rows
        ]

    # --- crawl runs and fetch state ------------------------------------------------

    def start_run(self, source: str, now: datetime) -> int:
        """Open a crawl-run record and return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                crawl_runs.insert().values(
                    source=source, started_at=now, status=RunStatus.RUNNING.value
                )
            )
            key = result.inserted_primary_key
            if key is None:  # pragma: no cover - every supported dialect returns it
                raise RuntimeError("the database did not return the new run id")
            return int(key[0])

    def finish_run(
        self,
        run_id: int,
        *,
        status: RunStatus,
        counts: Mapping[IngestOutcome, int],
        error: str | None,
        http_status: int | None,
        now: datetime,
    ) -> None:
        """Close a crawl-run record with its outcome."""
        with self.engine.begin() as conn:
            conn.execute(
                update(crawl_runs)
                .where(crawl_runs.c.id == run_id)
                .values(
                    finished_at=now,
                    status=status.value,
                    added=counts.get(IngestOutcome.ADDED, 0),
                    updated=counts.get(IngestOutcome.UPDATED, 0),
                    unchanged=counts.get(IngestOutcome.UNCHANGED, 0),
                    invalid=counts.get(IngestOutcome.INVALID, 0),
                    error=error,
                    http_status=http_status,
                )
            )

    def last_runs(self) -> dict[str, CrawlRun]:
        """Return the newest crawl run of every source that has one."""
        newest = (
            select(crawl_runs.c.source, func.max(crawl_runs.c.id).label("id"))
            .group_by(crawl_runs.c.source)
            .subquery()
        )
        stmt = select(crawl_runs).join(newest, crawl_runs.c.id == newest.c.id)
        with self.engine.connect() as conn:
            return {r.source: _row_to_run(r) for r in conn.execute(stmt)}

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        """Return recent crawl runs, newest first."""
        stmt = select(crawl_runs).order_by(crawl_runs.c.id.desc()).limit(limit)
        if source is not None:
            stmt = stmt.where(crawl_runs.c.source == source)
        with self.engine.connect() as conn:
            return [_row_to_run(r) for r in conn.execute(stmt)]

    def get_fetch_state(self, source: str) -> FetchState:
        """Return the conditional-GET validators kept for a source."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(fetch_state).where(fetch_state.c.source == source)
            ).one_or_none()
        return FetchState(row.etag, row.last_modified) if row else FetchState()

    def set_fetch_state(
        self, source: str, state: FetchState, *, now: datetime | None = None
    ) -> None:
        """Remember a source's conditional-GET validators."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(fetch_state.c.source).where(fetch_state.c.source == source)
            ).first()
            values = {"etag": state.etag, "last_modified": state.last_modified, "updated_at": now}
            if exists:
                conn.execute(
                    update(fetch_state).where(fetch_state.c.source == source).values(values)
                )
            else:
                conn.execute(fetch_state.insert().values(source=source, **values))
