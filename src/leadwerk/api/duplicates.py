"""/api/v1/duplicates (the review queue: list, merge a pair, mark it not a duplicate, decide
many) and /api/v1/merges (merge two leads, read a merge, undo it). All need `leads:merge`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.duplicate_schemas import (
    BulkDecisionIn,
    BulkItemOut,
    BulkOut,
    EvidenceOut,
    MergeIn,
    MergeOut,
    PairMergeIn,
    PairOut,
    PairPageOut,
)
from leadwerk.api.schemas import ID_MAX, LeadOut, Problem
from leadwerk.auth.types import Principal, Scope
from leadwerk.errors import NotFound
from leadwerk.identity import queries, review
from leadwerk.identity.models import LeadMerge
from leadwerk.identity.types import PairStatus

router = APIRouter(prefix="/api/v1/duplicates", tags=["duplicates"])
merges_router = APIRouter(prefix="/api/v1/merges", tags=["duplicates"])
Steward = Annotated[Principal, Depends(require(Scope.LEADS_MERGE))]
PairId = Annotated[int, Path(ge=1, le=ID_MAX)]
MergeId = Annotated[int, Path(ge=1, le=ID_MAX)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 422)
}


def _pair_out(view: queries.PairView) -> PairOut:
    pair = view.pair
    return PairOut(
        id=pair.id,
        probability=pair.probability,
        status=pair.status,
        found_at=pair.found_at,
        decided_at=pair.decided_at,
        decided_by=pair.decided_by,
        left=LeadOut.model_validate(view.left),
        right=LeadOut.model_validate(view.right),
        evidence=[EvidenceOut.model_validate(e) for e in pair.evidence],
    )


def _merge_out(record: LeadMerge, status_code: int = 200) -> JSONResponse:
    out = MergeOut.model_validate(record)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=status_code,
        headers={"Location": f"/api/v1/merges/{record.id}"},
    )


@router.get("", response_model=PairPageOut, responses=_ERRORS)
def list_pairs(
    c: ContainerDep,
    who: Steward,
    status: PairStatus = PairStatus.OPEN,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = queries.DEFAULT_PAGE_SIZE,
) -> PairPageOut:
    """Pairs of leads that may be one person, most likely first, each with both leads and
    the explanation per field."""
    spec = queries.parse_filter(
        {
            "status": status.value,
            "min_probability": min_probability,
            "max_probability": max_probability,
            "cursor": cursor,
            "limit": limit,
        }
    )
    with c.db.read() as session:
        page = queries.list_pairs(session, spec)
        return PairPageOut(
            items=[_pair_out(view) for view in page.items], next_cursor=page.next_cursor
        )


@router.get("/{pair_id}", response_model=PairOut, responses=_ERRORS)
def get_pair(pair_id: PairId, c: ContainerDep, who: Steward) -> PairOut:
    with c.db.read() as session:
        view = queries.get_pair(session, pair_id)
        if view is None:
            raise NotFound(f"There is no duplicate pair {pair_id}.")
        return _pair_out(view)


@router.post(
    "/{pair_id}:merge",
    status_code=201,
    response_model=MergeOut,
    responses={**_ERRORS, 201: {"description": "Merged; `Location` names the merge."}},
)
def merge_pair(
    pair_id: PairId, c: ContainerDep, who: Steward, body: PairMergeIn | None = None
) -> JSONResponse:
    """Merge the pair's two leads; `keep` picks the lead that stays (default the older)."""
    with c.db.transaction() as session:
        record = review.merge_pair(
            session,
            who,
            pair_id,
            keep=body.keep if body else None,
            priority=c.settings.identity_source_priority,
        )
        return _merge_out(record, 201)


@router.post(":decide", response_model=BulkOut, responses=_ERRORS)
def decide_pairs(body: BulkDecisionIn, c: ContainerDep, who: Steward) -> BulkOut:
    """The same decision for many pairs; each answered on its own (a pair that cannot be
    decided any more does not stop the others). Merges keep each pair's older lead."""
    outcomes = review.decide_pairs(
        c.db,
        who,
        body.pair_ids,
        review.Decision(body.decision),
        priority=c.settings.identity_source_priority,
    )
    return BulkOut(
        items=[
            BulkItemOut(pair_id=o.pair_id, ok=o.ok, message=o.message, merge_id=o.merge_id)
            for o in outcomes
        ]
    )


@router.post("/{pair_id}:dismiss", response_model=PairOut, responses=_ERRORS)
def dismiss_pair(pair_id: PairId, c: ContainerDep, who: Steward) -> PairOut:
    """Not a duplicate: the two leads are different people, and no search offers them again."""
    with c.db.transaction() as session:
        review.dismiss_pair(session, who, pair_id)
        view = queries.get_pair(session, pair_id)
        assert view is not None
        return _pair_out(view)


@merges_router.post(
    "",
    status_code=201,
    response_model=MergeOut,
    responses={**_ERRORS, 201: {"description": "Merged; `Location` names the merge."}},
)
def merge_leads(body: MergeIn, c: ContainerDep, who: Steward) -> JSONResponse:
    """Merge lead `other_lead_id` into lead `keep_lead_id`: survivorship decides each field,
    everything of the other lead moves over, its address keeps finding the lead."""
    with c.db.transaction() as session:
        record = review.merge(
            session,
            who,
            keep=body.keep_lead_id,
            other=body.other_lead_id,
            priority=c.settings.identity_source_priority,
        )
        return _merge_out(record, 201)


@merges_router.get("/{merge_id}", response_model=MergeOut, responses=_ERRORS)
def get_merge(merge_id: MergeId, c: ContainerDep, who: Steward) -> JSONResponse:
    with c.db.read() as session:
        record = session.get(LeadMerge, merge_id)
        if record is None:
            raise NotFound(f"There is no merge {merge_id}.")
        return _merge_out(record)


@merges_router.post("/{merge_id}:undo", response_model=MergeOut, responses=_ERRORS)
def undo_merge(merge_id: MergeId, c: ContainerDep, who: Steward) -> JSONResponse:
    """Bring the merged lead back under its id, as it was plus what came in through its
    address since; the survivor gets back what the merge changed and nobody changed since."""
    with c.db.transaction() as session:
        record = review.undo(session, who, merge_id)
        return _merge_out(record)
