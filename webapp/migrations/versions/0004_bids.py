"""Create the partner registry and the consortium-bid tables.

Revision ID: web0004
Revises: web0003
Create Date: 2026-05-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0004"
down_revision = "web0003"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(target: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)


def upgrade() -> None:
    """Create ``partners``, ``bids``, ``bid_partners`` and ``bid_team``."""
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("city", sa.String(200), nullable=False, server_default=""),
        sa.Column("mou_since", sa.Date, nullable=True),
        sa.Column("mou_until", sa.Date, nullable=True),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("contact", sa.String(500), nullable=False, server_default=""),
        sa.Column("erasmus_icm", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("kind", sa.String(16), nullable=False, server_default="hei"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("name", "country", name="uq_partners_name_country"),
    )
    op.create_table(
        "bids",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("opportunity_id", sa.String(512), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("lead_user_id", sa.Integer, _fk("users.id", "SET NULL"), nullable=True),
        sa.Column("our_role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("checklist", sa.JSON, nullable=False),
        sa.Column("milestones_done", sa.JSON, nullable=False),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_bids_opportunity_id", "bids", ["opportunity_id"])
    op.create_index("ix_bids_status", "bids", ["status"])
    _create_bid_members()


def _create_bid_members() -> None:
    op.create_table(
        "bid_partners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bid_id", sa.Integer, _fk("bids.id", "CASCADE"), nullable=False),
        sa.Column("partner_id", sa.Integer, _fk("partners.id", "SET NULL"), nullable=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _when("added_at"),
    )
    op.create_index("ix_bid_partners_bid_id", "bid_partners", ["bid_id"])
    op.create_table(
        "bid_team",
        sa.Column("bid_id", sa.Integer, _fk("bids.id", "CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("users.id", "CASCADE"), primary_key=True),
    )


def downgrade() -> None:
    """Drop the bid and partner tables."""
    op.drop_table("bid_team")
    op.drop_index("ix_bid_partners_bid_id", table_name="bid_partners")
    op.drop_table("bid_partners")
    op.drop_index("ix_bids_status", table_name="bids")
    op.drop_index("ix_bids_opportunity_id", table_name="bids")
    op.drop_table("bids")
    op.drop_table("partners")
