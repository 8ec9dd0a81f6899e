"""Saved searches: a name, the search's canonical query-string pairs, an alert frequency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Row, delete, insert, select, update

from matching.profiles import DigestFrequency
from webapp.stores.schema import inserted_id, saved_searches

MAX_PER_USER = 50


class SavedSearchError(ValueError):
    """A saved search could not be created or changed; the message says why."""


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """One saved search of one person."""

    id: int
    user_id: int
    name: str
    query: tuple[tuple[str, str], ...]
    frequency: DigestFrequency
    created_at: datetime
    updated_at: datetime


def _saved(row: Row) -> SavedSearch:
    return SavedSearch(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        query=tuple((str(k), str(v)) for k, v in row.query),
        frequency=DigestFrequency(row.frequency),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create_saved_search(
    engine: Engine,
    user_id: int,
    name: str,
    query: Sequence[tuple[str, str]],
    frequency: DigestFrequency,
    *,
    now: datetime,
) -> SavedSearch:
    """Save a search for a person.

    :raises SavedSearchError: for an empty name or too many saved searches.
    """
    name = " ".join(name.split())[:200]
    if not name:
        raise SavedSearchError("give the search a name")
    if len(list_saved_searches(engine, user_id)) >= MAX_PER_USER:
        raise SavedSearchError(f"you can keep at most {MAX_PER_USER} saved searches")
    values = {
        "user_id": user_id,
        "name": name,
        "query": [list(p) for p in query],
        "frequency": str(frequency),
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as conn:
        new_id = inserted_id(conn.execute(insert(saved_searches).values(**values)))
    found = get_saved_search(engine, user_id, new_id)
    assert found is not None  # just inserted
    return found


def get_saved_search(engine: Engine, user_id: int, search_id: int) -> SavedSearch | None:
    """Return one of a person's saved searches (None for another person's or unknown id)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(saved_searches).where(
                (saved_searches.c.id == search_id) & (saved_searches.c.user_id == user_id)
            )
        ).first()
    return _saved(row) if row is not None else None


def list_saved_searches(engine: Engine, user_id: int) -> list[SavedSearch]:
    """Return a person's saved searches, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(saved_searches)
            .where(saved_searches.c.user_id == user_id)
            .order_by(saved_searches.c.id)
        ).all()
    return [_saved(r) for r in rows]


def alerting_searches(engine: Engine) -> list[SavedSearch]:
    """Return every saved search whose alerts are on (daily or weekly)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(saved_searches)
            .where(saved_searches.c.frequency != str(DigestFrequency.OFF))
            .order_by(saved_searches.c.user_id, saved_searches.c.id)
        ).all()
    return [_saved(r) for r in rows]


def update_saved_search(
    engine: Engine,
    user_id: int,
    search_id: int,
    *,
    name: str,
    frequency: DigestFrequency,
    now: datetime,
) -> bool:
    """Rename a saved search or change its frequency; False when it is not the person's."""
    name = " ".join(name.split())[:200]
    if not name:
        raise SavedSearchError("give the search a name")
    with engine.begin() as conn:
        result = conn.execute(
            update(saved_searches)
            .where((saved_searches.c.id == search_id) & (saved_searches.c.user_id == user_id))
            .values(name=name, frequency=str(frequency), updated_at=now)
        )
    return bool(result.rowcount)


def delete_saved_search(engine: Engine, user_id: int, search_id: int) -> bool:
    """Delete a saved search (and its alert state); False when it is not the person's."""
    from webapp.stores.notices import forget_alert_results

    with engine.begin() as conn:
        forget_alert_results(conn, search_id)
        result = conn.execute(
            delete(saved_searches).where(
                (saved_searches.c.id == search_id) & (saved_searches.c.user_id == user_id)
            )
        )
    return bool(result.rowcount)


def turn_off_alerts(engine: Engine, user_id: int, *, now: datetime) -> int:
    """Set every saved search of a person to ``off``; return how many changed."""
    with engine.begin() as conn:
        result = conn.execute(
            update(saved_searches)
            .where(
                (saved_searches.c.user_id == user_id)
                & (saved_searches.c.frequency != str(DigestFrequency.OFF))
            )
            .values(frequency=str(DigestFrequency.OFF), updated_at=now)
        )
    return int(result.rowcount)
