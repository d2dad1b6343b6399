"""Data subject rights over the API (scope `privacy:manage`): export a person's data as a ZIP,
erase them, restrict processing, record an objection."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.schemas import ID_MAX, Problem
from leadwerk.auth.types import Principal, Scope
from leadwerk.consent import privacy
from leadwerk.errors import NotFound
from leadwerk.identity import merging
from leadwerk.leads import service as leads

router = APIRouter(prefix="/api/v1/leads", tags=["privacy"])
Officer = Annotated[Principal, Depends(require(Scope.PRIVACY_MANAGE))]
LeadId = Annotated[int, Path(ge=1, le=ID_MAX)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (401, 403, 404, 422)
}


class ErasureOut(BaseModel):
    lead_id: int
    removed: dict[str, int]
    ledger_entries_redacted: int


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["profiling", "marketing"]


class RestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    restricted: bool = True


class PrivacyStateOut(BaseModel):
    lead_id: int
    restricted: bool
    profiling_objected: bool


def _visible(session: Session, who: Principal, lead_id: int) -> None:
    try:
        leads.get_visible_lead(session, who, lead_id)
    except NotFound:
        raise merging.missing_lead(session, lead_id) from None


@router.get("/{lead_id}/export", responses={**_ERRORS, 200: {"content": {"application/zip": {}}}})
def export(lead_id: LeadId, c: ContainerDep, who: Officer) -> Response:
    """Everything about the person (GDPR Art. 15 and 20) as a ZIP: person.json, a CSV per part,
    consent-evidence.json."""
    with c.db.read() as session:
        _visible(session, who, lead_id)
        files = privacy.export_files(privacy.export(session, lead_id, secret=c.settings.secret_key))
    return Response(
        privacy.export_archive(files),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="lead-{lead_id}-export.zip"'},
    )


@router.post("/{lead_id}:erase", response_model=ErasureOut, responses=_ERRORS)
def erase(lead_id: LeadId, c: ContainerDep, who: Officer) -> ErasureOut:
    """Erase the person (GDPR Art. 17); cannot be undone (see docs/consent.md)."""
    with c.db.transaction() as session:
        _visible(session, who, lead_id)
        report = privacy.erase(session, lead_id, actor=who.actor, secret=c.settings.secret_key)
    c.db.scrub()
    return ErasureOut(
        lead_id=report.lead_id, removed=report.removed, ledger_entries_redacted=report.redacted
    )


@router.post("/{lead_id}:restrict", response_model=PrivacyStateOut, responses=_ERRORS)
def restrict(
    lead_id: LeadId, c: ContainerDep, who: Officer, body: RestrictionIn | None = None
) -> PrivacyStateOut:
    """Restrict processing (GDPR Art. 18), or lift it with `{"restricted": false}`."""
    with c.db.transaction() as session:
        _visible(session, who, lead_id)
        lead = privacy.restrict(
            session, lead_id, actor=who.actor, restricted=body.restricted if body else True
        )
        return _state(lead_id, lead.restricted_at is not None, lead.profiling_objected_at)


@router.post("/{lead_id}:object", response_model=PrivacyStateOut, responses=_ERRORS)
def record_objection(
    lead_id: LeadId, body: ObjectionIn, c: ContainerDep, who: Officer
) -> PrivacyStateOut:
    """An objection (GDPR Art. 21) to `profiling` or to direct `marketing`."""
    with c.db.transaction() as session:
        _visible(session, who, lead_id)
        if body.to == "profiling":
            lead = privacy.object_to_profiling(session, lead_id, actor=who.actor)
        else:
            lead = privacy.object_to_marketing(
                session, lead_id, actor=who.actor, secret=c.settings.secret_key
            )
        return _state(lead_id, lead.restricted_at is not None, lead.profiling_objected_at)


def _state(lead_id: int, restricted: bool, objected: object) -> PrivacyStateOut:
    return PrivacyStateOut(
        lead_id=lead_id, restricted=restricted, profiling_objected=objected is not None
    )
