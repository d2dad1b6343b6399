"""Sound keys (issue 4): `leads.sound_key`, the given name's initial (of its full form: Bob is
Robert) and the surname's Kölner Phonetik, so intake finds Robert Mueller for Bob Müller;
filled for the leads there are. The match keys' indexes (email, phone, name, sound) carry
the id: intake reads the newest few leads of a key, which for a common key was a sort of
thousands, and for a key no lead has could become a walk along the primary key.

The key is computed by the live rule (`leadwerk.identity.rules.sound_key`) rather than a
frozen copy: the column is new, so there is no older meaning to preserve, and a later change
of the rule brings its own migration.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from leadwerk.identity.rules import sound_key

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 20_000


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sound_key", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    read = sa.text(
        "SELECT id, first_name, last_name FROM leads WHERE id > :after "
        "AND first_name IS NOT NULL AND last_name IS NOT NULL ORDER BY id LIMIT :n"
    )
    write = sa.text("UPDATE leads SET sound_key = :key WHERE id = :id")
    after = 0
    while True:
        rows = bind.execute(read, {"after": after, "n": _BATCH}).all()
        if not rows:
            break
        keyed = [{"id": r.id, "key": sound_key(r.first_name, r.last_name)} for r in rows]
        keyed = [k for k in keyed if k["key"] is not None]
        if keyed:
            bind.execute(write, keyed)
        after = rows[-1].id
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_sound_key_id", ["sound_key", "id"], unique=False)
        batch_op.drop_index("ix_leads_email_key")
        batch_op.create_index("ix_leads_email_key_id", ["email_key", "id"], unique=False)
        batch_op.drop_index("ix_leads_phone_key")
        batch_op.create_index("ix_leads_phone_key_id", ["phone_key", "id"], unique=False)
        batch_op.drop_index("ix_leads_name_key")
        batch_op.create_index("ix_leads_name_key_id", ["name_key", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_name_key_id")
        batch_op.create_index("ix_leads_name_key", ["name_key"], unique=False)
        batch_op.drop_index("ix_leads_phone_key_id")
        batch_op.create_index("ix_leads_phone_key", ["phone_key"], unique=False)
        batch_op.drop_index("ix_leads_email_key_id")
        batch_op.create_index("ix_leads_email_key", ["email_key"], unique=False)
        batch_op.drop_index("ix_leads_sound_key_id")
        batch_op.drop_column("sound_key")
