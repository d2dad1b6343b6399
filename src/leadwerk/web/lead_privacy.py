"""A lead's data subject rights in the UI, for whoever holds `privacy:manage`: the export as a
ZIP (Art. 15 and 20), restriction of processing and its lifting (Art. 18), objections to
profiling and to direct marketing (Art. 21), and erasure (Art. 17) behind a page that asks
for confirmation. The same domain calls as the API (`api/privacy.py`) and the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadwerk.auth.rules import allows
from leadwerk.auth.types import Scope
from leadwerk.consent import privacy
from leadwerk.errors import PermissionDenied, ValidationFailed
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead
from leadwerk.web.context import Form, Page, field, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
LeadsPage = Annotated[Page, Depends(require_area("leads"))]
# After a redirect to the lead's page (leads.py shows them) and to the list (`erased`).
NOTICES = {
    "restricted": N_(
        "Processing is restricted: no marketing, scoring or automation for this person until "
        "the restriction is lifted."
    ),
    "restriction_lifted": N_("The restriction was lifted."),
    "objected_profiling": N_(
        "The objection to profiling was recorded: no scoring for this person, and the "
        "profiling consent is withdrawn."
    ),
    "objected_marketing": N_(
        "The objection to direct marketing was recorded: every consent in force is withdrawn "
        "and the address and number are suppressed."
    ),
    "erased": N_(
        "The person was erased. Their address and number are kept only as keyed hashes, so no "
        "import brings them back into marketing."
    ),
}
CONFIRM_MISMATCH = N_("Type the lead's number, %(id)d, to confirm.")


def _officer(page: Page) -> None:
    if not allows(page.user, Scope.PRIVACY_MANAGE):
        raise PermissionDenied("Data subject rights need the permission privacy:manage.")


def card(page: Page, session: Session, lead: Lead) -> dict[str, Any] | None:
    """The privacy card of the lead's page, or None for someone who may not use it."""
    if not allows(page.user, Scope.PRIVACY_MANAGE):
        return None
    suppressed = privacy.is_suppressed(
        session, page.settings.secret_key, email_key=lead.email_key, phone=lead.phone
    )
    return {"suppressed": suppressed}


@router.get("/leads/{lead_id:rowid}/export.zip")
def export(lead_id: int, page: LeadsPage) -> Response:
    """Everything about the person as a ZIP: person.json, a CSV per part, the evidence."""
    _officer(page)
    secret = page.settings.secret_key
    with page.container.db.read() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        files = privacy.export_files(privacy.export(session, lead.id, secret=secret))
    return Response(
        privacy.export_archive(files),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="lead-{lead_id}-export.zip"'},
    )


@router.post("/leads/{lead_id:rowid}/restrict")
def restrict(lead_id: int, page: LeadsPage, form: Form) -> Response:
    _officer(page)
    restricted = field(form, "restricted") != "0"
    with page.container.db.transaction() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        privacy.restrict(session, lead.id, actor=page.user.actor, restricted=restricted)
    notice = "restricted" if restricted else "restriction_lifted"
    return page.redirect(f"/leads/{lead_id}?notice={notice}#privacy")


@router.post("/leads/{lead_id:rowid}/object")
def record_objection(lead_id: int, page: LeadsPage, form: Form) -> Response:
    _officer(page)
    to = field(form, "to")
    if to not in ("profiling", "marketing"):
        raise ValidationFailed({"to": N_("Choose one of the values offered.")})
    with page.container.db.transaction() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        if to == "profiling":
            privacy.object_to_profiling(session, lead.id, actor=page.user.actor)
        else:
            privacy.object_to_marketing(
                session, lead.id, actor=page.user.actor, secret=page.settings.secret_key
            )
    return page.redirect(f"/leads/{lead_id}?notice=objected_{to}#privacy")


def _confirm_page(page: Page, lead_id: int, errors: dict[str, str] | None = None) -> Response:
    with page.container.db.read() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        return page.render(
            "leads/erase.html", {"area": "leads", "lead": lead, "errors": errors or {}}
        )


@router.get("/leads/{lead_id:rowid}/erase")
def confirm_erase(lead_id: int, page: LeadsPage) -> Response:
    _officer(page)
    return _confirm_page(page, lead_id)


@router.post("/leads/{lead_id:rowid}/erase")
def erase(lead_id: int, page: LeadsPage, form: Form) -> Response:
    _officer(page)
    page.on_invalid(lambda errors: _confirm_page(page, lead_id, errors))
    if field(form, "confirm").strip() != str(lead_id):
        message = page.gettext(CONFIRM_MISMATCH) % {"id": lead_id}
        raise ValidationFailed({"confirm": message})
    db = page.container.db
    with db.transaction() as session:
        lead = leads.get_visible_lead(session, page.user, lead_id)
        privacy.erase(session, lead.id, actor=page.user.actor, secret=page.settings.secret_key)
    db.scrub()
    return page.redirect("/leads?notice=erased")
