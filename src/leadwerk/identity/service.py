"""Finding the existing lead for an intake by its email key (the exact match, which always
decides first; `identity.intake` scores the leads sharing a phone or name after it).

An intake locks the key, then creates the lead only if `no_lead_with_email_key()` holds (one
statement), else loads `oldest_with_email_key`, or, for an old address of a lead (an alias
left by a merge), `lead_for_alias`.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BindParameter, ColumnElement, Table, bindparam, exists, func, select
from sqlalchemy.orm import Session

from leadwerk.identity.models import EmailAlias
from leadwerk.leads.models import Lead

_leads = cast(Table, Lead.__table__)
_aliases = cast(Table, EmailAlias.__table__)
# The bulk lock: a pair of int4 keys (Leadwerk's lock space 4201), apart from the bigint keys of
# the per-address locks.
_BULK_LOCK = (4201, 0)
# Built once: the intake runs them on every request.
_LOCK_EMAIL_KEY = select(
    func.pg_advisory_xact_lock_shared(*_BULK_LOCK),
    func.pg_advisory_xact_lock(func.hashtext(bindparam("email_key"))),
)
_LOCK_FOR_BULK = select(func.pg_advisory_xact_lock(*_BULK_LOCK))
_OLDEST_WITH_EMAIL_KEY = (
    select(Lead).where(Lead.email_key == bindparam("email_key")).order_by(Lead.id).limit(1)
)
_LEAD_FOR_ALIAS = (
    select(Lead)
    .join(EmailAlias, EmailAlias.lead_id == Lead.id)
    .where(EmailAlias.email_key == bindparam("email_key"))
)


def lock_email_key(session: Session, email_key: str) -> None:
    """Serialise intakes of one address until the transaction ends, so two intakes of a new
    address cannot both create it. Take it before looking for the lead.

    PostgreSQL: a transaction-level advisory lock per key. SQLite needs nothing: its write
    transactions begin IMMEDIATE and so run one at a time.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_EMAIL_KEY, {"email_key": email_key})


def lock_for_bulk(session: Session) -> None:
    """What a bulk write (an import batch) takes instead of a lock per address: the bulk
    lock in exclusive mode, which every `lock_email_key` takes in shared mode first. So an
    import batch and an intake never both create a lead for one new address, and a batch of
    thousands of new addresses holds one lock rather than thousands (PostgreSQL's lock table
    has room for about 6,400 in all with its defaults; 50,000 made a batch fail). Intakes wait
    while a batch finishes (about a third of a second for 5,000 rows). Take it before looking
    for the batch's leads; SQLite needs nothing."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_FOR_BULK)


def no_lead_with_email_key() -> ColumnElement[bool]:
    """The match rule as SQL, for a statement that creates a lead only when it finds none:
    true when neither a lead nor an alias has the email key bound as `email_key` (always
    true for NULL)."""
    key: BindParameter[str] = bindparam("email_key")
    return ~exists().where(_leads.c.email_key == key) & ~exists().where(_aliases.c.email_key == key)


def oldest_with_email_key(session: Session, email_key: str) -> Lead | None:
    """The lead an intake with this email key belongs to; take the key's lock first."""
    return session.scalars(_OLDEST_WITH_EMAIL_KEY, {"email_key": email_key}).first()


def lead_for_alias(session: Session, email_key: str) -> Lead | None:
    """The lead an old address leads to (a merged lead's, or an intake's that matched), if
    the key is an alias; take the key's lock first."""
    return session.scalars(_LEAD_FOR_ALIAS, {"email_key": email_key}).first()
