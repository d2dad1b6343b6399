"""The audit log: append an entry inside the caller's transaction."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from leadwerk.auth.models import AuditEntry
from leadwerk.observability import request_id_var
from leadwerk.storage.base import utcnow

_INSERT = insert(cast(Table, AuditEntry.__table__))


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry. A plain INSERT on the session's connection, not an ORM object: the
    log is written on every intake and nothing reads the entry back in the same unit of work."""
    session.connection().execute(
        _INSERT,
        {
            "occurred_at": utcnow(),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "details": details or {},
            "request_id": request_id_var.get(),
        },
    )
