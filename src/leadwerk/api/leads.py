"""/api/v1/leads: create (the intake pipeline, one or a batch), list with filters, read with
timeline, edit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from leadwerk.api import problems
from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.schemas import (
    ID_MAX,
    LeadBatchIn,
    LeadBatchItemOut,
    LeadBatchOut,
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
from leadwerk.capture.quality.service import look_up_early
from leadwerk.capture.types import Intake
from leadwerk.container import Container
from leadwerk.errors import NotFound, ValidationFailed
from leadwerk.identity import merging
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
    intake = body.to_intake()
    look_up_early([intake.email], c.mx_lookup)  # before the transaction: no lock waits on DNS
    if idempotency_key is not None:
        return _create_once(c, who, idempotency.check_key(idempotency_key), body, intake)
    with c.db.transaction() as session:
        result, lead = capture.run_intake(
            session, intake, actor=who.actor, mx=c.mx_lookup, links=c.consent_links
        )
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
        result, lead = capture.run_intake(
            session, intake, actor=who.actor, mx=c.mx_lookup, links=c.consent_links
        )
        out = LeadOut.model_validate(lead).model_dump(mode="json")
        return idempotency.Answer(201 if result.created else 200, out)

    answer = idempotency.run_once(
        c.db, api_key_id=who.id, key=key, body=body.model_dump(mode="json"), work=work
    )
    headers = {"Location": f"/api/v1/leads/{answer.body['id']}"}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post(
    ":batch",
    response_model=LeadBatchOut,
    responses={**_ERRORS, 200: {"description": "Every item answered in `items`, in order."}},
)
def create_leads_batch(
    body: LeadBatchIn,
    c: ContainerDep,
    who: Writer,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=idempotency.HEADER,
            max_length=idempotency.MAX_KEY_LENGTH,
            description="As for `POST /api/v1/leads`: a replay gets the first answer back.",
        ),
    ] = None,
) -> Response:
    """Run the intake pipeline for up to 1,000 leads in one transaction, one savepoint each.

    The answer is 200 when the batch itself is well formed; each item has its own status
    (201, 200 or 422 with the field errors), and invalid items leave the valid ones stored.
    """
    parsed: list[Intake | list[dict[str, str]]] = []
    for item in body.leads:
        if not isinstance(item, dict):
            parsed.append([{"field": "body", "message": "Each item must be a JSON object."}])
            continue
        try:
            parsed.append(LeadIn.model_validate(item).to_intake())
        except PydanticValidationError as exc:
            parsed.append(problems.field_errors(exc.errors()))

    intakes = [p for p in parsed if isinstance(p, Intake)]
    look_up_early([i.email for i in intakes], c.mx_lookup)

    def work(session: Session) -> idempotency.Answer:
        answers = iter(
            capture.run_intake_batch(
                session, intakes, actor=who.actor, mx=c.mx_lookup, links=c.consent_links
            )
        )
        items: list[LeadBatchItemOut] = []
        for index, entry in enumerate(parsed):
            if not isinstance(entry, Intake):
                items.append(LeadBatchItemOut(index=index, status=422, errors=entry))
                continue
            answer = next(answers)
            if isinstance(answer, ValidationFailed):
                errors = [{"field": f, "message": m} for f, m in answer.errors.items()]
                items.append(LeadBatchItemOut(index=index, status=422, errors=errors))
            else:
                result, lead = answer
                status = 201 if result.created else 200
                lead_out = LeadOut.model_validate(lead)
                items.append(LeadBatchItemOut(index=index, status=status, lead=lead_out))
        out = LeadBatchOut(
            created=sum(i.status == 201 for i in items),
            updated=sum(i.status == 200 for i in items),
            failed=sum(i.status == 422 for i in items),
            items=items,
        )
        return idempotency.Answer(200, out.model_dump(mode="json"))

    if idempotency_key is None:
        with c.db.transaction() as session:
            answer = work(session)
        return JSONResponse(answer.body)
    answer = idempotency.run_once(
        c.db,
        api_key_id=who.id,
        key=idempotency.check_key(idempotency_key),
        body=body.model_dump(),  # the items as parsed from JSON (mode="json" refuses surrogates)
        work=work,
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
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
        try:
            lead = leads.get_visible_lead(session, who, lead_id)
        except NotFound:
            raise merging.missing_lead(session, lead_id) from None
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
