"""/api/v1/consent/purposes (what a client may claim consent for, with the text ids to name)
and a lead's consent: /api/v1/leads/{id}/consents (status per purpose and the ledger history)
and /api/v1/leads/{id}/consents/evidence (the signed evidence bundle)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.schemas import ID_MAX, Problem
from leadwerk.auth.types import Principal, Scope
from leadwerk.consent import evidence, service
from leadwerk.consent.types import ConsentStatus, EventKind, Method
from leadwerk.errors import NotFound
from leadwerk.identity import merging
from leadwerk.leads import service as leads

router = APIRouter(prefix="/api/v1", tags=["consent"])
Reader = Annotated[Principal, Depends(require(Scope.LEADS_READ))]
LeadId = Annotated[int, Path(ge=1, le=ID_MAX)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (401, 403, 404, 422)
}


class TextOut(BaseModel):
    id: int
    language: str
    version: int
    text: str


class PurposeOut(BaseModel):
    name: str
    label_en: str
    label_de: str
    double_opt_in: bool
    texts: list[TextOut]


class PurposesOut(BaseModel):
    items: list[PurposeOut]


class StatusOut(BaseModel):
    purpose: str
    status: ConsentStatus
    since: datetime
    entry: int


class EntryOut(BaseModel):
    seq: int
    purpose: str
    kind: EventKind
    method: Method
    method_ref: str | None
    occurred_at: datetime
    text_id: int | None
    ip: str | None
    user_agent: str | None
    evidence: dict[str, Any] | None
    content_hash: str
    chain_hash: str


class ConsentsOut(BaseModel):
    statuses: list[StatusOut]
    history: list[EntryOut]


@router.get("/consent/purposes", response_model=PurposesOut, responses=_ERRORS)
def purposes(c: ContainerDep, who: Reader) -> PurposesOut:
    """Every purpose with every version of its texts (newest first per language): a consent
    claim names the `id` of the text the person saw."""
    with c.db.read() as session:
        return PurposesOut(
            items=[
                PurposeOut(
                    name=p.name,
                    label_en=p.label_en,
                    label_de=p.label_de,
                    double_opt_in=p.double_opt_in,
                    texts=[
                        TextOut(id=t.id, language=t.language, version=t.version, text=t.text)
                        for t in service.texts_of(session, p)
                    ],
                )
                for p in service.list_purposes(session)
            ]
        )


def _visible(session: Any, who: Principal, lead_id: int) -> None:
    try:
        leads.get_visible_lead(session, who, lead_id)
    except NotFound:
        raise merging.missing_lead(session, lead_id) from None


@router.get("/leads/{lead_id}/consents", response_model=ConsentsOut, responses=_ERRORS)
def lead_consents(lead_id: LeadId, c: ContainerDep, who: Reader) -> ConsentsOut:
    """The lead's status per purpose (its latest ledger entry decides) and every entry,
    newest first."""
    with c.db.read() as session:
        _visible(session, who, lead_id)
        statuses = service.statuses(session, lead_id)
        return ConsentsOut(
            statuses=[
                StatusOut(purpose=p, status=s.status, since=s.event.occurred_at, entry=s.event.seq)
                for p, s in sorted(statuses.items())
            ],
            history=[
                EntryOut.model_validate(e, from_attributes=True)
                for e in service.history(session, lead_id)
            ],
        )


@router.get("/leads/{lead_id}/consents/evidence", responses=_ERRORS)
def lead_evidence(lead_id: LeadId, c: ContainerDep, who: Reader) -> JSONResponse:
    """The signed evidence bundle of the lead's consent (JSON, as a download)."""
    with c.db.read() as session:
        _visible(session, who, lead_id)
        document = evidence.bundle(session, lead_id, secret=c.settings.secret_key)
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": f'attachment; filename="consent-evidence-lead-{lead_id}.json"'
        },
    )
