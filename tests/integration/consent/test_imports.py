"""An import that names the consent text its people agreed to, on both databases: the rows
saying yes enter the ledger (granted, or through double opt-in with its email), the rest do
not, suppressed and withdrawn people stay out, and a merged row counts for the survivor."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadwerk.capture.imports import service as imports
from leadwerk.capture.imports.models import Import
from leadwerk.capture.imports.types import LawfulBasis
from leadwerk.consent import privacy, service
from leadwerk.consent.models import ConsentEvent, OptInRequest
from leadwerk.consent.types import ConsentLinks, ConsentStatus, EventContent, EventKind, Method
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.types import MessageKind
from leadwerk.errors import ValidationFailed
from leadwerk.identity import duplicates
from leadwerk.identity.models import LeadMerge
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database
from tests.factories.identity import load_planted
from tests.factories.leads import make_lead

LINKS = ConsentLinks(base_url="https://leads.example.de", secret_key="k" * 40)
HEADER = "E-Mail;Vorname;Nachname;Einwilligung"


def _text_id(db: Database, purpose: str, language: str = "de") -> int:
    with db.read() as session:
        return service.current_text(session, service.get_purpose(session, purpose), language).id


def _import(db: Database, path: Path, text_id: int | None) -> imports.ImportSummary:
    options = imports.ImportOptions(
        LawfulBasis.CONSENT, "Messe X, Formular v3", consent_text_id=text_id
    )
    return imports.run_import(db, imports.plan_import(path), options, actor="test", links=LINKS)


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def _events(db: Database) -> list[ConsentEvent]:
    with db.read() as session:
        rows = list(session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq)))
        session.expunge_all()
        return rows


def _lead_id(db: Database, email: str) -> int:
    with db.read() as session:
        return session.scalars(select(Lead.id).where(Lead.email == email)).one()


def test_rows_saying_yes_are_granted_with_the_text_row_and_evidence(
    db: Database, tmp_path: Path
) -> None:
    text_id = _text_id(db, "sales_contact")
    path = _csv(
        tmp_path / "messe.csv",
        "anna@example.de;Anna;Albers;ja",
        "bernd@example.de;Bernd;Brandt;nein",
        "carla@example.de;Carla;Conrad;x",
        "dora@example.de;Dora;Dietz;",
    )
    summary = _import(db, path, text_id)
    assert summary.counts.created == 4
    events = _events(db)
    assert [(e.lead_id, e.kind, e.method, e.purpose, e.text_id) for e in events] == [
        (
            _lead_id(db, "anna@example.de"),
            EventKind.GRANTED,
            Method.IMPORT,
            "sales_contact",
            text_id,
        ),
        (
            _lead_id(db, "carla@example.de"),
            EventKind.GRANTED,
            Method.IMPORT,
            "sales_contact",
            text_id,
        ),
    ]
    anna, carla = events
    assert anna.method_ref == f"import:{summary.import_id}"
    assert anna.email == "anna@example.de"
    assert anna.evidence is not None
    assert carla.evidence is not None
    assert (anna.evidence["row"], carla.evidence["row"]) == (2, 4)
    assert anna.evidence["import_evidence"] == "Messe X, Formular v3"
    assert anna.evidence["text"].startswith("Ja, der Vertrieb darf mich")
    with db.read() as session:
        assert session.get(Import, summary.import_id).consent_text_id == text_id  # type: ignore[union-attr]
        status = service.status_of(session, anna.lead_id or 0, "sales_contact")
        assert status is not None
        assert status.status is ConsentStatus.GRANTED
    report, _ = service.verify(db)
    assert report.intact
    assert report.events == 2


def test_without_a_consent_text_nothing_enters_the_ledger(db: Database, tmp_path: Path) -> None:
    _import(db, _csv(tmp_path / "messe.csv", "anna@example.de;Anna;Albers;ja"), None)
    assert _events(db) == []


def test_a_double_opt_in_purpose_asks_each_person_by_email(db: Database, tmp_path: Path) -> None:
    text_id = _text_id(db, "newsletter")
    path = _csv(
        tmp_path / "messe.csv",
        "anna@example.de;Anna;Albers;ja",
        "bernd@example.de;Bernd;Brandt;nein",
    )
    _import(db, path, text_id)
    (event,) = _events(db)
    assert (event.kind, event.method) == (EventKind.CONFIRMATION_REQUESTED, Method.IMPORT)
    with db.read() as session:
        request = session.scalars(select(OptInRequest)).one()
        assert (request.lead_id, request.email) == (event.lead_id, "anna@example.de")
        (mail,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == MessageKind.EMAIL)
        )
        assert mail.payload["email"]["to"] == "anna@example.de"
        assert "https://leads.example.de/c/" in mail.payload["email"]["text"]
        status = service.status_of(session, event.lead_id or 0, "newsletter")
        assert status is not None
        assert status.status is ConsentStatus.PENDING


def test_suppressed_withdrawn_and_granted_people_are_left_as_they_are(
    db: Database, tmp_path: Path
) -> None:
    text_id = _text_id(db, "sales_contact")
    with db.transaction() as session:
        erased = make_lead(session, email="erased@example.de")
        privacy.suppress(
            session,
            LINKS.secret_key,
            email_key=erased.email_key,
            phone=None,
            reason=privacy.SuppressionReason.ERASED,
        )
        session.delete(erased)
        withdrawn = make_lead(session, email="withdrawn@example.de")
        granted = make_lead(session, email="granted@example.de")
        for lead, kind in ((withdrawn, EventKind.WITHDRAWN), (granted, EventKind.GRANTED)):
            service.record(
                session,
                lead.id,
                EventContent(
                    kind=kind,
                    purpose="sales_contact",
                    text_id=text_id,
                    method=Method.API,
                    occurred_at=utcnow(),
                    email=lead.email,
                ),
            )
    before = len(_events(db))
    path = _csv(
        tmp_path / "messe.csv",
        "erased@example.de;Erika;Ernst;ja",
        "withdrawn@example.de;Wim;Wendt;ja",
        "granted@example.de;Gabi;Graf;ja",
        "new@example.de;Nina;Neu;ja",
    )
    _import(db, path, text_id)
    added = _events(db)[before:]
    assert [e.lead_id for e in added] == [_lead_id(db, "new@example.de")]
    with db.read() as session:
        # the erased person came back as a lead (the lawful basis is the import's), but not
        # into the ledger
        again = _lead_id(db, "erased@example.de")
        assert service.status_of(session, again, "sales_contact") is None
        status = service.status_of(session, _lead_id(db, "withdrawn@example.de"), "sales_contact")
        assert status is not None
        assert status.status is ConsentStatus.WITHDRAWN


def test_a_row_merged_into_a_known_person_counts_for_the_survivor(
    db: Database, tmp_path: Path
) -> None:
    load_planted(db)
    duplicates.find_duplicates(db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False))
    with db.read() as session:
        person = session.scalars(
            select(Lead)
            .where(Lead.phone.is_not(None), Lead.first_name.is_not(None), Lead.company.is_not(None))
            .order_by(Lead.id)
        ).first()
        assert person is not None
        session.expunge(person)
    path = tmp_path / "messe.csv"
    path.write_text(
        "E-Mail;Vorname;Nachname;Telefon;Firma;Land;Einwilligung\n"
        f"someone.else@gmail.com;{person.first_name};{person.last_name};{person.phone};"
        f"{person.company};{person.country};ja\n",
        encoding="utf-8",
    )
    _import(db, path, _text_id(db, "sales_contact"))
    with db.read() as session:
        merge = session.scalars(select(LeadMerge)).one()
        assert merge.survivor_id == person.id
    (event,) = _events(db)
    assert event.lead_id == person.id
    assert event.email == "someone.else@gmail.com"  # the consent is the row's, by its address
    assert event.evidence is not None
    assert event.evidence["row"] == 2


@pytest.mark.parametrize("text_id", [999_999, None])
def test_an_unknown_text_is_refused_before_anything_is_written(
    db: Database, tmp_path: Path, text_id: int | None
) -> None:
    path = _csv(tmp_path / "messe.csv", "anna@example.de;Anna;Albers;ja")
    if text_id is None:  # the same through the options check the CLI and the wizard use
        with pytest.raises(ValidationFailed) as caught:
            imports.check_options("consent", "Messe X", None, "sieben")
        assert "consent_text" in caught.value.errors
        return
    with pytest.raises(ValidationFailed) as refused:
        _import(db, path, text_id)
    assert refused.value.errors["consent_text"].startswith(f"There is no consent text {text_id}")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(Import)) == 0
