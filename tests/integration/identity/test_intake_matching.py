"""Intake with a learned model: the same person by phone and name is merged into the lead; a
likely one becomes a new lead offered for review; without a model only the email key
matches."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from leadwerk.capture import service as capture
from leadwerk.capture.imports import service as imports
from leadwerk.capture.imports.types import LawfulBasis
from leadwerk.capture.types import Intake
from leadwerk.identity import duplicates
from leadwerk.identity import intake as matching
from leadwerk.identity.models import DuplicatePair, EmailAlias, LeadMerge
from leadwerk.identity.types import MergeReason, PairStatus
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database
from tests.factories.identity import load_planted


def _known_person(db: Database) -> Lead:
    with db.read() as session:
        lead = session.scalars(
            select(Lead)
            .where(Lead.phone.is_not(None), Lead.first_name.is_not(None), Lead.company.is_not(None))
            .order_by(Lead.id)
        ).first()
        assert lead is not None
        session.expunge(lead)
        return lead


def _again(db: Database, person: Lead, email: str) -> tuple[bool, Lead]:
    """The person again, from another address, with the phone typed another way."""
    intake = Intake(
        email=email,
        first_name=person.first_name,
        last_name=person.last_name,
        phone=person.phone,
        company=person.company,
        country=person.country,
    )
    with db.transaction() as session:
        result, lead = capture.run_intake(session, intake, actor="test")
        session.flush()
        session.expunge(lead)
        return result.created, lead


def test_the_same_person_from_another_address_is_merged_into_the_lead(db: Database) -> None:
    load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False))
    person = _known_person(db)
    created, lead = _again(db, person, "someone.else@gmail.com")
    assert not created
    assert lead.id == person.id
    with db.read() as session:
        merge = session.scalars(select(LeadMerge)).one()
        assert (merge.survivor_id, merge.reason, merge.merged_by) == (
            person.id,
            MergeReason.INTAKE,
            "test",
        )
        assert merge.probability is not None
        assert merge.probability >= 0.99
        assert merge.merged_before["email"] == "someone.else@gmail.com"
        assert session.get(Lead, merge.merged_id) is None
        # both addresses lead to the person now: the newer is its own, the older an alias
        aliases = session.scalars(select(EmailAlias.email_key)).all()
        assert {lead.email_key, *aliases} == {person.email_key, "someoneelse@gmail.com"}
        touch = session.scalars(
            select(Touchpoint).where(Touchpoint.lead_id == person.id).order_by(Touchpoint.id.desc())
        ).first()
        assert touch is not None
        assert touch.email_key == "someoneelse@gmail.com"
    # the next intake from either address finds the person at once, without another merge
    for address in ("someone.else@gmail.com", person.email or ""):
        again, same = _again(db, person, address)
        assert (again, same.id) == (False, person.id)
    with db.read() as session:
        assert len(session.scalars(select(LeadMerge.id)).all()) == 1


def test_a_likely_twin_becomes_a_new_lead_offered_for_review(db: Database) -> None:
    load_planted(db)
    # merging needs certainty this model never reaches: every match is offered instead
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 1.0, auto_merge=False))
    person = _known_person(db)
    created, lead = _again(db, person, "someone.else@gmail.com")
    assert created
    assert lead.id != person.id
    with db.read() as session:
        pair = session.scalars(
            select(DuplicatePair).where(DuplicatePair.right_lead_id == lead.id)
        ).one()
        assert (pair.left_lead_id, pair.status) == (person.id, PairStatus.OPEN)
        assert 0.8 <= pair.probability < 1.0
        email = next(e for e in pair.evidence if e["kind"] == "email")
        # the older lead's values on the left, as in every pair; values as compared (canonical)
        assert (email["left"], email["right"]) == (person.email_key, "someoneelse@gmail.com")
        assert email["level"] == "different"


def test_without_a_model_only_the_address_matches(db: Database) -> None:
    load_planted(db)
    person = _known_person(db)
    created, lead = _again(db, person, "someone.else@gmail.com")
    assert created
    assert lead.id != person.id
    with db.read() as session:
        assert session.scalars(select(DuplicatePair)).all() == []


def test_the_same_address_still_decides_first(db: Database) -> None:
    load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False))
    person = _known_person(db)
    created, lead = _again(db, person, person.email or "")
    assert (created, lead.id) == (False, person.id)


def test_a_nickname_and_another_spelling_still_find_the_person(db: Database) -> None:
    load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False))
    with db.transaction() as session:
        robert = capture.run_intake(
            session,
            Intake(
                email="r.mueller@zwingli-werkzeugbau.de",
                first_name="Robert",
                last_name="Müller",
                company="Zwingli Werkzeugbau GmbH",
                country="DE",
            ),
            actor="test",
        )[1]
        robert_id, robert_key = robert.id, robert.email_key
        assert robert.sound_key == "r 657"
    with db.transaction() as session:
        match = matching.find_match(
            session,
            {
                "first_name": "Bob",
                "last_name": "Muller",
                "email": "bob@privat.example",
                "phone": None,
                "company": "Zwingli Werkzeugbau",
                "country": "DE",
            },
            email_key="bob@privat.example",
            phone_key=None,
            name_key="bob muller",
            sound_key="r 657",
        )
    assert match is not None
    assert match.lead_id == robert_id
    assert robert_key != "bob@privat.example"
    levels = {e["kind"]: e["level"] for e in match.evidence}
    assert (levels["first_name"], levels["last_name"], levels["company"]) == (
        "same name (short form)",
        "same sound",
        "exact",
    )


def test_an_import_row_of_a_known_person_from_another_address_is_merged(
    db: Database, tmp_path: Path
) -> None:
    load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False))
    person = _known_person(db)
    path = tmp_path / "messe.csv"
    path.write_text(
        "E-Mail;Vorname;Nachname;Telefon;Firma;Land\n"
        f"someone.else@gmail.com;{person.first_name};{person.last_name};{person.phone};"
        f"{person.company};{person.country}\n"
        "brand.new@example.org;Zacharias;Quendelbaum;;Nirgendwo AG;DE\n",
        encoding="utf-8",
    )
    plan = imports.plan_import(path)
    options = imports.ImportOptions(LawfulBasis.CONSENT, "badge scans")
    summary = imports.run_import(db, plan, options, actor="test")
    assert (summary.counts.created, summary.counts.updated) == (1, 1)
    with db.read() as session:
        merge = session.scalars(select(LeadMerge)).one()
        assert (merge.survivor_id, merge.reason, merge.merged_by) == (
            person.id,
            MergeReason.IMPORT,
            f"import:{summary.import_id}",
        )
        assert merge.merged_before["email"] == "someone.else@gmail.com"
        assert session.get(Lead, merge.merged_id) is None
        touch = session.scalars(
            select(Touchpoint).where(Touchpoint.lead_id == person.id).order_by(Touchpoint.id.desc())
        ).first()
        assert touch is not None
        assert touch.email_key == "someoneelse@gmail.com"
        assert session.scalars(select(Lead.id).where(Lead.last_name == "Quendelbaum")).one()


def test_a_namesake_with_another_address_and_number_is_never_merged_unasked(
    db: Database,
) -> None:
    load_planted(db)
    # thresholds so low that the model's score alone would merge the namesake
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.001, 0.002, auto_merge=False))
    person = _known_person(db)
    other_phone = "+4930" + (
        "9876543" if not (person.phone or "").endswith("9876543") else "1234567"
    )
    intake = Intake(
        email="namesake@example.org",
        first_name=person.first_name,
        last_name=person.last_name,
        phone=other_phone,
        company=person.company,
        country=person.country,
    )
    with db.transaction() as session:
        result, _ = capture.run_intake(session, intake, actor="test")
    assert result.created
    with db.read() as session:
        assert session.scalars(select(LeadMerge)).all() == []
        pair = session.scalars(
            select(DuplicatePair).where(DuplicatePair.right_lead_id == result.lead_id)
        ).one()
        assert pair.left_lead_id == person.id
        assert pair.probability >= 0.002
        levels = {e["kind"]: e["level"] for e in pair.evidence}
        assert (levels["email"], levels["phone"]) == ("different", "different")
