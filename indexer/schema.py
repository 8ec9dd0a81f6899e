"""The store's tables (system of record). The search index is derived from these."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC.

    SQLite keeps no offset, so values come back naive; this type always hands out aware
    UTC datetimes and refuses naive ones on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("source", String(128), nullable=False, index=True),
    Column("source_key", String(384), nullable=False),
    Column("title", Text, nullable=False),
    Column("funder", String(256)),
    Column("programme", String(256)),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("final_deadline", UTCDateTime(), index=True),
    Column("opening_date", String(10)),
    Column("content_hash", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_changed", UTCDateTime(), nullable=False),
    Column("fetched_at", UTCDateTime()),
)

opportunity_changes = Table(
    "opportunity_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "opportunity_id",
        String(512),
        ForeignKey("opportunities.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("field", String(64), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("changed_at", UTCDateTime(), nullable=False, index=True),
    Column("run_id", Integer),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(128), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("status", String(16), nullable=False),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("invalid", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("http_status", Integer),
    Index("ix_crawl_runs_source_started", "source", "started_at"),
)

fetch_state = Table(
    "fetch_state",
    metadata,
    Column("source", String(128), primary_key=True),
    Column("etag", String(512)),
    Column("last_modified", String(128)),
    Column("updated_at", UTCDateTime(), nullable=False),
)
