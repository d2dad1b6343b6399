"""Statuses and value objects of the delivery domain."""

from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"

    @property
    def label(self) -> str:
        return {"pending": "Pending", "delivered": "Delivered", "dead": "Dead letter"}[self.value]


class MessageKind(StrEnum):
    WEBHOOK = "webhook"


# The session.info key under which publish() counts the outbox rows a session wrote, so a
# worker in this process can be woken right after the commit (see delivery.worker).
OUTBOX_WRITTEN = "leadwerk.outbox_written"
