"""What a person does with duplicates (the review queue, a lead's page, the API, the CLI):
merge a pair or two named leads, mark a pair "not a duplicate", undo a merge. Each checks the
`leads:merge` permission and that the caller may see both leads, then calls
`identity.merging`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth.rules import allows
from leadwerk.auth.types import Principal, Scope
from leadwerk.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from leadwerk.identity import merging
from leadwerk.identity.models import DuplicatePair, LeadMerge
from leadwerk.identity.types import MergeReason, PairStatus
from leadwerk.leads import service as leads
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

MAX_BULK = 200


class Decision(StrEnum):
    MERGE = "merge"
    NOT_DUPLICATE = "not_duplicate"


def _require(principal: Principal) -> None:
    if not allows(principal, Scope.LEADS_MERGE):
        raise PermissionDenied("Merging leads needs the leads:merge permission.")


def _open_pair(session: Session, principal: Principal, pair_id: int) -> DuplicatePair:
    pair = session.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFound(f"There is no duplicate pair {pair_id}.")
    leads.get_visible_lead(session, principal, pair.left_lead_id)
    leads.get_visible_lead(session, principal, pair.right_lead_id)
    if pair.status is not PairStatus.OPEN:
        raise Conflict(f"Pair {pair_id} was decided already ({pair.status.value}).")
    return pair


def merge(
    session: Session,
    principal: Principal,
    *,
    keep: int,
    other: int,
    priority: Sequence[str],
    reason: MergeReason = MergeReason.MANUAL,
    probability: float | None = None,
    evidence: list[dict[str, object]] | None = None,
) -> LeadMerge:
    """Merge lead `other` into lead `keep`."""
    _require(principal)
    if keep == other:
        raise ValidationFailed({"other_lead_id": "A lead cannot be merged with itself."})
    for lead_id in (keep, other):
        try:
            leads.get_visible_lead(session, principal, lead_id)
        except NotFound:
            merge_record = merging.merged_into(session, lead_id)
            if merge_record is None:
                raise
            raise Conflict(
                f"Lead {lead_id} was merged into lead {merge_record.survivor_id} already "
                f"(merge {merge_record.id})."
            ) from None
    return merging.merge_leads(
        session,
        survivor_id=keep,
        merged_id=other,
        actor=principal.actor,
        reason=reason,
        priority=priority,
        probability=probability,
        evidence=evidence,
    )


def merge_pair(
    session: Session,
    principal: Principal,
    pair_id: int,
    *,
    keep: int | None,
    priority: Sequence[str],
) -> LeadMerge:
    """Merge an open pair; `keep` is the lead that stays (either of the two; default the
    older one, the pair's left lead)."""
    _require(principal)
    pair = _open_pair(session, principal, pair_id)
    ids = (pair.left_lead_id, pair.right_lead_id)
    survivor = ids[0] if keep is None else keep
    if survivor not in ids:
        raise ValidationFailed({"keep": f"Keep lead {ids[0]} or lead {ids[1]} of this pair."})
    other = ids[1] if survivor == ids[0] else ids[0]
    return merge(
        session,
        principal,
        keep=survivor,
        other=other,
        priority=priority,
        reason=MergeReason.REVIEW,
        probability=pair.probability,
        evidence=pair.evidence,
    )


def dismiss_pair(session: Session, principal: Principal, pair_id: int) -> DuplicatePair:
    """Mark an open pair "not a duplicate": the search never offers it again."""
    _require(principal)
    pair = _open_pair(session, principal, pair_id)
    pair.status = PairStatus.NOT_DUPLICATE
    pair.decided_at = utcnow()
    pair.decided_by = principal.actor
    for lead_id, other in (
        (pair.left_lead_id, pair.right_lead_id),
        (pair.right_lead_id, pair.left_lead_id),
    ):
        audit.record(
            session,
            actor=principal.actor,
            action="lead.not_duplicate",
            subject_type="lead",
            subject_id=lead_id,
            details={"pair_id": pair.id, "other_lead_id": other},
        )
    session.flush()
    return pair


def undo(session: Session, principal: Principal, merge_id: int) -> LeadMerge:
    """Undo a merge (`merging.undo_merge` says why one cannot be undone)."""
    _require(principal)
    record = session.get(LeadMerge, merge_id)
    if (
        record is not None
        and record.undone_at is None
        and leads.lead_exists(session, record.survivor_id)
    ):
        leads.get_visible_lead(session, principal, record.survivor_id)
    return merging.undo_merge(session, merge_id, actor=principal.actor)


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    pair_id: int
    ok: bool
    message: str  # what happened, or what went wrong
    merge_id: int | None = None
    survivor_id: int | None = None  # the lead a merge kept


def decide_pairs(
    db: Database,
    principal: Principal,
    pair_ids: Sequence[int],
    decision: Decision,
    *,
    priority: Sequence[str],
) -> list[BulkOutcome]:
    """The same decision for many pairs (the queue's bulk actions): each in a savepoint of
    one transaction, so one that cannot be done (decided meanwhile, a lead merged by an
    earlier pair of the list) is reported and the others still happen. Merges keep each
    pair's older lead."""
    _require(principal)
    if not pair_ids:
        raise ValidationFailed({"pair_ids": "Choose at least one pair."})
    if len(pair_ids) > MAX_BULK:
        raise ValidationFailed({"pair_ids": f"At most {MAX_BULK} pairs at a time."})
    outcomes: list[BulkOutcome] = []
    with db.transaction() as session:
        for pair_id in dict.fromkeys(pair_ids):
            try:
                with session.begin_nested():
                    if decision is Decision.MERGE:
                        record = merge_pair(
                            session, principal, pair_id, keep=None, priority=priority
                        )
                        outcomes.append(
                            BulkOutcome(pair_id, True, "merged", record.id, record.survivor_id)
                        )
                    else:
                        dismiss_pair(session, principal, pair_id)
                        outcomes.append(BulkOutcome(pair_id, True, "not a duplicate"))
            except DomainError as exc:
                outcomes.append(BulkOutcome(pair_id, False, exc.message))
    return outcomes
