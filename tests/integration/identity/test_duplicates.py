"""The duplicate search over all leads: planted duplicates become open pairs with their
explanation; decided pairs are remembered; a second search replaces the open pairs."""

from __future__ import annotations

from sqlalchemy import select, update

from leadwerk.capture.types import Intake
from leadwerk.identity import duplicates
from leadwerk.identity.models import DuplicatePair, MatchModel
from leadwerk.identity.types import PairStatus
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.factories.identity import load_planted


def _open_pairs(db: Database) -> set[tuple[int, int]]:
    with db.read() as session:
        rows = session.execute(
            select(DuplicatePair.left_lead_id, DuplicatePair.right_lead_id).where(
                DuplicatePair.status == PairStatus.OPEN
            )
        )
        return {(a, b) for a, b in rows}


def test_search_offers_the_planted_duplicates_with_their_explanation(db: Database) -> None:
    expected = load_planted(db)
    # of the 40 planted, intake joined those with the same address; these 10 stay two leads
    assert len(expected) == 10
    summary = duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, auto_merge=False))
    assert _open_pairs(db) == expected
    assert (summary.pairs, summary.open_pairs, summary.threshold) == (
        len(expected),
        len(expected),
        0.8,
    )
    with db.read() as session:
        lead_count = len(session.scalars(select(Lead.id)).all())
        assert summary.leads == lead_count
        model = session.get(MatchModel, summary.model_id)
        assert model is not None
        assert (model.leads, model.candidate_pairs) == (lead_count, summary.candidate_pairs)
        kinds = {f["kind"] for f in model.parameters["fields"]}
        assert kinds == set(duplicates.LEAD_FIELDS.values())
        pair = session.scalars(select(DuplicatePair).order_by(DuplicatePair.id)).first()
        assert pair is not None
        assert pair.probability >= 0.8
        assert pair.model_id == model.id
        kinds = [e["kind"] for e in pair.evidence]
        assert kinds == [k.value for k in duplicates.LEAD_FIELDS.values()]
        assert all({"level", "left", "right", "weight"} <= set(e) for e in pair.evidence)


def test_decisions_are_remembered_and_open_pairs_replaced(db: Database) -> None:
    expected = load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, auto_merge=False))
    rejected = min(expected)
    with db.transaction() as session:
        session.execute(
            update(DuplicatePair)
            .where(
                DuplicatePair.left_lead_id == rejected[0],
                DuplicatePair.right_lead_id == rejected[1],
            )
            .values(status=PairStatus.NOT_DUPLICATE)
        )
    second = duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, auto_merge=False))
    assert _open_pairs(db) == expected - {rejected}
    assert second.pairs == len(expected) - 1
    with db.read() as session:
        statuses = session.scalars(select(DuplicatePair.status)).all()
        assert sorted(statuses) == sorted(
            [PairStatus.NOT_DUPLICATE] + [PairStatus.OPEN] * (len(expected) - 1)
        )
        assert len(session.scalars(select(MatchModel.id)).all()) == 2


def test_a_stricter_threshold_offers_fewer_pairs(db: Database) -> None:
    expected = load_planted(db)
    loose = duplicates.find_duplicates(db, duplicates.SearchPolicy(0.5, auto_merge=False))
    strict = duplicates.find_duplicates(db, duplicates.SearchPolicy(0.999999, auto_merge=False))
    assert loose.open_pairs >= len(expected) > strict.open_pairs


def test_no_leads_no_pairs(db: Database) -> None:
    summary = duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, auto_merge=False))
    assert (summary.leads, summary.pairs, summary.open_pairs) == (0, 0, 0)


def test_intake_types_are_what_the_search_reads() -> None:
    assert set(duplicates.LEAD_FIELDS) <= set(Intake.__dataclass_fields__)
