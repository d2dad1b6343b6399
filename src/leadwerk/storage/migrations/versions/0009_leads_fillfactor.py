"""Room on every page of `leads` for an updated row (PostgreSQL): fillfactor 85.

An update that changes no indexed column can then stay on its page as a heap-only tuple and
skips all ten indexes of `leads` (one WAL record instead of about twelve). Imports update
half their rows (bench/import_leads.py), and scoring, routing and edits update leads all the
time. Pages written before this migration keep their layout until `VACUUM FULL leads`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE leads SET (fillfactor = 85)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE leads RESET (fillfactor)")
