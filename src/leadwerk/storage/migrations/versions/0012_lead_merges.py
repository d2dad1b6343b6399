"""Merging leads (issue 4): `match_models.source_priority` (the survivorship policy intake
merges with), `touchpoints.email_key` (the address a touchpoint came with, so an undo knows
whose it is), `lead_merges` (each merge with what undoing it needs),
`email_aliases` (an old address that still leads to its lead), `duplicate_searches` (the search
as a job). On SQLite, `leads` is rebuilt with AUTOINCREMENT, so the id of a merged (deleted)
lead is never given to another and undo can bring the lead back under its own id; PostgreSQL's
sequences never reuse an id anyway. The rebuild needs foreign keys off, which
`leadwerk.schema.upgrade` arranges for every SQLite migration.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("match_models", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_priority", _JSON, nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("match_models", schema=None) as batch_op:
        batch_op.alter_column("source_priority", server_default=None)
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
    op.create_table(
        "duplicate_searches",
        sa.Column("id", _ID, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("auto_merge", sa.Boolean(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=True),
        sa.Column("pairs", sa.Integer(), nullable=True),
        sa.Column("merged", sa.Integer(), nullable=True),
        sa.Column("model_id", _ID, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["match_models.id"],
            name=op.f("fk_duplicate_searches_model_id_match_models"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_searches")),
    )
    with op.batch_alter_table("duplicate_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_searches_status"), ["status"], unique=False)
    op.create_table(
        "lead_merges",
        sa.Column("id", _ID, nullable=False),
        sa.Column("survivor_id", _ID, nullable=False),
        sa.Column("merged_id", _ID, nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("survivor_before", _JSON, nullable=False),
        sa.Column("merged_before", _JSON, nullable=False),
        sa.Column("survivor_after", _JSON, nullable=False),
        sa.Column("decisions", _JSON, nullable=False),
        sa.Column("moved", _JSON, nullable=False),
        sa.Column("pairs", _JSON, nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_merges")),
    )
    with op.batch_alter_table("lead_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_merges_merged_id"), ["merged_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lead_merges_survivor_id"), ["survivor_id"], unique=False
        )
    op.create_table(
        "email_aliases",
        sa.Column("id", _ID, nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("lead_id", _ID, nullable=False),
        sa.Column("merge_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_email_aliases_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merge_id"],
            ["lead_merges.id"],
            name=op.f("fk_email_aliases_merge_id_lead_merges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_aliases")),
        sa.UniqueConstraint("email_key", name=op.f("uq_email_aliases_email_key")),
    )
    with op.batch_alter_table("email_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_aliases_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_email_aliases_merge_id"), ["merge_id"], unique=False)
    _rebuild_leads(autoincrement=True)


def downgrade() -> None:
    _rebuild_leads(autoincrement=False)
    with op.batch_alter_table("email_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_aliases_merge_id"))
        batch_op.drop_index(batch_op.f("ix_email_aliases_lead_id"))
    op.drop_table("email_aliases")
    with op.batch_alter_table("lead_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_merges_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_lead_merges_merged_id"))
    op.drop_table("lead_merges")
    with op.batch_alter_table("duplicate_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_searches_status"))
    op.drop_table("duplicate_searches")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_column("email_key")
    with op.batch_alter_table("match_models", schema=None) as batch_op:
        batch_op.drop_column("source_priority")


def _rebuild_leads(*, autoincrement: bool) -> None:
    """SQLite only: copy `leads` into a table declared with (or without) AUTOINCREMENT,
    indexes and all. With AUTOINCREMENT the next id continues after the largest ever used."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding leads needs foreign keys off (leadwerk.schema does that)")
    with op.batch_alter_table(
        "leads", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
