"""Deliveries: the outbox by status, each message's delivery log, and retrying a message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.types import MessageStatus
from leadwerk.errors import ValidationFailed
from leadwerk.web.context import Page, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
DeliveriesPage = Annotated[Page, Depends(require_area("deliveries"))]
PAGE_SIZE = 50
NOTICES = {"retried": N_("The message will be sent again in a moment.")}


def _status(raw: str | None) -> MessageStatus | None:
    if not raw:
        return None
    try:
        return MessageStatus(raw)
    except ValueError:
        raise ValidationFailed({"status": N_("Choose one of the values offered.")}) from None


def _before(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise ValidationFailed({"before": N_("This is not a page this list offers.")})
    return int(raw)


def _render_list(
    page: Page,
    counts: dict[MessageStatus, int],
    *,
    status: MessageStatus | None = None,
    messages: list[OutboxMessage] | None = None,
    endpoints: dict[int, str] | None = None,
    next_url: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return page.render(
        "delivery/messages.html",
        {
            "area": "deliveries",
            "statuses": list(MessageStatus),
            "status": status,
            "messages": messages or [],
            "counts": counts,
            "endpoints": endpoints or {},
            "next_url": next_url,
            "errors": errors or {},
        },
    )


@router.get("/deliveries")
def messages(request: Request, page: DeliveriesPage) -> Response:
    def invalid(errors: dict[str, str]) -> Response:
        with page.container.db.read() as session:
            counts = delivery.counts_by_status(session)
        return _render_list(page, counts, errors=errors)

    page.on_invalid(invalid)
    status = _status(request.query_params.get("status"))
    before = _before(request.query_params.get("before"))
    with page.container.db.read() as session:
        counts = delivery.counts_by_status(session)
        found = delivery.list_messages(
            session, status=status, limit=PAGE_SIZE + 1, before_id=before
        )
        endpoints = {e.id: e.url for e in delivery.list_endpoints(session)}
    shown = found[:PAGE_SIZE]
    next_url = None
    if len(found) > PAGE_SIZE:
        query = f"status={status.value}&" if status else ""
        next_url = f"/deliveries?{query}before={shown[-1].id}"
    return _render_list(
        page, counts, status=status, messages=shown, endpoints=endpoints, next_url=next_url
    )


def _retryable(message: OutboxMessage) -> bool:
    return message.status is not MessageStatus.DELIVERED


@router.get("/deliveries/{message_id:rowid}")
def message_detail(message_id: int, page: DeliveriesPage, notice: str | None = None) -> Response:
    with page.container.db.read() as session:
        message = delivery.get_message(session, message_id)
        attempts = delivery.list_attempts(session, message.id)
        endpoint: Any = (
            delivery.get_endpoint(session, message.endpoint_id) if message.endpoint_id else None
        )
    return page.render(
        "delivery/message.html",
        {
            "area": "deliveries",
            "message": message,
            "attempts": attempts,
            "endpoint": endpoint,
            "can_retry": _retryable(message),
            "notice": page.notice(NOTICES, notice),
        },
    )


@router.post("/deliveries/{message_id:rowid}/retry")
def retry(message_id: int, page: DeliveriesPage) -> Response:
    with page.container.db.transaction() as session:
        delivery.retry_message(session, message_id, actor=page.user.actor)
    return page.redirect(f"/deliveries/{message_id}?notice=retried")
