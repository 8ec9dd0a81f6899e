from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from tests.factories import NOW
from webapp.stores.schema import VERSION_TABLE, upgrade_schema
from webapp.stores.users import (
    Role,
    UserError,
    create_user,
    get_user,
    get_user_by_email,
    record_login,
    set_password,
    verify_password,
)

PASSWORD = "a long enough password"


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'users.db'}")
    upgrade_schema(engine)
    yield engine
    engine.dispose()


def test_upgrade_schema_uses_its_own_version_table_and_is_idempotent(engine):
    upgrade_schema(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", VERSION_TABLE} <= tables
    assert "alembic_version" not in tables


def test_create_user_stores_lowercase_email_and_hashed_password(engine):
    user = create_user(engine, "  Aida@Uni.Example ", "faculty", PASSWORD, "Aida", now=NOW)
    assert user.email == "aida@uni.example"
    assert user.role is Role.FACULTY
    assert user.name == "Aida"
    assert user.created_at == NOW
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    assert stored.startswith("$argon2")
    assert PASSWORD not in stored


def test_create_user_rejects_duplicate_email_in_any_case(engine):
    create_user(engine, "aida@uni.example", Role.STAFF, PASSWORD)
    with pytest.raises(UserError, match="already exists"):
        create_user(engine, "AIDA@uni.example", Role.STAFF, PASSWORD)


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "staff", PASSWORD, "valid e-mail"),
        ("a b@uni.example", "staff", PASSWORD, "valid e-mail"),
        ("aida@uni.example", "staff", "short", "at least 10"),
        ("aida@uni.example", "janitor", PASSWORD, "unknown role"),
    ],
)
def test_create_user_rejects_invalid_input(engine, email, role, password, message):
    with pytest.raises(UserError, match=message):
        create_user(engine, email, role, password)


def test_verify_password_accepts_only_the_right_password(engine):
    created = create_user(engine, "aida@uni.example", "admin", PASSWORD)
    assert verify_password(engine, "AIDA@uni.example", PASSWORD) == created
    assert verify_password(engine, "aida@uni.example", PASSWORD + "x") is None
    assert verify_password(engine, "nobody@uni.example", PASSWORD) is None


def test_set_password_replaces_the_old_one(engine):
    user = create_user(engine, "aida@uni.example", "faculty", PASSWORD)
    set_password(engine, user.id, "a brand new passphrase")
    assert verify_password(engine, user.email, PASSWORD) is None
    assert verify_password(engine, user.email, "a brand new passphrase") is not None
    with pytest.raises(UserError):
        set_password(engine, user.id, "short")
    with pytest.raises(UserError, match="no account"):
        set_password(engine, 999, "a brand new passphrase")


def test_get_user_and_record_login(engine):
    user = create_user(engine, "aida@uni.example", "faculty", PASSWORD)
    record_login(engine, user.id, NOW)
    loaded = get_user(engine, user.id)
    assert loaded is not None
    assert loaded.last_login_at == NOW
    assert get_user_by_email(engine, "Aida@Uni.example") == loaded
    assert get_user(engine, 12345) is None
