"""Deliveries: the outbox by status, each message's delivery log, and retrying a message; and
the mail folder, where the file transport writes each email for local use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from leadwerk.delivery import mailbox
from leadwerk.delivery import service as delivery
from leadwerk.delivery.mail import file_folder, mail_host
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.types import MessageStatus
from leadwerk.errors import NotFound, ValidationFailed
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
            "mail_folder": file_folder(page.settings.smtp_url) is not None,
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


# An http(s) URL up to a space, quote or angle bracket, less the punctuation ending a sentence.
_URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)'\]]")
_LINK = Markup('<a href="{0}">{0}</a>')


def autolink(text: str) -> Markup:
    """Plain text as HTML with its http(s) URLs as links. Every piece is escaped, the link
    addresses too, so the text (an email can hold whatever a visitor typed) adds no markup."""
    pieces: list[str] = []
    end = 0
    for match in _URL.finditer(text):
        pieces += [text[end : match.start()], _LINK.format(match.group())]
        end = match.end()
    pieces.append(text[end:])
    return Markup("").join(pieces)


def _render_mail(
    page: Page,
    folder: Path | None,
    *,
    messages: Sequence[mailbox.MailSummary] = (),
    next_url: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return page.render(
        "delivery/mail.html",
        {
            "area": "deliveries",
            "folder": folder,
            "mail_host": mail_host(page.settings.smtp_url),
            "messages": messages,
            "next_url": next_url,
            "errors": errors or {},
        },
    )


@router.get("/deliveries/mail")
def mail(request: Request, page: DeliveriesPage) -> Response:
    folder = file_folder(page.settings.smtp_url)
    page.on_invalid(lambda errors: _render_mail(page, folder, errors=errors))
    before = request.query_params.get("before") or None
    if before is not None and not mailbox.is_name(before):
        raise ValidationFailed({"before": N_("This is not a page this list offers.")})
    if folder is None:
        return _render_mail(page, folder)
    found = mailbox.list_mail(folder, limit=PAGE_SIZE + 1, before=before)
    shown = found[:PAGE_SIZE]
    next_url = f"/deliveries/mail?before={shown[-1].name}" if len(found) > PAGE_SIZE else None
    return _render_mail(page, folder, messages=shown, next_url=next_url)


def _mail_folder(page: Page) -> Path:
    folder = file_folder(page.settings.smtp_url)
    if folder is None:
        raise NotFound("Email goes to an SMTP server; no copy is kept here.")
    return folder


# Before the message page, whose {name} would match a name ending in .eml as well.
@router.get("/deliveries/mail/{name}.eml")
def mail_file(name: str, page: DeliveriesPage) -> Response:
    raw = mailbox.raw_mail(_mail_folder(page), name)  # checks the name, so it fits a header
    return Response(
        raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{name}.eml"'},
    )


@router.get("/deliveries/mail/{name}")
def mail_message(name: str, page: DeliveriesPage) -> Response:
    message = mailbox.read_mail(_mail_folder(page), name)
    return page.render(
        "delivery/mail_message.html",
        {
            "area": "deliveries",
            "message": message,
            "list_headers": [(header, autolink(value)) for header, value in message.list_headers],
            "body": None if message.text is None else autolink(message.text),
        },
    )
