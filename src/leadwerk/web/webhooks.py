"""Webhooks: register a URL for event types, pause or resume it, rotate its secret, delete it.

A secret is shown once, in the answer to the request that made it, and never again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import WebhookEndpoint
from leadwerk.web import labels
from leadwerk.web.context import Form, Page, field, fields, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
WebhooksPage = Annotated[Page, Depends(require_area("webhooks"))]
EVENT_CHOICES = (*delivery.EVENT_PATTERNS, *delivery.EVENT_TYPES)
NOTICES = {
    "activated": N_("The webhook is active again."),
    "deactivated": N_("The webhook is paused; nothing is sent to it until you activate it."),
    "deleted": N_("The webhook was deleted."),
}


def _list(
    page: Page,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    with page.container.db.read() as session:
        endpoints = delivery.list_endpoints(session)
    return page.render(
        "delivery/webhooks.html",
        {
            "area": "webhooks",
            "endpoints": endpoints,
            "event_choices": [(e, labels.event_type(e)) for e in EVENT_CHOICES],
            "form": form or {"url": "", "description": "", "event_types": []},
            "errors": dict(errors or {}),
            "notice": page.notice(NOTICES, notice),
        },
    )


def _secret(page: Page, endpoint: WebhookEndpoint, *, rotated: bool) -> Response:
    return page.render(
        "delivery/webhook_secret.html",
        {"area": "webhooks", "endpoint": endpoint, "rotated": rotated},
    )


@router.get("/webhooks")
def webhooks(page: WebhooksPage, notice: str | None = None) -> Response:
    return _list(page, notice=notice)


@router.post("/webhooks")
def create(page: WebhooksPage, form: Form) -> Response:
    url, description = field(form, "url"), field(form, "description")
    event_types = fields(form, "event_types")
    submitted = {"url": url, "description": description, "event_types": event_types}
    page.on_invalid(lambda errors: _list(page, form=submitted, errors=errors))
    with page.container.db.transaction() as session:
        endpoint = delivery.create_endpoint(
            session,
            url=url,
            event_types=event_types,
            description=description or None,
            actor=page.user.actor,
        )
    return _secret(page, endpoint, rotated=False)


@router.post("/webhooks/{endpoint_id:rowid}/active")
def set_active(endpoint_id: int, page: WebhooksPage, form: Form) -> Response:
    active = field(form, "active") == "true"
    with page.container.db.transaction() as session:
        delivery.set_endpoint_active(session, endpoint_id, active, actor=page.user.actor)
    return page.redirect("/webhooks?notice=" + ("activated" if active else "deactivated"))


@router.post("/webhooks/{endpoint_id:rowid}/rotate")
def rotate(endpoint_id: int, page: WebhooksPage) -> Response:
    with page.container.db.transaction() as session:
        endpoint = delivery.rotate_secret(session, endpoint_id, actor=page.user.actor)
    return _secret(page, endpoint, rotated=True)


@router.get("/webhooks/{endpoint_id:rowid}/delete")
def confirm_delete(endpoint_id: int, page: WebhooksPage) -> Response:
    with page.container.db.read() as session:
        endpoint = delivery.get_endpoint(session, endpoint_id)
    return page.render("delivery/webhook_delete.html", {"area": "webhooks", "endpoint": endpoint})


@router.post("/webhooks/{endpoint_id:rowid}/delete")
def delete(endpoint_id: int, page: WebhooksPage) -> Response:
    with page.container.db.transaction() as session:
        delivery.delete_endpoint(session, endpoint_id, actor=page.user.actor)
    return page.redirect("/webhooks?notice=deleted")
