"""Double opt-in (issue 5): `opt_in_requests`, one per confirmation email, with its expiry,
reminder and outcome.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "opt_in_requests",
        sa.Column("id", _ID, nullable=False),
        sa.Column("lead_id", _ID, nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("text_id", _ID, nullable=True),
        sa.Column("event_id", _ID, nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["consent_events.id"],
            name=op.f("fk_opt_in_requests_event_id_consent_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_opt_in_requests_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["text_id"],
            ["consent_texts.id"],
            name=op.f("fk_opt_in_requests_text_id_consent_texts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_in_requests")),
    )
    with op.batch_alter_table("opt_in_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opt_in_requests_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            "ix_opt_in_requests_status_expires_at", ["status", "expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("opt_in_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_opt_in_requests_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_opt_in_requests_lead_id"))
    op.drop_table("opt_in_requests")
