"""Finding the existing lead for an intake. For now: an exact match on the email key."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.leads.models import Lead


def find_existing(session: Session, email_key: str | None) -> Lead | None:
    """The oldest lead with this email key."""
    if email_key is None:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Two intakes of one new address must not both create: serialise them per key.
        # (SQLite needs nothing: its write transactions begin IMMEDIATE and so run one at a time.)
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(email_key))))
    query = select(Lead).where(Lead.email_key == email_key).order_by(Lead.id).limit(1)
    return session.scalar(query)
