"""Integrations: inbound hooks for Google Ads and Meta lead forms and a generic signed JSON hook;
their URLs and secrets (shown once), the generic hook's field mapping, and the dead-letter list
with retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import rules as hook_rules
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundHook
from leadwerk.capture.hooks.ports import GraphApi, HttpxGraphApi
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.web.context import Form, Page, field, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
IntegrationsPage = Annotated[Page, Depends(require_area("integrations"))]
KIND_LABELS = {
    HookKind.GOOGLE_ADS: N_("Google Ads lead form"),
    HookKind.META: N_("Meta Lead Ads"),
    HookKind.GENERIC: N_("Generic signed JSON"),
}
STATUS_LABELS = {
    DeliveryStatus.RECEIVED: N_("Received"),
    DeliveryStatus.PROCESSED: N_("Processed"),
    DeliveryStatus.FAILED: N_("Failed"),
}
FIELD_LABELS = {
    "email": N_("Email"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "full_name": N_("Full name"),
    "phone": N_("Phone"),
    "company": N_("Company"),
    "job_title": N_("Job title"),
    "country": N_("Country"),
    "language": N_("Language"),
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_term": "utm_term",
    "utm_content": "utm_content",
    "url": N_("Page URL"),
    "referrer": N_("Referrer"),
    "external_id": N_("Lead id at the sender (against duplicates)"),
}
NOTICES = {
    "activated": N_("The hook is active again."),
    "deactivated": N_("The hook is paused; its URL answers 404 until you activate it."),
    "deleted": N_("The hook was deleted."),
    "mapping": N_("The field mapping was saved."),
    "credentials": N_("The Meta credentials were saved."),
    "retried": N_("The delivery was processed and its lead stored."),
    "still_failed": N_("The delivery failed again; see its error."),
    "retried_all": N_("All failed deliveries were retried."),
}


def graph_api(page: Page) -> GraphApi:
    """The Graph API client the app shares (see api/inbound_hooks.py)."""
    state = page.request.app.state
    if getattr(state, "meta_graph", None) is None:
        state.meta_graph = HttpxGraphApi(
            version=page.settings.hooks_meta_graph_version,
            timeout=page.settings.hooks_meta_graph_timeout_seconds,
        )
    graph: GraphApi = state.meta_graph
    return graph


def hook_url(page: Page, hook: InboundHook) -> str:
    base = page.settings.base_url or str(page.request.base_url)
    return base.rstrip("/") + hooks.hook_path(hook)


def _kinds(page: Page) -> list[tuple[str, str]]:
    return [(kind.value, page.gettext(label)) for kind, label in KIND_LABELS.items()]


def _list(
    page: Page,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    with page.container.db.read() as session:
        found = hooks.list_hooks(session)
        counts = hooks.delivery_counts(session)
    return page.render(
        "integrations/list.html",
        {
            "area": "integrations",
            "hooks": found,
            "counts": counts,
            "urls": {h.id: hook_url(page, h) for h in found},
            "kind_labels": KIND_LABELS,
            "kinds": _kinds(page),
            "form": form or {"kind": HookKind.GOOGLE_ADS.value, "name": ""},
            "errors": dict(errors or {}),
            "notice": page.notice(NOTICES, notice),
        },
    )


def _secret(page: Page, hook: InboundHook, *, rotated: bool) -> Response:
    return page.render(
        "integrations/secret.html",
        {
            "area": "integrations",
            "hook": hook,
            "url": hook_url(page, hook),
            "kind_labels": KIND_LABELS,
            "rotated": rotated,
        },
    )


def _detail(
    page: Page,
    hook_id: int,
    *,
    mapping: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    with page.container.db.read() as session:
        hook = hooks.get_hook(session, hook_id)
        recent = hooks.list_deliveries(session, hook_id=hook_id, limit=20)
    return page.render(
        "integrations/detail.html",
        {
            "area": "integrations",
            "hook": hook,
            "url": hook_url(page, hook),
            "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS,
            "field_labels": FIELD_LABELS,
            "defaults": hook_rules.GENERIC_FIELDS,
            "mapping": mapping if mapping is not None else hook.field_mapping,
            "deliveries": [d for d, _h in recent],
            "errors": dict(errors or {}),
            "notice": page.notice(NOTICES, notice),
        },
        status_code=status_code,
    )


@router.get("/integrations")
def integrations(page: IntegrationsPage, notice: str | None = None) -> Response:
    return _list(page, notice=notice)


@router.post("/integrations")
def create(page: IntegrationsPage, form: Form) -> Response:
    submitted = {"kind": field(form, "kind"), "name": field(form, "name")}
    page.on_invalid(lambda errors: _list(page, form=submitted, errors=errors))
    with page.container.db.transaction() as session:
        hook = hooks.create_hook(
            session,
            kind=submitted["kind"],
            name=submitted["name"],
            app_secret=field(form, "app_secret"),
            access_token=field(form, "access_token"),
            actor=page.user.actor,
        )
    return _secret(page, hook, rotated=False)


@router.get("/integrations/dead-letters")
def dead_letters(page: IntegrationsPage, notice: str | None = None) -> Response:
    with page.container.db.read() as session:
        failed = hooks.list_deliveries(session, dead_letters=True)
    return page.render(
        "integrations/dead_letters.html",
        {
            "area": "integrations",
            "deliveries": [
                {"delivery": d, "hook": h, "payload": hooks.payload_preview(d.body)}
                for d, h in failed
            ],
            "kind_labels": KIND_LABELS,
            "notice": page.notice(NOTICES, notice),
        },
    )


@router.post("/integrations/dead-letters/retry")
def retry_all(page: IntegrationsPage) -> Response:
    receiving.retry_failed(
        page.container.db, graph_api(page), actor=page.user.actor, mx=page.container.mx_lookup
    )
    return page.redirect("/integrations/dead-letters?notice=retried_all")


@router.post("/integrations/deliveries/{delivery_id:rowid}/retry")
def retry(delivery_id: int, page: IntegrationsPage) -> Response:
    c = page.container
    done = receiving.retry(
        c.db, delivery_id, graph_api(page), actor=page.user.actor, mx=c.mx_lookup
    )
    notice = "retried" if done.status is DeliveryStatus.PROCESSED else "still_failed"
    return page.redirect(f"/integrations/dead-letters?notice={notice}")


@router.get("/integrations/{hook_id:rowid}")
def detail(hook_id: int, page: IntegrationsPage, notice: str | None = None) -> Response:
    return _detail(page, hook_id, notice=notice)


@router.post("/integrations/{hook_id:rowid}/rotate")
def rotate(hook_id: int, page: IntegrationsPage) -> Response:
    with page.container.db.transaction() as session:
        hook = hooks.rotate_secret(session, hook_id, actor=page.user.actor)
    return _secret(page, hook, rotated=True)


@router.post("/integrations/{hook_id:rowid}/mapping")
def mapping(hook_id: int, page: IntegrationsPage, form: Form) -> Response:
    submitted = {name: field(form, f"map_{name}") for name in hook_rules.GENERIC_FIELDS}
    page.on_invalid(
        lambda errors: _detail(page, hook_id, mapping=submitted, errors=errors, status_code=422)
    )
    with page.container.db.transaction() as session:
        hooks.set_mapping(session, hook_id, submitted, actor=page.user.actor)
    return page.redirect(f"/integrations/{hook_id}?notice=mapping")


@router.post("/integrations/{hook_id:rowid}/credentials")
def credentials(hook_id: int, page: IntegrationsPage, form: Form) -> Response:
    page.on_invalid(lambda errors: _detail(page, hook_id, errors=errors, status_code=422))
    with page.container.db.transaction() as session:
        hooks.set_meta_credentials(
            session,
            hook_id,
            app_secret=field(form, "app_secret"),
            access_token=field(form, "access_token"),
            actor=page.user.actor,
        )
    return page.redirect(f"/integrations/{hook_id}?notice=credentials")


@router.post("/integrations/{hook_id:rowid}/active")
def set_active(hook_id: int, page: IntegrationsPage, form: Form) -> Response:
    active = field(form, "active") == "true"
    with page.container.db.transaction() as session:
        hooks.set_active(session, hook_id, active, actor=page.user.actor)
    return page.redirect("/integrations?notice=" + ("activated" if active else "deactivated"))


@router.get("/integrations/{hook_id:rowid}/delete")
def confirm_delete(hook_id: int, page: IntegrationsPage) -> Response:
    with page.container.db.read() as session:
        hook = hooks.get_hook(session, hook_id)
    return page.render(
        "integrations/delete.html",
        {"area": "integrations", "hook": hook, "kind_labels": KIND_LABELS},
    )


@router.post("/integrations/{hook_id:rowid}/delete")
def delete(hook_id: int, page: IntegrationsPage) -> Response:
    with page.container.db.transaction() as session:
        hooks.delete_hook(session, hook_id, actor=page.user.actor)
    return page.redirect("/integrations?notice=deleted")
