"""The store's first schema: opportunities, change history, crawl runs, fetch state.

Revision ID: 0001_store
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from indexer.schema import UTCDateTime

revision = "0001_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("source", sa.String(128), nullable=False, index=True),
        sa.Column("source_key", sa.String(384), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("funder", sa.String(256)),
        sa.Column("programme", sa.String(256)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("final_deadline", UTCDateTime(), index=True),
        sa.Column("opening_date", sa.String(10)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_changed", UTCDateTime(), nullable=False),
        sa.Column("fetched_at", UTCDateTime()),
    )
    op.create_table(
        "opportunity_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "opportunity_id",
            sa.String(512),
            sa.ForeignKey("opportunities.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
        sa.Column("changed_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("run_id", sa.Integer),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("added", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("invalid", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("http_status", sa.Integer),
    )
    op.create_index("ix_crawl_runs_source_started", "crawl_runs", ["source", "started_at"])
    op.create_table(
        "fetch_state",
        sa.Column("source", sa.String(128), primary_key=True),
        sa.Column("etag", sa.String(512)),
        sa.Column("last_modified", sa.String(128)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fetch_state")
    op.drop_index("ix_crawl_runs_source_started", table_name="crawl_runs")
    op.drop_table("crawl_runs")
    op.drop_table("opportunity_changes")
    op.drop_table("opportunities")
