"""/api/v1/webhooks (register and manage receivers) and /api/v1/outbox (the delivery queue and
its log: inspect, retry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.schemas import Problem
from leadwerk.api.webhook_schemas import (
    EventTypesOut,
    OutboxCountsOut,
    OutboxMessageDetailOut,
    OutboxMessageOut,
    OutboxPageOut,
    RetriedOut,
    RetryDeadIn,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookWithSecretOut,
)
from leadwerk.auth.types import Principal, Scope
from leadwerk.delivery import service as delivery
from leadwerk.delivery.types import MessageStatus

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
outbox_router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])

WebhookAdmin = Annotated[Principal, Depends(require(Scope.WEBHOOKS_MANAGE))]
OutboxAdmin = Annotated[Principal, Depends(require(Scope.OUTBOX_MANAGE))]
# Ids are 64-bit; a larger number cannot name anything.
MAX_ID = 2**63 - 1
EndpointId = Annotated[int, Path(ge=1, le=MAX_ID)]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 422)
}
DEFAULT_OUTBOX_PAGE = 50
MAX_OUTBOX_PAGE = 200


# --- /api/v1/webhooks --------------------------------------------------------------------------


@router.get("", response_model=list[WebhookOut], responses=_ERRORS)
def list_webhooks(c: ContainerDep, who: WebhookAdmin) -> list[WebhookOut]:
    """Every registered webhook, oldest first. Secrets are never listed."""
    with c.db.read() as session:
        return [WebhookOut.of(e) for e in delivery.list_endpoints(session)]


@router.post("", status_code=201, response_model=WebhookWithSecretOut, responses=_ERRORS)
def create_webhook(
    body: WebhookIn, response: Response, c: ContainerDep, who: WebhookAdmin
) -> WebhookWithSecretOut:
    """Register a receiver. The answer holds the signing secret; it is not shown again
    (rotate it if it is lost)."""
    with c.db.transaction() as session:
        endpoint = delivery.create_endpoint(
            session,
            url=body.url,
            event_types=body.event_types,
            description=body.description,
            actor=who.actor,
        )
        out = WebhookWithSecretOut.of(endpoint)
    response.headers["Location"] = f"/api/v1/webhooks/{out.id}"
    return out


@router.get("/event-types", response_model=EventTypesOut, responses=_ERRORS)
def event_types(who: WebhookAdmin) -> EventTypesOut:
    """What a webhook can subscribe to."""
    return EventTypesOut(
        event_types=list(delivery.EVENT_TYPES), patterns=list(delivery.EVENT_PATTERNS)
    )


@router.get("/{endpoint_id}", response_model=WebhookOut, responses=_ERRORS)
def get_webhook(endpoint_id: EndpointId, c: ContainerDep, who: WebhookAdmin) -> WebhookOut:
    with c.db.read() as session:
        return WebhookOut.of(delivery.get_endpoint(session, endpoint_id))


@router.patch("/{endpoint_id}", response_model=WebhookOut, responses=_ERRORS)
def patch_webhook(
    endpoint_id: EndpointId, body: WebhookPatch, c: ContainerDep, who: WebhookAdmin
) -> WebhookOut:
    """Change the URL, the event types, the description, or pause (`active: false`)."""
    with c.db.transaction() as session:
        endpoint = delivery.update_endpoint(
            session, endpoint_id, body.model_dump(exclude_unset=True), actor=who.actor
        )
        return WebhookOut.of(endpoint)


@router.delete("/{endpoint_id}", status_code=204, responses=_ERRORS)
def delete_webhook(endpoint_id: EndpointId, c: ContainerDep, who: WebhookAdmin) -> Response:
    """Remove the webhook with its outbox messages and their delivery log."""
    with c.db.transaction() as session:
        delivery.delete_endpoint(session, endpoint_id, actor=who.actor)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=WebhookWithSecretOut, responses=_ERRORS)
def rotate_webhook_secret(
    endpoint_id: EndpointId, c: ContainerDep, who: WebhookAdmin
) -> WebhookWithSecretOut:
    """A new signing secret, used from the next delivery on (retries too); the old one stops
    working at once. The answer is the only place the new secret is shown."""
    with c.db.transaction() as session:
        return WebhookWithSecretOut.of(
            delivery.rotate_secret(session, endpoint_id, actor=who.actor)
        )


# --- /api/v1/outbox ----------------------------------------------------------------------------


@outbox_router.get("", response_model=OutboxPageOut, responses=_ERRORS)
def list_outbox(
    c: ContainerDep,
    who: OutboxAdmin,
    status: MessageStatus | None = None,
    endpoint_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this webhook's")
    ] = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Messages older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_OUTBOX_PAGE)] = DEFAULT_OUTBOX_PAGE,
) -> OutboxPageOut:
    """Newest first; follow `next_before_id` for older messages."""
    with c.db.read() as session:
        messages = delivery.list_messages(
            session, status=status, limit=limit + 1, before_id=before_id, endpoint_id=endpoint_id
        )
        page = messages[:limit]
        return OutboxPageOut(
            items=[OutboxMessageOut.of(m) for m in page],
            next_before_id=page[-1].id if len(messages) > limit else None,
        )


@outbox_router.get("/counts", response_model=OutboxCountsOut, responses=_ERRORS)
def outbox_counts(c: ContainerDep, who: OutboxAdmin) -> OutboxCountsOut:
    """How many messages are pending, delivered and dead (for dashboards and alerts)."""
    with c.db.read() as session:
        counts = delivery.counts_by_status(session)
    return OutboxCountsOut(**{status.value: n for status, n in counts.items()})


@outbox_router.post("/retry-dead", response_model=RetriedOut, responses=_ERRORS)
def retry_dead(c: ContainerDep, who: OutboxAdmin, body: RetryDeadIn | None = None) -> RetriedOut:
    """Send every dead message of active webhooks again (or of one webhook)."""
    with c.db.transaction() as session:
        count = delivery.retry_dead_messages(
            session, actor=who.actor, endpoint_id=body.endpoint_id if body else None
        )
    return RetriedOut(retried=count)


@outbox_router.get("/{message_id}", response_model=OutboxMessageDetailOut, responses=_ERRORS)
def get_outbox_message(
    message_id: MessageId, c: ContainerDep, who: OutboxAdmin
) -> OutboxMessageDetailOut:
    """The message, its body, and its delivery log."""
    with c.db.read() as session:
        message = delivery.get_message(session, message_id)
        return OutboxMessageDetailOut.with_log(message, delivery.list_attempts(session, message_id))


@outbox_router.post("/{message_id}/retry", response_model=OutboxMessageOut, responses=_ERRORS)
def retry_outbox_message(
    message_id: MessageId, c: ContainerDep, who: OutboxAdmin
) -> OutboxMessageOut:
    """Send a dead or failing message again, now, with a full set of attempts. 409 for a
    delivered message, one being sent right now, or one whose webhook is paused."""
    with c.db.transaction() as session:
        return OutboxMessageOut.of(delivery.retry_message(session, message_id, actor=who.actor))
