"""The duplicate search (issue 4): `match_models` (each learned Fellegi–Sunter model with what
it was learned from) and `duplicate_pairs` (pairs of leads found, open or decided; a decided
"not a duplicate" is never offered again).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("candidate_pairs", sa.Integer(), nullable=False),
        sa.Column("prior", sa.Float(), nullable=False),
        sa.Column("converged", sa.Boolean(), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("review_threshold", sa.Float(), nullable=False),
        sa.Column("merge_threshold", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_models")),
    )
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "left_lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "right_lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("model_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["left_lead_id"],
            ["leads.id"],
            name=op.f("fk_duplicate_pairs_left_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["match_models.id"],
            name=op.f("fk_duplicate_pairs_model_id_match_models"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["right_lead_id"],
            ["leads.id"],
            name=op.f("fk_duplicate_pairs_right_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pairs")),
        sa.UniqueConstraint(
            "left_lead_id",
            "right_lead_id",
            name=op.f("uq_duplicate_pairs_left_lead_id_right_lead_id"),
        ),
    )
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_duplicate_pairs_right_lead_id", ["right_lead_id"], unique=False)
        batch_op.create_index(
            "ix_duplicate_pairs_status_probability", ["status", "probability"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_pairs_status_probability")
        batch_op.drop_index("ix_duplicate_pairs_right_lead_id")

    op.drop_table("duplicate_pairs")
    op.drop_table("match_models")
