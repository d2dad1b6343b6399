"""Writing to the outbox, inside the caller's transaction. Workers deliver after the commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.delivery import rules
from leadwerk.delivery.models import OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import MessageKind, MessageStatus
from leadwerk.storage.base import utcnow


def publish(session: Session, event_type: str, data: dict[str, Any]) -> list[OutboxMessage]:
    """Fan an event out to every active webhook subscribed to it: one outbox row each.

    The event id is shared by the rows; each row's idempotency key is what receivers see as
    the delivery id, so a retried delivery carries the same id as the first try.
    """
    event_id = str(uuid.uuid4())
    now = utcnow()
    envelope = {"id": event_id, "type": event_type, "occurred_at": now.isoformat(), "data": data}
    messages = []
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.is_active.is_(True)
        )
    ).all()
    for endpoint_id, event_types in endpoints:
        if not rules.subscribed(event_types, event_type):
            continue
        message = OutboxMessage(
            kind=MessageKind.WEBHOOK,
            event_type=event_type,
            endpoint_id=endpoint_id,
            idempotency_key=f"{event_id}:{endpoint_id}",
            payload=envelope,
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(message)
        messages.append(message)
    return messages
