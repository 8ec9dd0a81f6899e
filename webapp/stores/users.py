"""Web app accounts: create, look up, verify and change passwords. All user SQL lives here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.stores.schema import users

MIN_PASSWORD_LENGTH = 10
# Deliberately loose: one "@", no spaces, a dot in the domain. Deliverability is proved by
# mail, not by a regular expression.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


class Role(StrEnum):
    """What a signed-in person may do."""

    FACULTY = "faculty"
    STAFF = "staff"
    ADMIN = "admin"


class UserError(ValueError):
    """A user could not be created or changed; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class User:
    """One account, as the rest of the app sees it (the password hash stays in the store)."""

    id: int
    email: str
    role: Role
    display_name: str | None
    created_at: datetime
    last_login_at: datetime | None
    active: bool
    feed_version: int = 0

    @property
    def name(self) -> str:
        """Return the name to show: the display name, else the e-mail address."""
        return self.display_name or self.email


def normalize_email(email: str) -> str:
    """Return the e-mail address trimmed and lower-cased (the stored form)."""
    return email.strip().lower()


def _validate(email: str, password: str) -> None:
    if not _EMAIL_RE.match(email) or len(email) > 320:
        raise UserError(f"not a valid e-mail address: {email!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def user_from_row(row: Row) -> User:
    """Return the account a ``users`` row (or a row joining it) holds."""
    return User(
        id=row.id,
        email=row.email,
        role=Role(row.role),
        display_name=row.display_name,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        active=bool(row.active),
        feed_version=int(getattr(row, "feed_version", 0) or 0),
    )


def create_user(
    engine: Engine,
    email: str,
    role: Role | str,
    password: str,
    display_name: str | None = None,
    *,
    now: datetime | None = None,
) -> User:
    """Create an account with an argon2-hashed password.

    :raises UserError: for an invalid e-mail address or role, a short password, or an
        address that already has an account (compared case-insensitively).
    """
    email = normalize_email(email)
    _validate(email, password)
    try:
        role = Role(role)
    except ValueError as exc:
        raise UserError(f"unknown role {role!r}: use faculty, staff or admin") from exc
    values = {
        "email": email,
        "password_hash": _hasher.hash(password),
        "role": role.value,
        "display_name": display_name or None,
        "created_at": now or datetime.now(UTC),
        "active": True,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(users).values(**values))
    except IntegrityError as exc:
        raise UserError(f"an account for {email} already exists") from exc
    user = get_user_by_email(engine, email)
    assert user is not None  # just inserted
    return user


def get_user(engine: Engine, user_id: int) -> User | None:
    """Return the account with this id, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return user_from_row(row) if row is not None else None


def get_user_by_email(engine: Engine, email: str) -> User | None:
    """Return the account for this address (any case), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.email == normalize_email(email))).first()
    return user_from_row(row) if row is not None else None


def verify_password(engine: Engine, email: str, password: str) -> User | None:
    """Return the active account when the password is right, else None.

    A wrong address still costs one hash verification, so response time does not tell
    which addresses have accounts.
    """
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.email == normalize_email(email))).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(stored):
        _store_hash(engine, row.id, _hasher.hash(password))
    return user_from_row(row)


def set_password(engine: Engine, user_id: int, password: str) -> None:
    """Replace an account's password.

    :raises UserError: when the password is too short or the account does not exist.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not _store_hash(engine, user_id, _hasher.hash(password)):
        raise UserError(f"no account with id {user_id}")


def record_login(engine: Engine, user_id: int, now: datetime) -> None:
    """Remember when this account last signed in."""
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(last_login_at=now))


def _store_hash(engine: Engine, user_id: int, password_hash: str) -> bool:
    with engine.begin() as conn:
        result = conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )
    return bool(result.rowcount)


_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def reset_feed_links(engine: Engine, user_id: int) -> None:
    """Invalidate every personal feed link of this person (new ones are issued)."""
    with engine.begin() as conn:
        conn.execute(
            update(users).where(users.c.id == user_id).values(feed_version=users.c.feed_version + 1)
        )
