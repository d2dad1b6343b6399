"""Data subject rights on real databases: the export holds everything about the person; the
erasure leaves nothing of their address or number in any table (nor, on SQLite, in the
database files), keeps the ledger verifiable and an anonymous row for analytics, suppresses
them against later imports; restriction and objection stop marketing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, Text, cast, func, inspect, or_, select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.consent import gate, mailing, privacy, service
from leadwerk.consent.claims import apply_claims, check_claims
from leadwerk.consent.models import ConsentEvent, Erasure, Suppression
from leadwerk.consent.types import ConsentClaim, ConsentLinks, ConsentStatus, Method
from leadwerk.delivery import service as delivery
from leadwerk.delivery.mail import Email
from leadwerk.identity import merging
from leadwerk.identity.types import MergeReason
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database, make_engine
from tests.conftest import TEST_SECRET

EMAIL, PHONE = "erika.musterfrau@beispiel-gmbh.de", "+49301234599"
OTHER = "e.musterfrau@privat.example"
LINKS = ConsentLinks("https://leads.example", TEST_SECRET)


@pytest.fixture
def real(fresh_database_url: str) -> Iterator[Database]:
    db = Database.from_engine(make_engine(fresh_database_url, pool_size=2))
    try:
        yield db
    finally:
        db.dispose()


def _person(db: Database) -> int:
    """Erika, known twice (merged), with consent, a queued email, an alias and a webhook."""
    with db.transaction() as session:
        text = service.current_text(session, service.get_purpose(session, "sales_contact"), "de")
        first, _ = capture.run_intake(
            session,
            Intake(
                email=EMAIL,
                phone="030 1234599",
                country="DE",
                first_name="Erika",
                consents=(ConsentClaim("sales_contact", text_id=text.id, ip="203.0.113.7"),),
            ),
            actor="test",
            links=LINKS,
        )
        second, _ = capture.run_intake(session, Intake(email=OTHER, first_name="Erika"), actor="t")
        merging.merge_leads(
            session,
            survivor_id=first.lead_id,
            merged_id=second.lead_id,
            actor="t",
            reason=MergeReason.MANUAL,
        )
        delivery.queue_email(
            session,
            Email(to=EMAIL, subject="Angebot", text="Hallo Erika"),
            event_type="x",
            lead_id=first.lead_id,
            purpose="sales_contact",
        )
        return first.lead_id


def _everything_as_text(db: Database, needles: tuple[str, ...]) -> list[str]:
    """Where in any table of the database a needle still appears (table.column)."""
    found = []
    with db.engine.connect() as connection:
        meta = MetaData()
        for name in inspect(connection).get_table_names():
            rows = Table(name, meta, autoload_with=connection)
            for col in rows.columns:
                condition = or_(*(cast(col, Text).contains(n) for n in needles))
                if connection.execute(
                    select(func.count()).select_from(rows).where(condition)
                ).scalar():
                    found.append(f"{name}.{col.name}")
    return found


def test_the_export_holds_everything(real: Database) -> None:
    lead_id = _person(real)
    with real.read() as session:
        sections = privacy.export(session, lead_id, secret=TEST_SECRET)
    assert sections["lead"][0]["email"] == OTHER or sections["lead"][0]["email"] == EMAIL
    assert {s for s in sections if sections[s]} >= {
        "lead",
        "touchpoints",
        "consent_events",
        "email_aliases",
        "lead_merges",
        "audit_log",
        "consent_evidence",
    }
    assert len(sections["touchpoints"]) == 2  # its own and the merged lead's
    assert sections["consent_evidence"][0]["entries"][0]["content"]["ip"] == "203.0.113.7"


def test_erasure_leaves_nothing_behind(real: Database, fresh_database_url: str) -> None:
    lead_id = _person(real)
    needles = (EMAIL, PHONE, OTHER, "musterfrau")
    assert _everything_as_text(real, needles)  # (the search does find them before)
    with real.transaction() as session:
        report = privacy.erase(session, lead_id, actor="user:1", secret=TEST_SECRET)
    assert report.redacted == 1
    assert report.removed["touchpoints"] == 2
    assert report.removed["outbox"] >= 1
    assert real.scrub()
    assert _everything_as_text(real, needles) == []
    with real.read() as session:
        assert session.get(Lead, lead_id) is None
        (erasure,) = session.scalars(select(Erasure)).all()
        assert (erasure.channel, erasure.stage, erasure.erased_by) == ("direct", "lead", "user:1")
        assert sorted(session.scalars(select(Suppression.kind))) == ["email", "email", "phone"]
        (entry,) = session.scalars(select(ConsentEvent)).all()
        assert entry.redacted_at is not None
    report_chain, _ = service.verify(real)
    assert (report_chain.intact, report_chain.redacted) == (True, 1)
    if fresh_database_url.startswith("sqlite"):
        path = Path(fresh_database_url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                data = file.read_bytes()
                for needle in needles:
                    assert needle.encode() not in data, f"{needle} left in {file.name}"


def test_a_suppressed_person_is_not_brought_back_by_an_import(real: Database) -> None:
    lead_id = _person(real)
    with real.transaction() as session:
        privacy.erase(session, lead_id, actor="user:1", secret=TEST_SECRET)
    with real.transaction() as session:
        back, lead = capture.run_intake(session, Intake(email=EMAIL), actor="import:9")
        text = service.current_text(session, service.get_purpose(session, "sales_contact"), "de")
        claims = check_claims(session, [ConsentClaim("sales_contact", text_id=text.id)])
        from_import = apply_claims(
            session, lead, claims, method=Method.IMPORT, method_ref="import:9",
            email=EMAIL, phone=None, links=LINKS,
        )  # fmt: skip
        assert from_import == []
        own = apply_claims(
            session, lead, claims, method=Method.FORM, method_ref="form:kontakt",
            email=EMAIL, phone=None, links=LINKS,
        )  # fmt: skip
        assert len(own) == 1
        assert (
            service.status_of(session, back.lead_id, "sales_contact").status
            is ConsentStatus.GRANTED
        )  # type: ignore[union-attr]


def test_restriction_and_objection_stop_marketing(real: Database) -> None:
    lead_id = _person(real)
    with real.transaction() as session:
        assert gate.decide(session, lead_id, "sales_contact").allowed
        privacy.restrict(session, lead_id, actor="user:1")
        assert gate.decide(session, lead_id, "sales_contact") == gate.Decision(
            False, f"the processing of lead {lead_id} is restricted"
        )
        assert gate.decide(session, lead_id, None).allowed  # transactional mail still goes
        privacy.restrict(session, lead_id, actor="user:1", restricted=False)
        privacy.object_to_marketing(session, lead_id, actor="user:1", secret=TEST_SECRET)
        assert not gate.decide(session, lead_id, "sales_contact").allowed
        lead = session.get(Lead, lead_id)
        assert lead is not None
        assert privacy.is_suppressed(session, TEST_SECRET, email_key=lead.email_key, phone=None)
        assert mailing.marketing_email(
            session, LINKS, lead=lead, purpose="sales_contact", subject="x", text="x",
            event_type="x",
        ) is None  # fmt: skip
        privacy.object_to_profiling(session, lead_id, actor="user:1")
        assert lead.profiling_objected_at is not None
