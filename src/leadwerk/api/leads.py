"""/api/v1/leads: create (the intake pipeline), list with filters, read with timeline, edit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.schemas import (
    ID_MAX,
    LeadDetailOut,
    LeadIn,
    LeadOut,
    LeadPageOut,
    LeadPatch,
    Problem,
)
from leadwerk.auth.rules import lead_visibility
from leadwerk.auth.types import Principal, Scope
from leadwerk.capture import idempotency
from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.container import Container
from leadwerk.leads import queries
from leadwerk.leads import service as leads
from leadwerk.leads.types import Channel, Stage

router = APIRouter(prefix="/api/v1/leads", tags=["leads"])
LeadId = Annotated[int, Path(ge=1, le=ID_MAX)]
Reader = Annotated[Principal, Depends(require(Scope.LEADS_READ))]
Writer = Annotated[Principal, Depends(require(Scope.LEADS_WRITE))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 422)
}


@router.post(
    "",
    status_code=201,
    response_model=LeadOut,
    responses={
        200: {
            "model": LeadOut,
            "description": "The lead existed already (same email) and was updated.",
        },
        **_ERRORS,
    },
)
def create_lead(
    body: LeadIn,
    c: ContainerDep,
    who: Writer,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=idempotency.HEADER,
            max_length=idempotency.MAX_KEY_LENGTH,
            description="Send the same key again (e.g. after a timeout) to get the first "
            "answer back instead of a second intake; the same key with another body is a 409.",
        ),
    ] = None,
) -> Response:
    """Run the intake pipeline: normalise, match on the email, store, record, announce."""
    intake = Intake(**body.model_dump())
    if idempotency_key is not None:
        return _create_once(c, who, idempotency.check_key(idempotency_key), body, intake)
    with c.db.transaction() as session:
        result, lead = capture.run_intake(session, intake, actor=who.actor)
        out = LeadOut.model_validate(lead)
    # Serialised here, in the worker thread, rather than by FastAPI's response_model handling,
    # which validates the model a second time and hops to the thread pool again to do so.
    return Response(
        out.model_dump_json(),
        status_code=201 if result.created else 200,
        media_type="application/json",
        headers={"Location": f"/api/v1/leads/{result.lead_id}"},
    )


def _create_once(c: Container, who: Principal, key: str, body: LeadIn, intake: Intake) -> Response:
    def work(session: Session) -> idempotency.Answer:
        result, lead = capture.run_intake(session, intake, actor=who.actor)
        out = LeadOut.model_validate(lead).model_dump(mode="json")
        return idempotency.Answer(201 if result.created else 200, out)

    answer = idempotency.run_once(
        c.db, api_key_id=who.id, key=key, body=body.model_dump(mode="json"), work=work
    )
    headers = {"Location": f"/api/v1/leads/{answer.body['id']}"}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.get("", response_model=LeadPageOut, responses=_ERRORS)
def list_leads(
    c: ContainerDep,
    who: Reader,
    stage: Stage | None = None,
    owner_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    unowned: bool = False,
    channel: Channel | None = None,
    created_from: Annotated[datetime | None, Query(description="Inclusive, ISO 8601")] = None,
    created_to: Annotated[datetime | None, Query(description="Exclusive, ISO 8601")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in name, email or company")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = queries.DEFAULT_PAGE_SIZE,
) -> LeadPageOut:
    """Newest first, filtered; follow `next_cursor` for more."""
    spec = queries.parse_filter(
        {
            "stage": stage,
            "owner_id": owner_id,
            "unowned": str(unowned),
            "channel": channel,
            "created_from": created_from,
            "created_to": created_to,
            "q": q,
            "cursor": cursor,
            "limit": limit,
        }
    )
    with c.db.read() as session:
        page = queries.list_leads(session, spec, lead_visibility(who))
        return LeadPageOut(
            items=[LeadOut.model_validate(x) for x in page.items], next_cursor=page.next_cursor
        )


@router.get("/{lead_id}", response_model=LeadDetailOut, responses=_ERRORS)
def get_lead(lead_id: LeadId, c: ContainerDep, who: Reader) -> LeadDetailOut:
    with c.db.read() as session:
        lead = leads.get_visible_lead(session, who, lead_id)
        entries = leads.timeline(session, lead.id)
        return LeadDetailOut.model_validate(
            {
                **LeadOut.model_validate(lead).model_dump(),
                "timeline": [
                    {"at": e.at, "kind": e.kind, "title": e.title, "details": e.details}
                    for e in entries
                ],
            }
        )


@router.patch("/{lead_id}", response_model=LeadOut, responses=_ERRORS)
def patch_lead(lead_id: LeadId, body: LeadPatch, c: ContainerDep, who: Writer) -> LeadOut:
    """Change the given fields; identity fields are normalised as at intake."""
    with c.db.transaction() as session:
        lead = capture.edit_lead(session, who, lead_id, body.model_dump(exclude_unset=True))
        return LeadOut.model_validate(lead)
