"""The audit log: append an entry inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from leadwerk.auth.models import AuditEntry
from leadwerk.observability import request_id_var
from leadwerk.storage.base import utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details or {},
        request_id=request_id_var.get(),
    )
    session.add(entry)
    return entry
