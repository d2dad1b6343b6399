"""Withdrawal from an email: marketing email carries the unsubscribe link and the one-click
headers (RFC 8058); the mail program's POST withdraws at once, without a session; the page's
link only asks; the preference center changes purposes; links of a lead merged since lead on
to the lead it is now."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from leadwerk.consent import mailing, service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import ConsentLinks, ConsentStatus, EventContent, EventKind, Method
from leadwerk.delivery.models import OutboxMessage
from leadwerk.identity import merging
from leadwerk.identity.types import MergeReason
from leadwerk.leads.models import Lead
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead


def _grant(session: Session, lead_id: int, purpose: str) -> None:
    service.record(
        session,
        lead_id,
        EventContent(
            kind=EventKind.GRANTED,
            purpose=purpose,
            text_id=None,
            method=Method.API,
            occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
        ),
    )


def _newsletter(db: Database, settings: Settings) -> tuple[int, dict[str, object]]:
    """A lead with newsletter consent and one newsletter in the outbox."""
    links = ConsentLinks.from_settings(settings)
    with db.transaction() as session:
        lead = make_lead(session, email="anna@example.de", language="de")
        _grant(session, lead.id, "newsletter")
        _grant(session, lead.id, "sales_contact")
        key = mailing.marketing_email(
            session,
            links,
            lead=lead,
            purpose="newsletter",
            subject="Neuigkeiten im Dezember",
            text="Hallo Anna, hier sind unsere Neuigkeiten.",
            html="<p>Hallo Anna</p>",
            event_type="newsletter.december",
        )
        assert key is not None
        payload = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.idempotency_key == key)
        ).one()
        return lead.id, payload


def _statuses(db: Database, lead_id: int) -> dict[str, ConsentStatus]:
    with db.read() as session:
        return {p: s.status for p, s in service.statuses(session, lead_id).items()}


def test_marketing_email_carries_the_way_out(db: Database, settings: Settings) -> None:
    lead_id, payload = _newsletter(db, settings)
    assert (payload["lead_id"], payload["purpose"]) == (lead_id, "newsletter")
    email = payload["email"]
    headers = email["headers"]  # type: ignore[index]
    unsubscribe = re.fullmatch(r"<(https?://\S+/u/newsletter/\S+)>", headers["List-Unsubscribe"])
    assert unsubscribe is not None
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Abmelden: {unsubscribe.group(1)}" in email["text"]  # type: ignore[index]
    assert "Ihre Einstellungen: " in email["text"]  # type: ignore[index]
    assert f'href="{unsubscribe.group(1)}"' in email["html"]  # type: ignore[index]
    with db.transaction() as session:  # no consent, no marketing email
        stranger = make_lead(session, email="b@example.de")
        assert (
            mailing.marketing_email(
                session,
                ConsentLinks.from_settings(settings),
                lead=stranger,
                purpose="newsletter",
                subject="x",
                text="x",
                event_type="newsletter.december",
            )
            is None
        )


def _unsubscribe_path(payload: dict[str, object]) -> str:
    found = re.search(r"(/u/newsletter/\S+)>", payload["email"]["headers"]["List-Unsubscribe"])  # type: ignore[index]
    assert found is not None
    return found.group(1)


def test_one_click_withdraws_at_once_without_a_session(
    app: object, db: Database, settings: Settings
) -> None:
    lead_id, payload = _newsletter(db, settings)
    path = _unsubscribe_path(payload)
    with TestClient(app) as mail_program:  # type: ignore[arg-type]
        asked = mail_program.get(path)
        assert asked.status_code == 200
        assert "Möchten Sie dazu nichts mehr erhalten?" in asked.text
        assert _statuses(db, lead_id)["newsletter"] is ConsentStatus.GRANTED
        done = mail_program.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200
        assert "Sie sind abgemeldet." in done.text
        mail_program.post(path, content=b"List-Unsubscribe=One-Click")  # sent twice
    assert _statuses(db, lead_id) == {
        "newsletter": ConsentStatus.WITHDRAWN,
        "sales_contact": ConsentStatus.GRANTED,
    }
    with db.read() as session:
        withdrawals = session.scalars(
            select(ConsentEvent).where(ConsentEvent.kind == EventKind.WITHDRAWN)
        ).all()
        assert [(e.purpose, e.method) for e in withdrawals] == [("newsletter", Method.UNSUBSCRIBE)]


def test_the_preference_center_changes_purposes(
    client: TestClient, db: Database, settings: Settings
) -> None:
    lead_id, payload = _newsletter(db, settings)
    found = re.search(r"(/p/\S+)", payload["email"]["text"])  # type: ignore[arg-type,index]
    assert found is not None
    path = found.group(1)
    shown = client.get(path)
    assert shown.status_code == 200
    assert "Ihre Einstellungen" in shown.text
    assert 'value="newsletter" checked' in shown.text
    assert 'value="profiling">' in shown.text
    saved = client.post(path, data={"purpose": ["newsletter", "profiling"]})
    assert "Ihre Auswahl ist gespeichert." in saved.text
    assert _statuses(db, lead_id) == {
        "newsletter": ConsentStatus.GRANTED,
        "profiling": ConsentStatus.GRANTED,
        "sales_contact": ConsentStatus.WITHDRAWN,
    }
    with db.read() as session:
        latest = session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq.desc())).all()
        methods = {(e.purpose, e.kind, e.method) for e in latest[:2]}
        assert methods == {
            ("profiling", EventKind.GRANTED, Method.PREFERENCE_CENTER),
            ("sales_contact", EventKind.WITHDRAWN, Method.PREFERENCE_CENTER),
        }
        granted = next(e for e in latest if e.purpose == "profiling")
        assert granted.text_id is not None
        assert granted.evidence is not None
        assert granted.evidence["text"].startswith("Ja, meine Angaben")
    assert service.verify(db)[0].intact


def test_links_of_a_merged_lead_lead_on_and_bad_links_are_refused(
    client: TestClient, db: Database, settings: Settings
) -> None:
    lead_id, payload = _newsletter(db, settings)
    with db.transaction() as session:
        keep = make_lead(session, email="anna.keep@example.de").id
        merging.merge_leads(
            session, survivor_id=keep, merged_id=lead_id, actor="t", reason=MergeReason.MANUAL
        )
    client.post(_unsubscribe_path(payload))
    assert _statuses(db, keep)["newsletter"] is ConsentStatus.WITHDRAWN
    with db.read() as session:
        assert session.get(Lead, lead_id) is None
    assert client.get("/u/newsletter/1.99999999999.forged").status_code == 404
    assert (
        client.get(_unsubscribe_path(payload).replace("/newsletter/", "/profiling/")).status_code
        == 404
    )
    assert client.get("/p/1.2.3").status_code == 404
