"""Create the operations tables: scheduler lease, job states and the admin alert log.

Revision ID: web0003
Revises: web0002
Create Date: 2026-05-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0003"
down_revision = "web0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create ``scheduler_lease``, ``job_states`` and ``admin_alerts``."""
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        _when("acquired_at"),
        _when("heartbeat_at"),
        _when("expires_at"),
    )
    op.create_table(
        "job_states",
        sa.Column("job_id", sa.String(200), primary_key=True),
        _when("last_started_at", nullable=True),
        _when("last_success_at", nullable=True),
        _when("last_failure_at", nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_summary", sa.Text, nullable=True),
        sa.Column("last_seconds", sa.Float, nullable=True),
        sa.Column("failure_streak", sa.Integer, nullable=False, server_default="0"),
        sa.Column("alerted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "admin_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        _when("sent_at"),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_admin_alerts_job_id", "admin_alerts", ["job_id"])


def downgrade() -> None:
    """Drop the operations tables."""
    op.drop_index("ix_admin_alerts_job_id", table_name="admin_alerts")
    op.drop_table("admin_alerts")
    op.drop_table("job_states")
    op.drop_table("scheduler_lease")
