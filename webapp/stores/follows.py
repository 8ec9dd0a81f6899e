"""Follows (calls a person watches for changes) and mutes (calls a person never wants to see)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from webapp.stores.schema import follows, mutes


def _add(table: Table, engine: Engine, user_id: int, opportunity_id: str, now: datetime) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(table).values(user_id=user_id, opportunity_id=opportunity_id, created_at=now)
            )
    except IntegrityError:
        return False  # already there: adding twice is not an error
    return True


def _remove(table: Table, engine: Engine, user_id: int, opportunity_id: str) -> bool:
    with engine.begin() as conn:
        result = conn.execute(
            delete(table).where(
                (table.c.user_id == user_id) & (table.c.opportunity_id == opportunity_id)
            )
        )
    return bool(result.rowcount)


def _ids(table: Table, engine: Engine, user_id: int) -> frozenset[str]:
    with engine.connect() as conn:
        found = conn.execute(select(table.c.opportunity_id).where(table.c.user_id == user_id))
        return frozenset(found.scalars())


def follow(engine: Engine, user_id: int, opportunity_id: str, *, now: datetime) -> bool:
    """Follow a call; return False when it was already followed."""
    return _add(follows, engine, user_id, opportunity_id, now)


def unfollow(engine: Engine, user_id: int, opportunity_id: str) -> bool:
    """Stop following a call; return False when it was not followed."""
    return _remove(follows, engine, user_id, opportunity_id)


def followed_ids(engine: Engine, user_id: int) -> frozenset[str]:
    """Return the ids of the calls a person follows."""
    return _ids(follows, engine, user_id)


def followed_since(engine: Engine, user_id: int) -> dict[str, datetime]:
    """Return when a person started following each call."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(follows.c.opportunity_id, follows.c.created_at).where(
                follows.c.user_id == user_id
            )
        ).all()
    return {r.opportunity_id: r.created_at for r in rows}


def mute(engine: Engine, user_id: int, opportunity_id: str, *, now: datetime) -> bool:
    """Mute a call (it never shows as a match again); also stops following it."""
    unfollow(engine, user_id, opportunity_id)
    return _add(mutes, engine, user_id, opportunity_id, now)


def unmute(engine: Engine, user_id: int, opportunity_id: str) -> bool:
    """Show a muted call again; return False when it was not muted."""
    return _remove(mutes, engine, user_id, opportunity_id)


def muted_ids(engine: Engine, user_id: int) -> frozenset[str]:
    """Return the ids of the calls a person muted."""
    return _ids(mutes, engine, user_id)


def muted_ids_by_user(engine: Engine) -> dict[int, frozenset[str]]:
    """Return every person's muted call ids (one query, for batch jobs)."""
    found: dict[int, set[str]] = {}
    with engine.connect() as conn:
        for user_id, opp_id in conn.execute(select(mutes.c.user_id, mutes.c.opportunity_id)):
            found.setdefault(user_id, set()).add(opp_id)
    return {k: frozenset(v) for k, v in found.items()}
