"""Imports name the consent text their people agreed to (issue 5): `imports.consent_text_id`;
a row that says yes to consent is recorded in the ledger with that text.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_text_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_imports_consent_text_id_consent_texts"),
            "consent_texts",
            ["consent_text_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_imports_consent_text_id_consent_texts"), type_="foreignkey"
        )
        batch_op.drop_column("consent_text_id")
