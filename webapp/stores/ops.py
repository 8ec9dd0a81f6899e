"""Operations state: the scheduler lease, per-job run states and the admin alert log.

All SQL for these tables lives here. Times are stored as UTC by the columns' type
(UTCDateTime): every value written must be aware, and every value read comes back aware.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    case,
    delete,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from indexer.schema import UTCDateTime
from webapp.stores.schema import admin_alerts, job_states, scheduler_lease, users

SCHEDULER_LEASE = "scheduler"


# --- the scheduler lease ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lease:
    """Who runs the scheduled jobs, since when, and until when the claim holds."""

    name: str
    owner: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


def acquire_lease(
    engine: Engine, owner: str, *, now: datetime, ttl: timedelta, name: str = SCHEDULER_LEASE
) -> bool:
    """Take or renew the lease; return False while another owner holds an unexpired one.

    The conditional UPDATE (and the primary key on INSERT) make the claim atomic on SQLite
    and PostgreSQL alike, so two processes racing for it cannot both win.
    """
    table = scheduler_lease
    with engine.begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.c.name == name, or_(table.c.owner == owner, table.c.expires_at < now))
            .values(
                acquired_at=case(
                    (table.c.owner == owner, table.c.acquired_at),
                    # Typed, so the bare value is converted to UTC like the columns'.
                    else_=literal(now, UTCDateTime()),
                ),
                owner=owner,
                heartbeat_at=now,
                expires_at=now + ttl,
            )
        )
        if result.rowcount == 1:
            return True
        if conn.execute(select(table.c.name).where(table.c.name == name)).first() is not None:
            return False
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(table).values(
                    name=name, owner=owner, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
                )
            )
    except IntegrityError:
        return False  # another process inserted it first
    return True


def release_lease(engine: Engine, owner: str, *, name: str = SCHEDULER_LEASE) -> None:
    """Give the lease up (only when this owner holds it)."""
    table = scheduler_lease
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.name == name, table.c.owner == owner))


def get_lease(engine: Engine, *, name: str = SCHEDULER_LEASE) -> Lease | None:
    """Return the current lease row, or None when nobody has claimed it."""
    with engine.connect() as conn:
        row = conn.execute(select(scheduler_lease).where(scheduler_lease.c.name == name)).first()
    if row is None:
        return None
    return Lease(
        name=row.name,
        owner=row.owner,
        acquired_at=row.acquired_at,
        heartbeat_at=row.heartbeat_at,
        expires_at=row.expires_at,
    )


# --- job states -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobState:
    """The last outcome of one scheduled job and its current failure streak."""

    job_id: str
    last_started_at: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    last_summary: str | None = None
    last_seconds: float | None = None
    failure_streak: int = 0
    alerted: bool = False

    @property
    def failing(self) -> bool:
        """Return whether the newest run of this job failed."""
        return self.failure_streak > 0


def _state(row: Row[Any]) -> JobState:
    return JobState(
        job_id=row.job_id,
        last_started_at=row.last_started_at,
        last_success_at=row.last_success_at,
        last_failure_at=row.last_failure_at,
        last_error=row.last_error,
        last_summary=row.last_summary,
        last_seconds=row.last_seconds,
        failure_streak=int(row.failure_streak or 0),
        alerted=bool(row.alerted),
    )


def _get_state(conn: Connection, job_id: str) -> JobState:
    row = conn.execute(select(job_states).where(job_states.c.job_id == job_id)).first()
    return _state(row) if row is not None else JobState(job_id=job_id)


def _save_state(conn: Connection, job_id: str, values: dict[str, Any]) -> JobState:
    table = job_states
    if conn.execute(select(table.c.job_id).where(table.c.job_id == job_id)).first() is None:
        conn.execute(insert(table).values(job_id=job_id, **values))
    else:
        conn.execute(update(table).where(table.c.job_id == job_id).values(**values))
    return _get_state(conn, job_id)


def record_job_start(engine: Engine, job_id: str, *, now: datetime) -> None:
    """Remember that a job has started."""
    with engine.begin() as conn:
        _save_state(conn, job_id, {"last_started_at": now})


def record_job_success(
    engine: Engine, job_id: str, *, now: datetime, summary: str, seconds: float
) -> JobState:
    """Record a successful run: the failure streak ends and a new one may alert again."""
    values = {
        "last_success_at": now,
        "last_summary": summary,
        "last_seconds": seconds,
        "failure_streak": 0,
        "alerted": False,
    }
    with engine.begin() as conn:
        return _save_state(conn, job_id, values)


def record_job_failure(
    engine: Engine, job_id: str, *, now: datetime, error: str, seconds: float, summary: str = ""
) -> JobState:
    """Record a failed run and return the state with the lengthened failure streak."""
    with engine.begin() as conn:
        streak = _get_state(conn, job_id).failure_streak + 1
        values = {
            "last_failure_at": now,
            "last_error": error,
            "last_summary": summary or error,
            "last_seconds": seconds,
            "failure_streak": streak,
        }
        return _save_state(conn, job_id, values)


def mark_alerted(engine: Engine, job_id: str) -> None:
    """Remember that admins were told about the current failure streak."""
    with engine.begin() as conn:
        conn.execute(update(job_states).where(job_states.c.job_id == job_id).values(alerted=True))


def get_job_states(engine: Engine) -> list[JobState]:
    """Return every job's state, ordered by job id."""
    with engine.connect() as conn:
        rows = conn.execute(select(job_states).order_by(job_states.c.job_id)).all()
    return [_state(r) for r in rows]


# --- admin alerts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdminAlert:
    """One alert e-mail sent (or attempted) to the admins."""

    id: int
    job_id: str
    subject: str
    recipients: tuple[str, ...]
    sent_at: datetime
    error: str | None


def admin_emails(engine: Engine) -> list[str]:
    """Return the addresses of the active admin accounts."""
    stmt = (
        select(users.c.email)
        .where(users.c.role == "admin", users.c.active.is_(True))
        .order_by(users.c.email)
    )
    with engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def log_alert(
    engine: Engine,
    *,
    job_id: str,
    subject: str,
    body: str,
    recipients: Sequence[str],
    now: datetime,
    error: str | None = None,
) -> None:
    """Keep a record of an alert e-mail (``error`` when sending it failed)."""
    values = {
        "job_id": job_id,
        "subject": subject[:300],
        "body": body,
        "recipients": list(recipients),
        "sent_at": now,
        "error": error,
    }
    with engine.begin() as conn:
        conn.execute(insert(admin_alerts).values(**values))


def recent_alerts(engine: Engine, limit: int = 20) -> list[AdminAlert]:
    """Return the newest admin alerts first."""
    stmt = select(admin_alerts).order_by(admin_alerts.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [
        AdminAlert(
            id=r.id,
            job_id=r.job_id,
            subject=r.subject,
            recipients=tuple(r.recipients or ()),
            sent_at=r.sent_at,
            error=r.error,
        )
        for r in rows
    ]


def next_run_times(engine: Engine, table: str = "apscheduler_jobs") -> dict[str, datetime | None]:
    """Return each stored scheduler job's next run time (empty before the first start).

    Read with plain SQL so the web pages need not import the scheduler library; the job
    store keeps the time as a UTC epoch number (NULL while a job is paused).
    """
    if not inspect(engine).has_table(table):
        return {}
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, next_run_time FROM {table} ORDER BY id")).all()
    return {
        row.id: datetime.fromtimestamp(row.next_run_time, UTC) if row.next_run_time else None
        for row in rows
    }
