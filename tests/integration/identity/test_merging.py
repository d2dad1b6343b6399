"""Merging two leads and undoing it, on both databases: what moves, what survives, what the
record keeps, and that undo gives both leads back as they were plus what happened since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk import schema
from leadwerk.auth.models import AuditEntry
from leadwerk.capture import service as capture
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import EventType
from leadwerk.capture.types import Intake
from leadwerk.errors import Conflict, NotFound
from leadwerk.identity import merging
from leadwerk.identity.models import DuplicatePair, EmailAlias, LeadMerge
from leadwerk.identity.types import MergeReason, PairStatus
from leadwerk.leads.models import Lead, StageChange, Touchpoint
from leadwerk.leads.types import Channel, Stage
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _row(lead: Lead) -> dict[str, Any]:
    return {c.key: getattr(lead, c.key) for c in Lead.__table__.columns}


def _intake(session: Session, **fields: Any) -> Lead:
    _, lead = capture.run_intake(session, Intake(**fields), actor="test")
    session.flush()
    return lead


def _two(session: Session) -> tuple[Lead, Lead]:
    """Anna, known twice: an older lead from a fair, a newer one from the website."""
    older = make_lead(
        session,
        email="anna.mueller@mueller-bau.de",
        first_name="anna",
        last_name="müller",
        company="Müller Bau GmbH",
        country="DE",
        source="import:messe",
        utm_source="messe",
        created_at=T0,
        updated_at=T0,
    )
    newer = make_lead(
        session,
        email="a.mueller@gmail.com",
        first_name="Anna",
        last_name="Müller",
        phone="030 1234567",
        job_title="Head of Purchasing",
        country="DE",
        source="form:kontakt",
        attributes={"budget": "10k"},
        created_at=T0 + timedelta(days=30),
        updated_at=T0 + timedelta(days=30),
    )
    return older, newer


def _merge(session: Session, survivor: Lead, merged: Lead, **options: Any) -> LeadMerge:
    return merging.merge_leads(
        session,
        survivor_id=survivor.id,
        merged_id=merged.id,
        actor="user:1",
        reason=options.pop("reason", MergeReason.MANUAL),
        **options,
    )


def test_a_merge_moves_everything_and_keeps_the_better_values(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        older_id, newer_id = older.id, newer.id
        visitor = Visitor(anonymous_id="v-1", lead_id=newer_id)
        session.add(visitor)
        session.flush()
        session.add(
            TrackingEvent(
                visitor_id=visitor.id,
                lead_id=newer_id,
                type=EventType.PAGE_VIEW,
                channel=Channel.DIRECT,
                occurred_at=T0,
                received_at=T0,
            )
        )
        session.add(
            StageChange(lead_id=newer_id, from_stage=Stage.LEAD, to_stage=Stage.MQL, actor="x")
        )
        newer.stage = Stage.MQL
        session.flush()
        touches = set(session.scalars(select(Touchpoint.id).where(Touchpoint.lead_id == newer_id)))
        record = _merge(session, older, newer)
        merge_id = record.id

    with db.read() as session:
        assert session.get(Lead, newer_id) is None
        lead = session.get(Lead, older_id)
        assert lead is not None
        # the newer address and phone, the whole name as typed most recently, the first touch
        # of the older lead, the stage further along, the union of attributes
        assert (lead.email, lead.email_key) == ("a.mueller@gmail.com", "amueller@gmail.com")
        assert (lead.first_name, lead.last_name) == ("Anna", "Müller")
        assert (lead.phone, lead.company, lead.job_title) == (
            "+49301234567",
            "Müller Bau GmbH",
            "Head of Purchasing",
        )
        assert (lead.source, lead.utm_source, lead.created_at) == ("import:messe", "messe", T0)
        assert lead.stage is Stage.MQL
        assert lead.attributes == {"budget": "10k"}
        assert "a.mueller@gmail.com" in lead.search_text or "amueller" in lead.search_text
        moved = set(session.scalars(select(Touchpoint.id).where(Touchpoint.lead_id == older_id)))
        assert touches <= moved
        assert session.scalars(select(Visitor.lead_id)).all() == [older_id]
        assert session.scalars(select(TrackingEvent.lead_id)).all() == [older_id]
        # the older lead's own address now leads to it as an alias
        aliases = session.execute(select(EmailAlias.email_key, EmailAlias.lead_id)).all()
        assert [tuple(a) for a in aliases] == [("anna.mueller@mueller-bau.de", older_id)]
        record = session.get(LeadMerge, merge_id)
        assert record is not None
        assert (record.survivor_id, record.merged_id, record.reason) == (
            older_id,
            newer_id,
            MergeReason.MANUAL,
        )
        lost = {d["field"]: (d["kept"], d["lost"], d["why"]) for d in record.decisions}
        assert lost["email"] == (
            "a.mueller@gmail.com",
            "anna.mueller@mueller-bau.de",
            "more_recent",
        )
        assert lost["source"] == ("import:messe", "form:kontakt", "first_touch")
        assert lost["stage"] == ("mql", "lead", "further")
        assert sorted(record.moved) == [
            "stage_history.lead_id",
            "touchpoints.lead_id",
            "tracking_events.lead_id",
            "visitors.lead_id",
        ]
        actions = session.execute(
            select(AuditEntry.subject_id, AuditEntry.action).where(
                AuditEntry.action.in_(["lead.merged", "lead.merged_into"])
            )
        ).all()
        assert sorted(tuple(a) for a in actions) == sorted(
            [(str(older_id), "lead.merged"), (str(newer_id), "lead.merged_into")]
        )


def test_an_old_address_keeps_finding_the_person_without_changing_the_lead(
    db: Database,
) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        older_id = older.id
        _merge(session, older, newer)
        again = _intake(session, email="Anna.Mueller@Mueller-Bau.de", job_title="CEO")
        assert again.id == older_id
        assert again.email == "a.mueller@gmail.com"  # its own address stays
        assert again.job_title == "CEO"
        touch = session.scalars(
            select(Touchpoint).where(Touchpoint.lead_id == older_id).order_by(Touchpoint.id.desc())
        ).first()
        assert touch is not None
        assert touch.email_key == "anna.mueller@mueller-bau.de"
        assert touch.properties == {"email": "Anna.Mueller@mueller-bau.de"}  # as typed
        assert session.scalar(select(func.count()).select_from(Lead)) == 1


def test_undo_brings_both_back_as_they_were_plus_what_happened_since(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        older_id, newer_id = older.id, newer.id
        session.refresh(older)
        session.refresh(newer)
        before_older, before_newer = _row(older), _row(newer)
        older_touches = set(
            session.scalars(select(Touchpoint.id).where(Touchpoint.lead_id == older_id))
        )
        record = _merge(session, older, newer)
        merge_id = record.id
        # since the merge: Anna writes from her gmail address (the lead's own now) and from
        # her company address (an alias); somebody edits the company
        _intake(session, email="a.mueller@gmail.com", utm_campaign="winter")
        _intake(session, email="anna.mueller@mueller-bau.de", utm_campaign="fair")
        lead = session.get(Lead, older_id)
        assert lead is not None
        lead.company = "Müller Hochbau AG"
        session.flush()

    with db.transaction() as session:
        merging.undo_merge(session, merge_id, actor="user:2")

    with db.read() as session:
        restored = session.get(Lead, newer_id)
        survivor = session.get(Lead, older_id)
        assert restored is not None
        assert survivor is not None
        after = _row(restored)
        assert after.pop("last_activity_at") >= before_newer.pop("last_activity_at")
        assert after == before_newer
        # the survivor's own values are back, but the company changed since stays
        assert (survivor.email, survivor.phone, survivor.job_title) == (
            before_older["email"],
            None,
            None,
        )
        assert survivor.company == "Müller Hochbau AG"
        assert survivor.attributes == {}
        # its own touchpoints stay; the merged lead's come back, with those that came in
        # through its address since
        campaigns = {
            tp.utm_campaign: tp.lead_id
            for tp in session.scalars(
                select(Touchpoint).where(Touchpoint.utm_campaign.is_not(None))
            )
        }
        assert campaigns == {"winter": newer_id, "fair": older_id}
        assert older_touches <= set(
            session.scalars(select(Touchpoint.id).where(Touchpoint.lead_id == older_id))
        )
        assert session.scalars(select(EmailAlias)).all() == []
        pair = session.scalars(select(DuplicatePair)).one()
        assert (pair.left_lead_id, pair.right_lead_id, pair.status, pair.decided_by) == (
            older_id,
            newer_id,
            PairStatus.NOT_DUPLICATE,
            "user:2",
        )
        record = session.get(LeadMerge, merge_id)
        assert record is not None
        assert record.undone_by == "user:2"
        assert record.undone_at is not None


def test_undo_runs_from_the_latest_merge_back(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        third = make_lead(session, email="anna@privat.de", first_name="Anna")
        first = _merge(session, older, newer)
        second = _merge(session, third, older)
        first_id, second_id, older_id, third_id = first.id, second.id, older.id, third.id
    with db.transaction() as session, pytest.raises(Conflict) as refused:
        merging.undo_merge(session, first_id, actor="user:1")
    assert refused.value.message == (
        f"Lead {older_id} was merged into lead {third_id} afterwards (merge {second_id}); "
        "undo that merge first."
    )
    with db.transaction() as session:
        merging.undo_merge(session, second_id, actor="user:1")
        merging.undo_merge(session, first_id, actor="user:1")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 3
        assert session.scalars(select(EmailAlias)).all() == []
    with db.transaction() as session, pytest.raises(Conflict, match="undone already"):
        merging.undo_merge(session, first_id, actor="user:1")


def test_what_cannot_be_merged_says_why(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        older_id, newer_id = older.id, newer.id
        with pytest.raises(Conflict, match="cannot be merged with itself"):
            _merge(session, older, older)
        with pytest.raises(NotFound, match="There is no lead 999999"):
            merging.merge_leads(
                session,
                survivor_id=older_id,
                merged_id=999_999,
                actor="x",
                reason=MergeReason.MANUAL,
            )
        record = _merge(session, older, newer)
        with pytest.raises(NotFound) as gone:
            merging.merge_leads(
                session,
                survivor_id=older_id,
                merged_id=newer_id,
                actor="x",
                reason=MergeReason.MANUAL,
            )
        assert gone.value.message == (
            f"Lead {newer_id} was merged into lead {older_id} (merge {record.id})."
        )
        with pytest.raises(NotFound, match="There is no merge 999999"):
            merging.undo_merge(session, 999_999, actor="x")


def test_a_not_duplicate_decision_carries_over_and_back(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        stranger = make_lead(session, email="anna.mueller@other.de", first_name="Anna")
        session.add(
            DuplicatePair(
                left_lead_id=newer.id,
                right_lead_id=stranger.id,
                probability=0.9,
                evidence=[],
                status=PairStatus.NOT_DUPLICATE,
                decided_by="user:7",
            )
        )
        session.add(
            DuplicatePair(
                left_lead_id=older.id, right_lead_id=newer.id, probability=0.95, evidence=[]
            )
        )
        session.flush()
        ids = older.id, newer.id, stranger.id
        record = _merge(session, older, newer)
        pairs = session.execute(
            select(DuplicatePair.left_lead_id, DuplicatePair.right_lead_id, DuplicatePair.status)
        ).all()
        assert [tuple(p) for p in pairs] == [(ids[0], ids[2], PairStatus.NOT_DUPLICATE)]
        merging.undo_merge(session, record.id, actor="user:1")
        pairs = session.execute(
            select(
                DuplicatePair.left_lead_id, DuplicatePair.right_lead_id, DuplicatePair.status
            ).order_by(DuplicatePair.left_lead_id, DuplicatePair.right_lead_id)
        ).all()
        assert sorted(tuple(p) for p in pairs) == sorted(
            [
                (ids[0], ids[1], PairStatus.NOT_DUPLICATE),
                (ids[1], ids[2], PairStatus.NOT_DUPLICATE),
            ]
        )


def test_the_stage_a_merge_set_is_recorded_and_undone(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)
        newer.stage = Stage.SQL
        session.flush()
        record = _merge(session, older, newer)
        moves = session.execute(
            select(StageChange.from_stage, StageChange.to_stage, StageChange.reason)
            .where(StageChange.lead_id == older.id)
            .order_by(StageChange.id)
        ).all()
        assert [tuple(m) for m in moves] == [
            (Stage.LEAD, Stage.SQL, f"merged with lead {newer.id}")
        ]
        merging.undo_merge(session, record.id, actor="user:1")
        assert older.stage is Stage.LEAD
        last = session.scalars(
            select(StageChange.reason)
            .where(StageChange.lead_id == older.id)
            .order_by(StageChange.id.desc())
        ).first()
        assert last == f"merge {record.id} undone"


def test_every_table_that_points_to_a_lead_is_moved(db: Database) -> None:
    """A new table with a lead column must move with a merge (or have rules of its own)."""
    declared = {
        (table.name, fk.parent.name)
        for table in schema.metadata().tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "leads" and table.name != "duplicate_pairs"
    }
    with db.read() as session:
        assert set(merging.lead_references(session.connection())) == declared
    assert ("email_aliases", "lead_id") in declared


def test_a_merged_lead_id_is_never_given_again(db: Database) -> None:
    with db.transaction() as session:
        older, newer = _two(session)  # the newer lead has the largest id
        newer_id = newer.id
        record = _merge(session, older, newer)
        fresh = make_lead(session, email="someone@else.de")
        assert fresh.id > newer_id
        merging.undo_merge(session, record.id, actor="user:1")
        assert session.get(Lead, newer_id) is not None


def test_the_survivors_old_address_still_finds_it_when_its_address_changed_since(
    db: Database,
) -> None:
    with db.transaction() as session:
        older, newer = _two(session)  # the newer address wins; the older becomes an alias
        older_id = older.id
        record = _merge(session, older, newer)
        older.email, older.email_key = "anna@neu.example", "anna@neu.example"
        session.flush()
        merging.undo_merge(session, record.id, actor="user:1")
        again = _intake(session, email="anna.mueller@mueller-bau.de")
        assert again.id == older_id
        assert again.email == "anna@neu.example"
