"""Tables the web app owns, and the Alembic upgrade that creates them.

The web app keeps its own MetaData and its own Alembic environment (version table
``alembic_version_webapp``) so it can share a database with the indexer's tables without
either migration history seeing the other's.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    CursorResult,
    Date,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from indexer.schema import UTCDateTime

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version_webapp"

metadata = MetaData()


def _at(name: str, *, nullable: bool = False) -> Column[datetime]:
    """Return a UTC timestamp column (aware datetimes in and out on every database)."""
    return Column(name, UTCDateTime(), nullable=nullable)


def _created_updated() -> tuple[Column[datetime], Column[datetime]]:
    """Return the ``created_at`` and ``updated_at`` columns of an editable record."""
    return _at("created_at"), _at("updated_at")


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    # Stored lower-cased: uniqueness is case-insensitive on every database, without
    # relying on a functional index or a collation that PostgreSQL and SQLite spell apart.
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=True),
    _at("created_at"),
    _at("last_login_at", nullable=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    # Bumped to revoke every personal feed link the person has handed out.
    Column("feed_version", Integer, nullable=False, server_default="0"),
)

Index("ix_users_role", users.c.role)

# --- personal features (migration web0002): profiles, saved searches, follows, notices ---


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


def _user_key() -> Column[int]:
    return Column("user_id", Integer, _user_fk(), primary_key=True)


def _per_user_table(name: str, key: str, length: int, stamp: str) -> Table:
    """Build a table of (person, string key) pairs with the time each pair was recorded."""
    return Table(
        name,
        metadata,
        _user_key(),
        Column(key, String(length), primary_key=True),
        _at(stamp),
    )


profiles = Table(
    "profiles",
    metadata,
    _user_key(),
    Column("keywords", JSON, nullable=False),  # [{"text", "weight"}]
    Column("disciplines", JSON, nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("programmes", JSON, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("department", String(200), nullable=False, server_default=""),
    Column("digest", String(8), nullable=False, server_default="weekly"),
    Column("alerts", Boolean, nullable=False, server_default=true()),
    _at("updated_at"),
)

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _user_fk(), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("query", JSON, nullable=False),  # canonical query-string pairs [[key, value]]
    Column("frequency", String(8), nullable=False),
    *_created_updated(),
)

follows = _per_user_table("follows", "opportunity_id", 512, "created_at")

mutes = _per_user_table("mutes", "opportunity_id", 512, "created_at")

digest_log = Table(
    "digest_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _user_fk(), nullable=False),
    Column("period", String(10), nullable=False),  # ISO week "2026-W19" or day "2026-05-04"
    Column("status", String(8), nullable=False),  # pending / sent / failed
    Column("attempts", Integer, nullable=False, server_default="1"),
    _at("claimed_at"),
    _at("sent_at", nullable=True),
    Column("error", Text, nullable=True),
    Column("item_ids", JSON, nullable=True),
    UniqueConstraint("user_id", "period", name="uq_digest_log_user_period"),
)

alert_results = Table(
    "alert_results",
    metadata,
    Column(
        "saved_search_id",
        Integer,
        ForeignKey("saved_searches.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("result_ids", JSON, nullable=False),
    _at("notified_at"),
)

match_notices = _per_user_table("match_notices", "opportunity_id", 512, "notified_at")

reminders_sent = _per_user_table("reminders_sent", "key", 600, "sent_at")

notice_marks = _per_user_table("notice_marks", "name", 40, "at")

# --- operations (migration web0003): scheduler lease, job states, admin alert log ---

scheduler_lease = Table(
    "scheduler_lease",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    _at("acquired_at"),
    _at("heartbeat_at"),
    _at("expires_at"),
)

job_states = Table(
    "job_states",
    metadata,
    Column("job_id", String(200), primary_key=True),
    _at("last_started_at", nullable=True),
    _at("last_success_at", nullable=True),
    _at("last_failure_at", nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_summary", Text, nullable=True),
    Column("last_seconds", Float, nullable=True),
    Column("failure_streak", Integer, nullable=False, server_default="0"),
    Column("alerted", Boolean, nullable=False, server_default=false()),
)

admin_alerts = Table(
    "admin_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", String(200), nullable=False, index=True),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("recipients", JSON, nullable=False),
    _at("sent_at"),
    Column("error", Text, nullable=True),
)


# --- partner registry and consortium bids (migration web0004) ---

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("country", String(2), nullable=False),
    Column("city", String(200), nullable=False, server_default=""),
    Column("mou_since", Date, nullable=True),
    Column("mou_until", Date, nullable=True),
    Column("areas", JSON, nullable=False),  # ["water management", ...]
    Column("contact", String(500), nullable=False, server_default=""),
    Column("erasmus_icm", Boolean, nullable=False, server_default=false()),
    Column("kind", String(16), nullable=False, server_default="hei"),
    Column("active", Boolean, nullable=False, server_default=true()),
    *_created_updated(),
    UniqueConstraint("name", "country", name="uq_partners_name_country"),
)

bids = Table(
    "bids",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("opportunity_id", String(512), nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("lead_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("our_role", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("checklist", JSON, nullable=False),  # [{"text", "done"}]
    Column("milestones_done", JSON, nullable=False),  # milestone keys
    *_created_updated(),
)


def _bid_fk() -> ForeignKey:
    return ForeignKey("bids.id", ondelete="CASCADE")


bid_partners = Table(
    "bid_partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bid_id", Integer, _bid_fk(), nullable=False, index=True),
    # NULL for a free-text organisation that is not in the registry.
    Column("partner_id", Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(300), nullable=False),
    Column("country", String(2), nullable=False),
    Column("kind", String(16), nullable=False),
    _at("added_at"),
)

bid_team = Table(
    "bid_team",
    metadata,
    Column("bid_id", Integer, _bid_fk(), primary_key=True),
    _user_key(),
)


def inserted_id(result: CursorResult[Any]) -> int:
    """Return the primary key of the row a single-row INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    return int(key[0])


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the web app's tables to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
