"""What was sent to whom: the digest log, saved-search result ids, matches and reminders.

The digest log makes digests idempotent: a row is claimed as ``pending`` before the
message is sent and marked ``sent`` after. A ``pending`` row left by a crash is never
sent again (at most once); a ``failed`` row is claimed again by the next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.stores.schema import (
    alert_results,
    digest_log,
    match_notices,
    notice_marks,
    reminders_sent,
)

MAX_ERROR = 1000


class DigestStatus(StrEnum):
    """Where one person's digest for one period stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DigestLogEntry:
    """One row of the digest log."""

    user_id: int
    period: str
    status: DigestStatus
    attempts: int
    error: str | None


def _user_keys(conn: Connection, key: Column[str], user_id: int) -> frozenset[str]:
    """Return the keys stored for a person in the key column's table."""
    found = conn.execute(select(key).where(key.table.c.user_id == user_id))
    return frozenset(found.scalars())


def _add_keys(
    conn: Connection,
    key: Column[str],
    stamp: Column[datetime],
    user_id: int,
    values: Iterable[str],
    now: datetime,
) -> None:
    """Insert the person's rows for the keys not stored yet, stamped ``now``."""
    known = _user_keys(conn, key, user_id)
    rows = [
        {"user_id": user_id, key.name: v, stamp.name: now}
        for v in dict.fromkeys(values)
        if v not in known
    ]
    if rows:
        conn.execute(insert(key.table), rows)


# --- digest log -----------------------------------------------------------------------


def claim_digest(engine: Engine, user_id: int, period: str, *, now: datetime) -> bool:
    """Claim the right to send one person's digest for a period (new or failed before)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(digest_log).values(
                    user_id=user_id,
                    period=period,
                    status=DigestStatus.PENDING.value,
                    attempts=1,
                    claimed_at=now,
                )
            )
        return True
    except IntegrityError:
        pass
    # The conditional update is the lock: of two runs retrying a failure, one wins.
    with engine.begin() as conn:
        result = conn.execute(
            update(digest_log)
            .where(
                (digest_log.c.user_id == user_id)
                & (digest_log.c.period == period)
                & (digest_log.c.status == DigestStatus.FAILED.value)
            )
            .values(
                status=DigestStatus.PENDING.value,
                attempts=digest_log.c.attempts + 1,
                claimed_at=now,
                error=None,
            )
        )
    return bool(result.rowcount)


def digest_entry(engine: Engine, user_id: int, period: str) -> DigestLogEntry | None:
    """Return the digest-log row of one person and period, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(digest_log).where(
                (digest_log.c.user_id == user_id) & (digest_log.c.period == period)
            )
        ).first()
    if row is None:
        return None
    return DigestLogEntry(
        row.user_id, row.period, DigestStatus(row.status), row.attempts, row.error
    )


def mark_digest_sent(
    engine: Engine, user_id: int, period: str, item_ids: Iterable[str], *, now: datetime
) -> None:
    """Record a delivered digest and remember its calls as notified matches."""
    ids = list(dict.fromkeys(item_ids))
    with engine.begin() as conn:
        conn.execute(
            update(digest_log)
            .where((digest_log.c.user_id == user_id) & (digest_log.c.period == period))
            .values(status=DigestStatus.SENT.value, sent_at=now, item_ids=ids, error=None)
        )
        add_match_notices(conn, user_id, ids, now=now)


def mark_digest_failed(engine: Engine, user_id: int, period: str, error: str) -> None:
    """Record a failed delivery; the next run claims it again."""
    with engine.begin() as conn:
        conn.execute(
            update(digest_log)
            .where((digest_log.c.user_id == user_id) & (digest_log.c.period == period))
            .values(status=DigestStatus.FAILED.value, error=error[:MAX_ERROR])
        )


def last_digest_sent_at(engine: Engine, user_id: int) -> datetime | None:
    """Return when the person's last digest was delivered."""
    with engine.connect() as conn:
        value = conn.execute(
            select(digest_log.c.sent_at)
            .where(
                (digest_log.c.user_id == user_id) & (digest_log.c.status == DigestStatus.SENT.value)
            )
            .order_by(digest_log.c.sent_at.desc())
            .limit(1)
        ).scalar_one_or_none()
    return value


# --- notified matches -----------------------------------------------------------------


def add_match_notices(
    conn: Connection, user_id: int, opportunity_ids: Iterable[str], *, now: datetime
) -> None:
    """Remember calls as already announced to a person (inside the caller's transaction)."""
    _add_keys(
        conn,
        match_notices.c.opportunity_id,
        match_notices.c.notified_at,
        user_id,
        opportunity_ids,
        now,
    )


def notified_match_ids(engine: Engine, user_id: int) -> frozenset[str]:
    """Return the calls already announced to a person (by digest or alert)."""
    with engine.connect() as conn:
        return _user_keys(conn, match_notices.c.opportunity_id, user_id)


# --- saved-search alerts --------------------------------------------------------------


def alert_result_ids(
    engine: Engine, saved_search_id: int
) -> tuple[frozenset[str], datetime | None]:
    """Return the result ids last notified for a saved search, and when."""
    with engine.connect() as conn:
        row = conn.execute(
            select(alert_results).where(alert_results.c.saved_search_id == saved_search_id)
        ).first()
    if row is None:
        return frozenset(), None
    return frozenset(row.result_ids), row.notified_at


def set_alert_result_ids(
    conn: Connection, saved_search_id: int, ids: Iterable[str], *, now: datetime
) -> None:
    """Store the result ids notified for a saved search (inside the caller's transaction)."""
    values = {"result_ids": sorted(set(ids)), "notified_at": now}
    result = conn.execute(
        update(alert_results)
        .where(alert_results.c.saved_search_id == saved_search_id)
        .values(**values)
    )
    if not result.rowcount:
        conn.execute(insert(alert_results).values(saved_search_id=saved_search_id, **values))


def forget_alert_results(conn: Connection, saved_search_id: int) -> None:
    """Drop the alert state of a saved search (it is being deleted)."""
    conn.execute(delete(alert_results).where(alert_results.c.saved_search_id == saved_search_id))


# --- closing reminders and marks ------------------------------------------------------


def sent_reminder_keys(engine: Engine, user_id: int) -> frozenset[str]:
    """Return the reminder keys already sent to a person."""
    with engine.connect() as conn:
        return _user_keys(conn, reminders_sent.c.key, user_id)


def add_reminder_keys(
    conn: Connection, user_id: int, keys: Iterable[str], *, now: datetime
) -> None:
    """Remember reminders as sent (inside the caller's transaction)."""
    _add_keys(conn, reminders_sent.c.key, reminders_sent.c.sent_at, user_id, keys, now)


def get_mark(engine: Engine, user_id: int, name: str) -> datetime | None:
    """Return a person's named high-water mark (e.g. changes notified up to)."""
    with engine.connect() as conn:
        value = conn.execute(
            select(notice_marks.c.at).where(
                (notice_marks.c.user_id == user_id) & (notice_marks.c.name == name)
            )
        ).scalar_one_or_none()
    return value


def set_mark(conn: Connection, user_id: int, name: str, at: datetime) -> None:
    """Move a person's named mark (inside the caller's transaction)."""
    where = (notice_marks.c.user_id == user_id) & (notice_marks.c.name == name)
    if not conn.execute(update(notice_marks).where(where).values(at=at)).rowcount:
        conn.execute(insert(notice_marks).values(user_id=user_id, name=name, at=at))
