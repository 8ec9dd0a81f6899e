"""Create the personal tables: profiles, saved searches, follows, mutes and notice logs.

Revision ID: web0002
Revises: web0001
Create Date: 2026-05-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0002"
down_revision = "web0001"
branch_labels = None
depends_on = None


def _user_id(primary_key: bool = True) -> sa.Column:
    return sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the tables behind profiles, saved searches, follows, mutes and notices."""
    op.create_table(
        "profiles",
        _user_id(),
        *(sa.Column(name, sa.JSON, nullable=False) for name in _PROFILE_LISTS),
        sa.Column("department", sa.String(200), nullable=False, server_default=""),
        sa.Column("digest", sa.String(8), nullable=False, server_default="weekly"),
        sa.Column("alerts", sa.Boolean, nullable=False, server_default=sa.true()),
        _when("updated_at"),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        _user_id(primary_key=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    for name in ("follows", "mutes"):
        op.create_table(
            name,
            _user_id(),
            sa.Column("opportunity_id", sa.String(512), primary_key=True),
            _when("created_at"),
        )
    _create_notice_tables()


_PROFILE_LISTS = ("keywords", "disciplines", "kinds", "programmes", "roles", "languages")


def _create_notice_tables() -> None:
    op.create_table(
        "digest_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _user_id(primary_key=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        _when("claimed_at"),
        _when("sent_at", nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("item_ids", sa.JSON, nullable=True),
        sa.UniqueConstraint("user_id", "period", name="uq_digest_log_user_period"),
    )
    op.create_table(
        "alert_results",
        sa.Column(
            "saved_search_id",
            sa.Integer,
            sa.ForeignKey("saved_searches.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("result_ids", sa.JSON, nullable=False),
        _when("notified_at"),
    )
    op.create_table(
        "match_notices",
        _user_id(),
        sa.Column("opportunity_id", sa.String(512), primary_key=True),
        _when("notified_at"),
    )
    op.create_table(
        "reminders_sent",
        _user_id(),
        sa.Column("key", sa.String(600), primary_key=True),
        _when("sent_at"),
    )
    op.create_table(
        "notice_marks",
        _user_id(),
        sa.Column("name", sa.String(40), primary_key=True),
        _when("at"),
    )


def downgrade() -> None:
    """Drop the personal tables (children first)."""
    for name in ("notice_marks", "reminders_sent", "match_notices", "alert_results", "digest_log"):
        op.drop_table(name)
    op.drop_table("mutes")
    op.drop_table("follows")
    op.drop_index("ix_saved_searches_user_id", table_name="saved_searches")
    op.drop_table("saved_searches")
    op.drop_table("profiles")
