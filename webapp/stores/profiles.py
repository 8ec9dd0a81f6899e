"""Matching profiles: keywords, disciplines, preferences, digest frequency. All profile SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from matching.profiles import (
    DigestFrequency,
    Profile,
    parse_keywords,
    profile_from_dict,
    profile_to_dict,
)
from webapp.stores.follows import muted_ids, muted_ids_by_user
from webapp.stores.schema import profiles, users
from webapp.stores.users import User, user_from_row

_LISTS = ("disciplines", "kinds", "programmes", "roles", "languages")


def _row_data(row: Row | None, email: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = {"email": email, "name": name}
    if row is not None:
        data.update({key: row._mapping[key] for key in ("keywords", *_LISTS)})
        data.update(department=row.department, digest=row.digest)
    return data


def _profile(row: Row | None, user: User, muted: frozenset[str]) -> Profile:
    data = _row_data(row, user.email, user.display_name or "")
    data["muted"] = sorted(muted)
    return profile_from_dict(data)


def get_profile(engine: Engine, user: User) -> Profile:
    """Return a person's profile (an empty weekly-digest profile when none was saved)."""
    with engine.connect() as conn:
        row = conn.execute(select(profiles).where(profiles.c.user_id == user.id)).first()
    return _profile(row, user, muted_ids(engine, user.id))


def alerts_enabled(engine: Engine, user_id: int) -> bool:
    """Return whether the person receives alert e-mails (follows, reminders, saved searches)."""
    with engine.connect() as conn:
        value = conn.execute(
            select(profiles.c.alerts).where(profiles.c.user_id == user_id)
        ).scalar_one_or_none()
    return True if value is None else bool(value)


def _values(profile: Profile) -> dict[str, Any]:
    data = profile_to_dict(profile)
    stored = {key: data[key] for key in ("keywords", *_LISTS, "digest")}
    return {**stored, "department": profile.department[:200]}


def _upsert(conn: Connection, user_id: int, values: dict[str, Any], now: datetime) -> None:
    values = {**values, "updated_at": now}
    result = conn.execute(update(profiles).where(profiles.c.user_id == user_id).values(**values))
    if not result.rowcount:
        empty = _values(Profile(email=""))
        conn.execute(insert(profiles).values(**{**empty, **values, "user_id": user_id}))


def save_profile(engine: Engine, user_id: int, profile: Profile, *, now: datetime) -> None:
    """Create or replace a person's profile (mutes are kept separately)."""
    with engine.begin() as conn:
        _upsert(conn, user_id, _values(profile), now)


def save_keywords(engine: Engine, user_id: int, keywords: str, *, now: datetime) -> None:
    """Set a person's keywords from ``water management, irrigation^2, "GIS"`` syntax."""
    terms = [{"text": t.text, "weight": t.weight} for t in parse_keywords(keywords)]
    with engine.begin() as conn:
        _upsert(conn, user_id, {"keywords": terms}, now)


def set_digest_frequency(
    engine: Engine, user_id: int, frequency: DigestFrequency, *, now: datetime
) -> None:
    """Change how often a person gets the digest (``off`` unsubscribes)."""
    with engine.begin() as conn:
        _upsert(conn, user_id, {"digest": str(frequency)}, now)


def set_alerts_enabled(engine: Engine, user_id: int, enabled: bool, *, now: datetime) -> None:
    """Switch a person's alert e-mails on or off."""
    with engine.begin() as conn:
        _upsert(conn, user_id, {"alerts": enabled}, now)


def active_people(engine: Engine) -> list[tuple[User, Profile, bool]]:
    """Return every active account with its profile and whether alerts are on."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(users, profiles)
            .select_from(users.outerjoin(profiles, profiles.c.user_id == users.c.id))
            .where(users.c.active.is_(True))
            .order_by(users.c.id)
        ).all()
    muted = muted_ids_by_user(engine)
    people = []
    for row in rows:
        user = user_from_row(row)
        stored = row if row.user_id is not None else None
        profile = _profile(stored, user, muted.get(user.id, frozenset()))
        people.append((user, profile, True if stored is None else bool(row.alerts)))
    return people
