"""Email keys become canonical: the mailbox an address reaches (issue 4).

`leads.email_key` was the address in lower case; it is now `identity.rules.canonical_email`
(Gmail ignores dots and +tags and googlemail.com is gmail.com; the providers that document
plus addressing ignore +tags). Only addresses at those providers change, so only they are read
and rewritten, in batches. Two leads whose keys become equal stay two leads: intake joins new
data to the oldest, and the duplicate search offers them for merging.

The rule is written out here as it stands at this revision, as migrations do (storage imports
no domain, and a later change of the rule comes with its own migration);
tests/integration/storage/test_email_key_migration.py checks it against the live rule.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_DOTLESS = frozenset({"gmail.com"})
_ALIASES = {"googlemail.com": "gmail.com"}
_PLUS_TAGS = frozenset(
    {
        "gmail.com", "outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com",
        "live.de", "msn.com", "icloud.com", "me.com", "mac.com", "fastmail.com", "fastmail.fm",
        "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "posteo.de", "mailbox.org",
    }
)  # fmt: skip
PROVIDERS = _PLUS_TAGS | _DOTLESS | frozenset(_ALIASES)


def canonical(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local, domain = email.strip().lower().rsplit("@", 1)
    domain = _ALIASES.get(domain, domain)
    if domain in _PLUS_TAGS and "+" in local:
        local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local and domain else None


def _rewrite(key_of: Callable[[str | None], str | None]) -> None:
    bind = op.get_bind()
    leads = sa.table("leads", sa.column("id"), sa.column("email"), sa.column("email_key"))
    for domain in sorted(PROVIDERS):
        last = 0
        while True:
            rows = bind.execute(
                sa.select(leads.c.id, leads.c.email, leads.c.email_key)
                .where(leads.c.id > last, sa.func.lower(leads.c.email).like(f"%@{domain}"))
                .order_by(leads.c.id)
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            last = rows[-1].id
            changed = [
                {"lead_id": row.id, "key": key}
                for row in rows
                if (key := key_of(row.email)) != row.email_key
            ]
            if changed:
                bind.execute(
                    leads.update()
                    .where(leads.c.id == sa.bindparam("lead_id"))
                    .values(email_key=sa.bindparam("key")),
                    changed,
                )


def upgrade() -> None:
    _rewrite(canonical)


def downgrade() -> None:
    _rewrite(lambda email: email.lower() if email else None)
