"""Site tracking: visitors and their events.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "visitors",
        sa.Column("id", _ID, nullable=False),
        sa.Column("anonymous_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", _ID, nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stitched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_channel", sa.String(length=32), nullable=False),
        sa.Column("first_utm_source", sa.String(length=200), nullable=True),
        sa.Column("first_utm_medium", sa.String(length=200), nullable=True),
        sa.Column("first_utm_campaign", sa.String(length=200), nullable=True),
        sa.Column("first_utm_term", sa.String(length=200), nullable=True),
        sa.Column("first_utm_content", sa.String(length=200), nullable=True),
        sa.Column("first_referrer", sa.Text(), nullable=True),
        sa.Column("first_url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_visitors_lead_id_leads"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitors")),
        sa.UniqueConstraint("anonymous_id", name=op.f("uq_visitors_anonymous_id")),
    )
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitors_last_seen_at"), ["last_seen_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visitors_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "tracking_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("visitor_id", _ID, nullable=False),
        sa.Column("lead_id", _ID, nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("utm_source", sa.String(length=200), nullable=True),
        sa.Column("utm_medium", sa.String(length=200), nullable=True),
        sa.Column("utm_campaign", sa.String(length=200), nullable=True),
        sa.Column("utm_term", sa.String(length=200), nullable=True),
        sa.Column("utm_content", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_tracking_events_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_tracking_events_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_events")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tracking_events_lead_id_occurred_at",
            ["lead_id", "occurred_at"],
            unique=False,
            postgresql_where=sa.text("lead_id IS NOT NULL"),
            sqlite_where=sa.text("lead_id IS NOT NULL"),
        )
        batch_op.create_index("ix_tracking_events_received_at", ["received_at"], unique=False)
        batch_op.create_index(
            "ix_tracking_events_visitor_id_occurred_at",
            ["visitor_id", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_events_visitor_id_occurred_at")
        batch_op.drop_index("ix_tracking_events_received_at")
        batch_op.drop_index("ix_tracking_events_lead_id_occurred_at")

    op.drop_table("tracking_events")
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitors_lead_id"))
        batch_op.drop_index(batch_op.f("ix_visitors_last_seen_at"))

    op.drop_table("visitors")
