"""The consent ledger on both databases: appends chain, statuses follow the latest entry,
texts are versioned, and `verify` names the first entry that was edited, deleted or moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from leadwerk.consent import service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import ConsentStatus, EventContent, EventKind, Method
from leadwerk.errors import NotFound, ValidationFailed
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead

T0 = datetime(2026, 5, 4, 10, 30, 15, 123456, tzinfo=UTC)


def _content(kind: EventKind, purpose: str = "newsletter", n: int = 0) -> EventContent:
    return EventContent(
        kind=kind,
        purpose=purpose,
        text_id=None,
        method=Method.FORM,
        method_ref="form:messe@3",
        occurred_at=T0 + timedelta(minutes=n),
        email="anna.mueller@example.de",
        phone="+49301234567",
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64)",
        evidence={"text": "Ja, ich möchte den Newsletter", "language": "de", "score": 0.5},
    )


def _ledger(db: Database, kinds: list[EventKind]) -> int:
    with db.transaction() as session:
        lead = make_lead(session, email="anna.mueller@example.de")
        for n, kind in enumerate(kinds):
            service.record(session, lead.id, _content(kind, n=n))
        return lead.id


def test_appends_chain_and_verify(db: Database) -> None:
    kinds = [EventKind.CONFIRMATION_REQUESTED, EventKind.CONFIRMED, EventKind.WITHDRAWN]
    lead_id = _ledger(db, kinds)
    report, head = service.verify(db)
    assert (report.intact, report.events) == (True, 3)
    with db.read() as session:
        events = service.history(session, lead_id)
        assert [e.seq for e in events] == [3, 2, 1]
        assert head == events[0].chain_hash
        # what was stored reads back to the very content that was hashed
        assert [service.content_of(e) for e in reversed(events)] == [
            _content(k, n=n) for n, k in enumerate(kinds)
        ]


def test_status_is_the_latest_entry_per_purpose(db: Database) -> None:
    with db.transaction() as session:
        lead = make_lead(session, email="b@example.de")
        service.record(session, lead.id, _content(EventKind.CONFIRMATION_REQUESTED))
        assert service.status_of(session, lead.id, "newsletter").status is ConsentStatus.PENDING  # type: ignore[union-attr]
        service.record(session, lead.id, _content(EventKind.CONFIRMED, n=1))
        service.record(session, lead.id, _content(EventKind.GRANTED, "sales_contact", n=2))
        found = service.statuses(session, lead.id)
        assert {p: s.status for p, s in found.items()} == {
            "newsletter": ConsentStatus.GRANTED,
            "sales_contact": ConsentStatus.GRANTED,
        }
        service.record(session, lead.id, _content(EventKind.WITHDRAWN, n=3))
        assert service.status_of(session, lead.id, "newsletter").status is ConsentStatus.WITHDRAWN  # type: ignore[union-attr]
        assert service.status_of(session, lead.id, "profiling") is None


@pytest.mark.parametrize(
    ("tamper", "broken_at", "problem"),
    [
        ("edit", 2, "its content was changed"),
        ("delete", 3, "entry 2 is missing"),
        ("reorder", 2, "it does not follow the entry before it"),
    ],
)
def test_verify_names_the_first_tampered_entry(
    db: Database, tamper: str, broken_at: int, problem: str
) -> None:
    _ledger(db, [EventKind.GRANTED, EventKind.WITHDRAWN, EventKind.GRANTED, EventKind.WITHDRAWN])
    with db.transaction() as session:
        if tamper == "edit":  # someone turns a withdrawal into a grant
            session.execute(
                update(ConsentEvent).where(ConsentEvent.seq == 2).values(kind=EventKind.GRANTED)
            )
        elif tamper == "delete":
            session.execute(delete(ConsentEvent).where(ConsentEvent.seq == 2))
        else:  # the second and third entries swap places (their numbers swapped)
            session.execute(update(ConsentEvent).where(ConsentEvent.seq == 2).values(seq=-2))
            session.execute(update(ConsentEvent).where(ConsentEvent.seq == 3).values(seq=2))
            session.execute(update(ConsentEvent).where(ConsentEvent.seq == -2).values(seq=3))
    report, _ = service.verify(db)
    assert (report.intact, report.broken_at, report.problem) == (False, broken_at, problem)


def test_a_redacted_entry_keeps_the_chain(db: Database) -> None:
    _ledger(db, [EventKind.GRANTED, EventKind.WITHDRAWN])
    with db.transaction() as session:
        session.execute(
            update(ConsentEvent)
            .where(ConsentEvent.seq == 1)
            .values(
                email=None,
                phone=None,
                ip=None,
                user_agent=None,
                evidence=None,
                lead_id=None,
                redacted_at=T0,
            )
        )
    report, _ = service.verify(db)
    assert (report.intact, report.redacted) == (True, 1)


def test_texts_are_versioned_per_purpose_and_language(db: Database) -> None:
    with db.transaction() as session:
        purpose = service.get_purpose(session, "newsletter")
        assert purpose.double_opt_in is True
        seeded = service.current_text(session, purpose, "de")
        assert (seeded.version, seeded.text[:28]) == (1, "Ja, ich möchte den Newslette")
        second = service.publish_text(
            session, "newsletter", "de", "  Ja, bitte schickt mir den Newsletter.  ", actor="user:1"
        )
        assert (second.version, second.text) == (2, "Ja, bitte schickt mir den Newsletter.")
        assert service.current_text(session, purpose, "de").id == second.id
        assert service.current_text(session, purpose, "en").version == 1
        assert [(t.language, t.version) for t in service.texts_of(session, purpose)] == [
            ("de", 2),
            ("de", 1),
            ("en", 1),
        ]
        with pytest.raises(ValidationFailed) as refused:
            service.publish_text(session, "newsletter", "fr", "", actor="user:1")
        assert refused.value.errors == {
            "language": "Texts are in de or en, not 'fr'.",
            "text": "A consent text cannot be empty.",
        }
        with pytest.raises(NotFound, match="no consent purpose 'nope'"):
            service.get_purpose(session, "nope")


def test_the_default_purposes(db: Database) -> None:
    with db.read() as session:
        found = {(p.name, p.double_opt_in) for p in service.list_purposes(session)}
    assert found == {
        ("marketing_email", True),
        ("newsletter", True),
        ("profiling", False),
        ("sales_contact", False),
    }
