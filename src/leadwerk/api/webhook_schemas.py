"""Request and response models of /api/v1/webhooks and /api/v1/outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import MessageKind, MessageStatus

_EVENT_TYPES_DOC = "Event types or patterns: `lead.created`, `lead.updated`, `lead.*`, `*`."


class WebhookIn(BaseModel):
    """A receiver to register. The answer carries its signing secret, once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://crm.example.com/hooks/leadwerk",
                    "event_types": ["lead.created"],
                    "description": "CRM sync",
                }
            ]
        },
    )

    url: str = Field(max_length=2000, description="Where to POST; http(s) with a host.")
    event_types: list[str] = Field(max_length=20, description=_EVENT_TYPES_DOC)
    description: str | None = Field(default=None, max_length=200)


class WebhookPatch(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[str] | None = Field(default=None, max_length=20, description=_EVENT_TYPES_DOC)
    description: str | None = Field(default=None, max_length=200, description="`null` clears it.")
    active: bool | None = Field(default=None, description="`false` pauses deliveries.")


class WebhookOut(BaseModel):
    id: int
    url: str
    description: str | None
    event_types: list[str]
    active: bool
    secret_hint: str = Field(description="The secret's last four characters, to tell it apart.")
    created_at: datetime
    created_by: str | None

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls(**_endpoint_fields(endpoint))


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (see docs/webhooks.md). Shown only now; store it."
    )

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookWithSecretOut:
        return cls(**_endpoint_fields(endpoint), secret=endpoint.secret)


def _endpoint_fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "active": endpoint.is_active,
        "secret_hint": "…" + endpoint.secret[-4:],
        "created_at": endpoint.created_at,
        "created_by": endpoint.created_by,
    }


class EventTypesOut(BaseModel):
    event_types: list[str] = Field(description="Events Leadwerk sends.")
    patterns: list[str] = Field(description="Patterns that subscribe to several events.")


class OutboxMessageOut(BaseModel):
    id: int
    kind: MessageKind
    event_type: str
    endpoint_id: int | None
    delivery_id: str = Field(
        description="Sent as the Leadwerk-Delivery header; the same on every retry."
    )
    status: MessageStatus
    attempts: int = Field(description="Attempts since the message was written or last retried.")
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, message: OutboxMessage) -> OutboxMessageOut:
        return cls(**_message_fields(message))


def _message_fields(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "event_type": message.event_type,
        "endpoint_id": message.endpoint_id,
        "delivery_id": message.idempotency_key,
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "claimed_by": message.claimed_by,
        "claimed_until": message.claimed_until,
        "last_error": message.last_error,
        "created_at": message.created_at,
        "delivered_at": message.delivered_at,
    }


class DeliveryAttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    started_at: datetime
    duration_ms: int
    worker: str
    succeeded: bool
    status_code: int | None
    error: str | None
    response_excerpt: str | None


class OutboxMessageDetailOut(OutboxMessageOut):
    payload: dict[str, Any] = Field(description="The envelope sent as the request body.")
    delivery_log: list[DeliveryAttemptOut] = Field(description="Every attempt, oldest first.")

    @classmethod
    def with_log(
        cls, message: OutboxMessage, attempts: list[DeliveryAttempt]
    ) -> OutboxMessageDetailOut:
        return cls(
            **_message_fields(message),
            payload=message.payload,
            delivery_log=[DeliveryAttemptOut.model_validate(a) for a in attempts],
        )


class OutboxPageOut(BaseModel):
    items: list[OutboxMessageOut]
    next_before_id: int | None = Field(
        description="Pass as `before_id` to get the next page; null on the last page."
    )


class OutboxCountsOut(BaseModel):
    pending: int
    delivered: int
    dead: int


class RetryDeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="Only this webhook's dead messages; all when absent.",
    )


class RetriedOut(BaseModel):
    retried: int
