"""The lead list (the API's filter spec, as a form) and the lead detail with timeline, merges
and edit. The address of a lead merged away leads on to the lead it was merged into."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from leadwerk.auth import service as auth
from leadwerk.auth.models import User
from leadwerk.auth.rules import allows, can_see_lead, lead_visibility
from leadwerk.auth.types import Scope
from leadwerk.capture import service as capture
from leadwerk.consent import evidence
from leadwerk.consent import service as consent
from leadwerk.errors import ValidationFailed
from leadwerk.identity import queries as identity_queries
from leadwerk.leads import queries
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead
from leadwerk.leads.types import Channel, Stage, Temperature
from leadwerk.web import duplicates, labels, lead_privacy
from leadwerk.web.context import Form, Page, enum_options, field, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router
from leadwerk.web.timeline import Presenter, present_timeline

router = web_router()
LeadsPage = Annotated[Page, Depends(require_area("leads"))]

# The edit form's text fields and their longest accepted value (as the API's LeadPatch).
TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "email": 320,
    "phone": 40,
    "company": 200,
    "job_title": 200,
    "country": 60,
}
NOTICES = {
    "saved": N_("The lead was saved."),
    "handed_over": N_(
        "The lead was saved. It belongs to someone else now, so it is no longer in your list."
    ),
    "unmerged": N_("The merge was undone: this lead is on its own again."),
    **lead_privacy.NOTICES,
}
TOO_LONG = N_("At most %(limit)d characters, not %(length)d.")


def _filter_form(raw: Mapping[str, str], spec: queries.LeadFilter | None) -> dict[str, str]:
    """The filter as the form shows it: the values given, the times as dates for date inputs."""
    values = {k: raw.get(k, "") for k in ("stage", "channel", "owner_id", "q", "unowned")}
    for name in ("created_from", "created_to"):
        parsed: datetime | None = getattr(spec, name) if spec else None
        values[name] = parsed.date().isoformat() if parsed else raw.get(name, "")[:10]
    return values


def _owners(users: list[User]) -> dict[int, str]:
    return {u.id: u.name for u in users}


def _list_context(
    page: Page,
    raw: Mapping[str, str],
    spec: queries.LeadFilter | None,
    result: queries.LeadPage | None,
    users: list[User],
    errors: dict[str, str],
) -> dict[str, Any]:
    next_url = None
    if spec is not None and result is not None and result.next_cursor:
        next_url = "/leads?" + urlencode({**spec.to_params(), "cursor": result.next_cursor})
    first_url = None
    if spec is not None and spec.cursor:
        first_url = "/leads?" + urlencode(spec.to_params())
    return {
        "area": "leads",
        "form": _filter_form(raw, spec),
        "leads": result.items if result else [],
        "owners": _owners(users),
        "stage_options": enum_options(page, Stage),
        "channel_options": enum_options(page, Channel),
        "owner_options": [(str(u.id), u.name) for u in users],
        "errors": errors,
        "error_fields": labels.LEAD_FIELDS,
        "next_url": next_url,
        "first_url": first_url,
        "notice": page.notice(NOTICES, raw.get("notice")),
    }


def _render_list(page: Page, context: dict[str, Any]) -> Response:
    """The whole page, or for htmx only the results the filter form swaps in."""
    template = "leads/_results.html" if page.htmx else "leads/list.html"
    return page.render(template, context)


@router.get("/")
@router.get("/leads")
def lead_list(request: Request, page: LeadsPage) -> Response:
    raw = dict(request.query_params)

    def invalid(errors: dict[str, str]) -> Response:
        with page.container.db.read() as session:
            users = auth.list_users(session)
        return _render_list(page, _list_context(page, raw, None, None, users, errors))

    page.on_invalid(invalid)
    spec = queries.parse_filter(raw)
    with page.container.db.read() as session:
        result = queries.list_leads(session, spec, lead_visibility(page.user))
        users = auth.list_users(session)
    return _render_list(page, _list_context(page, raw, spec, result, users, {}))


def _form_values(lead: Lead) -> dict[str, str]:
    values = {name: getattr(lead, name) or "" for name in TEXT_FIELDS}
    values.update(
        stage=lead.stage.value,
        temperature=lead.temperature.value,
        owner_id=str(lead.owner_id or ""),
    )
    return values


def _detail(
    page: Page,
    lead_id: int,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    merge: str | None = None,
) -> Response:
    can_merge = allows(page.user, Scope.LEADS_MERGE)
    with page.container.db.read() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        entries = leads.timeline(session, lead.id)
        users = auth.list_users(session)
        keys = auth.list_api_keys(session, include_revoked=True)
        owners = _owners(users)
        names = Presenter(page.gettext, owners, {k.id: k.name for k in keys})
        merges = duplicates.present_merges(
            page, identity_queries.merges_of(session, lead.id), names, lead.id, can_merge
        )
        merge_notice = duplicates.merge_notice(page, session, lead.id, merge, can_merge)
        consent_card = {
            "statuses": [
                {"purpose": p, "status": s.status, "since": s.event.occurred_at}
                for p, s in sorted(consent.statuses(session, lead.id).items())
            ],
            "history": consent.history(session, lead.id),
        }
        privacy_card = lead_privacy.card(page, session, lead)
    return page.render(
        "leads/detail.html",
        {
            "area": "leads",
            "lead": lead,
            "owner": owners.get(lead.owner_id) if lead.owner_id else None,
            "timeline": present_timeline(entries, names),
            "stage_options": enum_options(page, Stage),
            "temperature_options": enum_options(page, Temperature),
            "owner_options": [(str(u.id), u.name) for u in users],
            "form": dict(form) if form is not None else _form_values(lead),
            "errors": dict(errors or {}),
            "limits": TEXT_FIELDS,
            "can_edit": allows(page.user, Scope.LEADS_WRITE),
            "notice": page.notice(NOTICES, notice),
            "merges": merges,
            "merge_notice": merge_notice,
            "consent": consent_card,
            "privacy": privacy_card,
        },
    )


@router.get("/leads/{lead_id:rowid}")
def lead_detail(
    lead_id: int, page: LeadsPage, notice: str | None = None, merge: str | None = None
) -> Response:
    with page.container.db.read() as session:
        moved = duplicates.moved_to(session, page.user, lead_id)
    if moved is not None:
        survivor, merge_id = moved
        return page.redirect(f"/leads/{survivor}?merge={merge_id}")
    return _detail(page, lead_id, notice=notice, merge=merge)


def _changes(page: Page, form: FormData, lead: Lead) -> dict[str, Any]:
    """Only what the user changed, so untouched fields are not normalised anew."""
    current = _form_values(lead)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        value = field(form, name).strip()
        if len(value) > limit:
            errors[name] = page.gettext(TOO_LONG) % {"limit": limit, "length": len(value)}
        elif value != current[name]:
            changes[name] = value or None
    for name, enum_type in (("stage", Stage), ("temperature", Temperature)):
        value = field(form, name)
        if value != current[name]:
            try:
                changes[name] = enum_type(value)
            except ValueError:
                errors[name] = N_("Choose one of the values offered.")
    owner = field(form, "owner_id")
    if owner != current["owner_id"]:
        if owner and not (owner.isdigit() and int(owner) < 2**63):
            errors["owner_id"] = N_("Choose one of the values offered.")
        else:
            changes["owner_id"] = int(owner) if owner else None
    if errors:
        raise ValidationFailed(errors)
    return changes


@router.post("/leads/{lead_id:rowid}")
def edit_lead(lead_id: int, page: LeadsPage, form: Form) -> Response:
    submitted = {name: field(form, name) for name in (*TEXT_FIELDS, "stage", "temperature")}
    submitted["owner_id"] = field(form, "owner_id")
    page.on_invalid(lambda errors: _detail(page, lead_id, form=submitted, errors=errors))
    with page.container.db.transaction() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        changes = _changes(page, form, lead)
        if changes:
            lead = capture.edit_lead(session, page.user, lead_id, changes)
        still_visible = can_see_lead(page.user, lead.owner_id, lead.team_id)
    if not still_visible:
        # Handed to someone else: this user may no longer open it.
        return page.redirect("/leads?notice=handed_over")
    return page.redirect(f"/leads/{lead_id}?notice=saved")


@router.get("/leads/{lead_id:rowid}/consent-evidence.json")
def consent_evidence(lead_id: int, page: LeadsPage) -> Response:
    """The lead's consent evidence bundle, signed by the server, as a download."""
    with page.container.db.read() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        document = evidence.bundle(session, lead.id, secret=page.settings.secret_key)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="consent-evidence-lead-{lead_id}.json"'
        },
    )
