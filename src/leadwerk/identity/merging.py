"""Merging one lead into another, and undoing it (docs/design/identity.md, "Merge and unmerge").

`merge_leads` folds `merged` into `survivor` inside the caller's transaction: survivorship
decides each field (`identity.survivorship`), every row of every table that points to the
merged lead moves to the survivor (the tables are read from the database's own foreign keys,
so tables added later move too), the merged lead's addresses become aliases of the survivor,
its duplicate pairs are kept in the record, and the merged lead is deleted. The `lead_merges`
row holds everything `undo_merge` needs to bring it back under its own id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.delivery import service as delivery
from leadwerk.errors import Conflict, NotFound
from leadwerk.identity import service as identity
from leadwerk.identity import survivorship
from leadwerk.identity.models import DuplicatePair, EmailAlias, LeadMerge
from leadwerk.identity.types import MergeReason, PairStatus
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.base import EnumValue, UTCDateTime, in_slices, utcnow
from leadwerk.storage.references import references

_leads = cast(Table, Lead.__table__)
_pairs = cast(Table, DuplicatePair.__table__)
# Moved by their own rules, not by the generic move.
_OWN_RULES = frozenset({"duplicate_pairs"})
# Set by the merge as survivorship decides; everything else of the row stays as it is.
_DECIDED = frozenset(
    {
        *(name for group in survivorship.GROUPS.values() for name in group),
        *survivorship.FIRST_TOUCH,
        "created_at",
        "stage",
        "temperature",
        *survivorship.SCORES,
        "grade",
        "owner_id",
        "team_id",
        "account_id",
        "attributes",
        "last_activity_at",
        *survivorship.PRIVACY,
    }
)

_ALIASES_OF = select(EmailAlias.email_key).where(EmailAlias.lead_id == bindparam("lead_id"))


def lead_references(connection: Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `leads.id` in this database but those with
    rules of their own."""
    return [ref for ref in references(connection, "leads") if ref[0] not in _OWN_RULES]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _row(lead: Lead) -> dict[str, Any]:
    """The lead's whole row as JSON values."""
    return {column.key: _json(getattr(lead, column.key)) for column in _leads.columns}


def _from_json(name: str, value: Any) -> Any:
    column = _leads.columns[name]
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, EnumValue):
        return column.type.enum_type(value)
    return value


def _values(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in (*_DECIDED, "updated_at")}


def _lock(session: Session, lead_ids: Iterable[int], email_keys: Iterable[str | None]) -> None:
    """The addresses' intake locks (in order), then the rows (in id order): an intake of
    either address waits for the merge, and two merges of one lead run one after the other."""
    for key in sorted({k for k in email_keys if k}):
        identity.lock_email_key(session, key)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(_leads.c.id).where(_leads.c.id.in_(sorted(lead_ids))).with_for_update()
        )


def merged_into(session: Session, lead_id: int) -> LeadMerge | None:
    """The merge in force that took this lead away, if any."""
    return session.scalars(
        select(LeadMerge)
        .where(LeadMerge.merged_id == lead_id, LeadMerge.undone_at.is_(None))
        .order_by(LeadMerge.id.desc())
        .limit(1)
    ).first()


MAX_MERGE_CHAIN = 50  # merges followed from a merged lead to the lead it lives on in


def current_survivor(session: Session, lead_id: int) -> tuple[LeadMerge, Lead] | None:
    """For the id of a lead merged away: the merge that took it and the lead it lives on in
    now, following the merges of its survivor since; None if no merge in force took it."""
    first = record = merged_into(session, lead_id)
    for _ in range(MAX_MERGE_CHAIN):
        if first is None or record is None:
            return None
        survivor = session.get(Lead, record.survivor_id)
        if survivor is not None:
            return first, survivor
        record = merged_into(session, record.survivor_id)
    return None


def missing_lead(session: Session, lead_id: int) -> NotFound:
    """What to say of a lead id that finds no lead: where it went, if a merge took it."""
    merge = merged_into(session, lead_id)
    if merge is not None:
        return NotFound(
            f"Lead {lead_id} was merged into lead {merge.survivor_id} (merge {merge.id})."
        )
    return NotFound(f"There is no lead {lead_id}.")


def _get_lead(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None:
        raise missing_lead(session, lead_id)
    return lead


def merge_leads(
    session: Session,
    *,
    survivor_id: int,
    merged_id: int,
    actor: str,
    reason: MergeReason,
    priority: Sequence[str] = (),
    probability: float | None = None,
    evidence: list[dict[str, Any]] | None = None,
) -> LeadMerge:
    """Fold lead `merged_id` into lead `survivor_id` (which keeps its id); returns the record.
    `priority` is the source priority of survivorship (`LEADWERK_IDENTITY_SOURCE_PRIORITY`)."""
    if survivor_id == merged_id:
        raise Conflict("A lead cannot be merged with itself.")
    survivor, merged = _get_lead(session, survivor_id), _get_lead(session, merged_id)
    _lock(session, (survivor_id, merged_id), (survivor.email_key, merged.email_key))
    survivor, merged = _get_lead(session, survivor_id), _get_lead(session, merged_id)
    survivor_before, merged_before = _row(survivor), _row(merged)
    outcome = survivorship.survive(_values(survivor), _values(merged), priority=priority)
    now = utcnow()

    session.flush()
    moved = _move_rows(session.connection(), merged_id, survivor_id)
    removed_pairs, carried = _fold_pairs(session, merged_id, survivor_id, actor, now)
    session.expunge(merged)
    session.execute(delete(_leads).where(_leads.c.id == merged_id))

    changes = survivorship.changed(_values(survivor), outcome.values)
    for name, value in changes.items():
        if name == "stage":
            leads.change_stage(
                session, survivor, value, actor=actor, reason=f"merged with lead {merged_id}"
            )
        else:
            setattr(survivor, name, value)
    survivor.updated_at = now
    leads.refresh_search_text(survivor)
    record = LeadMerge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        merged_at=now,
        merged_by=actor,
        reason=reason,
        probability=probability,
        evidence=evidence or [],
        survivor_before=survivor_before,
        merged_before=merged_before,
        survivor_after={name: _json(value) for name, value in changes.items()},
        decisions=[d.to_dict() for d in outcome.decisions],
        moved=moved,
        pairs={"removed": removed_pairs, "carried": carried},
    )
    session.add(record)
    session.flush()
    kept_key = survivor.email_key
    for key in (merged_before["email_key"], survivor_before["email_key"]):
        if key and key != kept_key and session.scalar(_alias_of(key)) is None:
            session.add(EmailAlias(email_key=key, lead_id=survivor_id, merge_id=record.id))
    session.flush()
    details = {"merge_id": record.id, "merged_id": merged_id, "reason": reason.value}
    audit.record(
        session,
        actor=actor,
        action="lead.merged",
        subject_type="lead",
        subject_id=survivor_id,
        details={**details, "decisions": record.decisions},
    )
    audit.record(
        session,
        actor=actor,
        action="lead.merged_into",
        subject_type="lead",
        subject_id=merged_id,
        details={"merge_id": record.id, "survivor_id": survivor_id, "reason": reason.value},
    )
    delivery.publish(
        session,
        "lead.merged",
        {"merge_id": record.id, "merged_id": merged_id, "lead": leads.to_document(survivor)},
    )
    return record


def _alias_of(email_key: str) -> Any:
    return select(EmailAlias.id).where(EmailAlias.email_key == email_key)


def _move_rows(connection: Connection, source: int, target: int) -> dict[str, list[int]]:
    """Every row pointing to lead `source` points to `target` after; their ids per
    `table.column`."""
    moved: dict[str, list[int]] = {}
    for table_name, column_name in lead_references(connection):
        rows = sql_table(table_name, sql_column("id"), sql_column(column_name))
        ids = connection.execute(
            update(rows)
            .where(rows.c[column_name] == source)
            .values({column_name: target})
            .returning(rows.c.id)
        ).scalars()
        found = sorted(int(i) for i in ids)
        if found:
            moved[f"{table_name}.{column_name}"] = found
    return moved


def _move_back(
    connection: Connection, moved: dict[str, list[int]], source: int, target: int
) -> None:
    """The rows a merge moved, back from `source` to `target` (those still on `source`)."""
    for name, ids in moved.items():
        table_name, column_name = name.split(".", 1)
        rows = sql_table(table_name, sql_column("id"), sql_column(column_name))
        for part in in_slices(ids):
            connection.execute(
                update(rows)
                .where(rows.c.id.in_(part), rows.c[column_name] == source)
                .values({column_name: target})
            )


def _pair_row(pair: DuplicatePair) -> dict[str, Any]:
    return {column.key: _json(getattr(pair, column.key)) for column in _pairs.columns}


def _fold_pairs(
    session: Session, merged_id: int, survivor_id: int, actor: str, now: datetime
) -> tuple[list[dict[str, Any]], list[int]]:
    """The merged lead's pairs, kept in the record and removed; a "not a duplicate" it had
    with a third lead carries over to the survivor (ids of the carried pairs returned)."""
    pairs = list(
        session.scalars(
            select(DuplicatePair).where(
                or_(
                    DuplicatePair.left_lead_id == merged_id,
                    DuplicatePair.right_lead_id == merged_id,
                )
            )
        )
    )
    removed = [_pair_row(p) for p in pairs]
    carried: list[int] = []
    for pair in pairs:
        other = pair.right_lead_id if pair.left_lead_id == merged_id else pair.left_lead_id
        session.delete(pair)
        if pair.status is not PairStatus.NOT_DUPLICATE or other == survivor_id:
            continue
        left, right = min(other, survivor_id), max(other, survivor_id)
        exists = session.scalar(
            select(DuplicatePair.id).where(
                DuplicatePair.left_lead_id == left, DuplicatePair.right_lead_id == right
            )
        )
        if exists is None:
            new = DuplicatePair(
                left_lead_id=left,
                right_lead_id=right,
                probability=pair.probability,
                evidence=pair.evidence,
                model_id=pair.model_id,
                status=PairStatus.NOT_DUPLICATE,
                found_at=pair.found_at,
                decided_at=now,
                decided_by=pair.decided_by or actor,
            )
            session.add(new)
            session.flush()
            carried.append(new.id)
    session.flush()
    return removed, carried


def undo_merge(session: Session, merge_id: int, *, actor: str) -> LeadMerge:
    """Bring the merged lead back under its own id, as it was plus what came in through its
    addresses since; give the survivor back what the merge changed and nobody changed since;
    remember the pair as "not a duplicate". Undo runs from the latest merge back: a survivor
    merged on must come back first."""
    record = session.get(LeadMerge, merge_id)
    if record is None:
        raise NotFound(f"There is no merge {merge_id}.")
    if record.undone_at is not None:
        raise Conflict(f"Merge {merge_id} was undone already.")
    survivor = session.get(Lead, record.survivor_id)
    if survivor is None:
        later = merged_into(session, record.survivor_id)
        if later is not None:
            raise Conflict(
                f"Lead {record.survivor_id} was merged into lead {later.survivor_id} afterwards "
                f"(merge {later.id}); undo that merge first."
            )
        raise Conflict(f"Lead {record.survivor_id} no longer exists; the merge cannot be undone.")
    if session.get(Lead, record.merged_id) is not None:  # pragma: no cover - ids are not reused
        raise Conflict(f"Lead {record.merged_id} exists again; the merge cannot be undone.")
    before, after = record.survivor_before, record.survivor_after
    merged_key = record.merged_before.get("email_key")
    _lock(session, (record.survivor_id,), (survivor.email_key, merged_key))
    survivor = _get_lead(session, record.survivor_id)
    now = utcnow()
    connection = session.connection()

    connection.execute(
        insert(_leads).values(
            {name: _from_json(name, value) for name, value in record.merged_before.items()}
        )
    )
    _move_back(connection, record.moved, record.survivor_id, record.merged_id)
    restored = _get_lead(session, record.merged_id)
    # what came in through the merged lead's addresses since the merge goes with it
    keys = {merged_key, *session.scalars(_ALIASES_OF, {"lead_id": record.merged_id})} - {None}
    since = session.scalars(
        select(Touchpoint).where(
            Touchpoint.lead_id == record.survivor_id, Touchpoint.email_key.in_(sorted(keys))
        )
    )
    for tp in since:
        tp.lead_id = record.merged_id
        last = restored.last_activity_at
        restored.last_activity_at = tp.occurred_at if last is None else max(last, tp.occurred_at)

    current = {name: _json(getattr(survivor, name)) for name in after}
    for name, value in survivorship.to_restore(before, after, current).items():
        value = _from_json(name, value)
        if name == "stage":
            leads.change_stage(
                session, survivor, value, actor=actor, reason=f"merge {merge_id} undone"
            )
        else:
            setattr(survivor, name, value)
    survivor.updated_at = now
    leads.refresh_search_text(survivor)
    session.flush()
    # the merge's aliases go, but the survivor's own old address keeps leading to it if the
    # survivor did not get it back (its address was changed since the merge)
    own = before.get("email_key")
    keep = own if own and own != survivor.email_key else None
    session.execute(
        delete(EmailAlias).where(EmailAlias.merge_id == merge_id, EmailAlias.email_key != keep)
        if keep
        else delete(EmailAlias).where(EmailAlias.merge_id == merge_id)
    )
    if keep:
        session.execute(
            update(EmailAlias).where(EmailAlias.merge_id == merge_id).values(merge_id=None)
        )
    _restore_pairs(session, record, actor, now)

    record.undone_at = now
    record.undone_by = actor
    session.flush()
    for subject, other in (
        (record.survivor_id, record.merged_id),
        (record.merged_id, record.survivor_id),
    ):
        audit.record(
            session,
            actor=actor,
            action="lead.unmerged",
            subject_type="lead",
            subject_id=subject,
            details={"merge_id": merge_id, "other_lead_id": other},
        )
    delivery.publish(
        session,
        "lead.unmerged",
        {
            "merge_id": merge_id,
            "lead": leads.to_document(survivor),
            "restored": leads.to_document(restored),
        },
    )
    return record


def _restore_pairs(session: Session, record: LeadMerge, actor: str, now: datetime) -> None:
    pairs = record.pairs or {}
    carried = pairs.get("carried") or []
    if carried:
        session.execute(delete(DuplicatePair).where(DuplicatePair.id.in_(carried)))
    existing = set(session.scalars(select(Lead.id).where(Lead.id.in_(_pair_leads(pairs)))))
    this = (min(record.survivor_id, record.merged_id), max(record.survivor_id, record.merged_id))
    for row in pairs.get("removed") or []:
        key = (row["left_lead_id"], row["right_lead_id"])
        if key == this or not set(key) <= existing or _pair_id(session, *key) is not None:
            continue
        session.execute(
            insert(_pairs).values(
                {
                    name: datetime.fromisoformat(value)
                    if name in ("found_at", "decided_at") and isinstance(value, str)
                    else value
                    for name, value in row.items()
                    if name != "id"
                }
            )
        )
    pair_id = _pair_id(session, *this)
    values = {
        "status": PairStatus.NOT_DUPLICATE,
        "decided_at": now,
        "decided_by": actor,
    }
    if pair_id is None:
        session.execute(
            insert(_pairs).values(
                left_lead_id=this[0],
                right_lead_id=this[1],
                probability=record.probability if record.probability is not None else 0.0,
                evidence=record.evidence or [],
                found_at=record.merged_at,
                **values,
            )
        )
    else:
        session.execute(update(_pairs).where(_pairs.c.id == pair_id).values(values))


def _pair_leads(pairs: dict[str, Any]) -> set[int]:
    return {
        lead_id
        for row in pairs.get("removed") or []
        for lead_id in (row["left_lead_id"], row["right_lead_id"])
    }


def _pair_id(session: Session, left: int, right: int) -> int | None:
    return session.scalar(
        select(DuplicatePair.id).where(
            DuplicatePair.left_lead_id == left, DuplicatePair.right_lead_id == right
        )
    )
