"""Statuses and value objects of the delivery domain."""

from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    DROPPED = "dropped"  # not sent: the check at send time refused it (consent withdrawn, …)

    @property
    def label(self) -> str:
        return {
            "pending": "Pending",
            "delivered": "Delivered",
            "dead": "Dead letter",
            "dropped": "Dropped",
        }[self.value]


class MessageKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


# The session.info key under which publish() counts the outbox rows a session wrote, so a
# worker in this process can be woken right after the commit (see delivery.worker).
OUTBOX_WRITTEN = "leadwerk.outbox_written"
