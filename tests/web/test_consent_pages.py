"""The double opt-in page a person reaches from the email: the link shows what they agreed to
and a button; only the button confirms (with their IP and user agent); a used, expired or
changed link says so in the person's language; nothing they typed becomes markup."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select, update
from starlette.testclient import TestClient

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.consent import service
from leadwerk.consent.models import ConsentEvent, OptInRequest
from leadwerk.consent.types import ConsentClaim, ConsentLinks, EventKind
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.types import MessageKind
from leadwerk.settings import Settings
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database


def _sign_up(db: Database, settings: Settings, language: str = "de") -> str:
    """A newsletter sign-up; returns the path of the confirmation link in its email."""
    with db.transaction() as session:
        text = service.current_text(session, service.get_purpose(session, "newsletter"), language)
        capture.run_intake(
            session,
            Intake(
                email="anna@example.de",
                first_name="<script>alert(1)</script>",
                consents=(ConsentClaim("newsletter", text_id=text.id),),
            ),
            actor="test",
            links=ConsentLinks.from_settings(settings),
        )
        payload = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == MessageKind.EMAIL)
        ).one()
    found = re.search(r"(/c/\S+)", payload["email"]["text"])
    assert found is not None
    return found.group(1)


def test_the_link_shows_and_the_button_confirms(
    client: TestClient, db: Database, settings: Settings
) -> None:
    path = _sign_up(db, settings)
    shown = client.get(path)
    assert shown.status_code == 200
    assert shown.headers["content-language"] == "de"
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert "Bestätigen: Newsletter" in shown.text
    assert "Ja, ich möchte den Newsletter per E-Mail erhalten." in shown.text
    assert f'<form method="post" action="{path}">' in shown.text
    with db.read() as session:  # showing the page confirmed nothing
        assert [e.kind for e in session.scalars(select(ConsentEvent))] == [
            EventKind.CONFIRMATION_REQUESTED
        ]
    confirmed = client.post(path, headers={"user-agent": "Mozilla/5.0 (Test)"})
    assert confirmed.status_code == 200
    assert "Ihre Bestätigung ist gespeichert." in confirmed.text
    with db.read() as session:
        event = session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq.desc())).first()
        assert event is not None
        # (the test client's peer is "testclient", not an address: the browser test sees one)
        assert (event.kind, event.user_agent, event.ip) == (
            EventKind.CONFIRMED,
            "Mozilla/5.0 (Test)",
            None,
        )
    again = client.post(path)
    assert "Sie haben das bereits bestätigt." in again.text
    with db.read() as session:
        kinds = [e.kind for e in session.scalars(select(ConsentEvent))]
    assert kinds == [EventKind.CONFIRMATION_REQUESTED, EventKind.CONFIRMED]


def test_an_expired_or_changed_link_says_so(
    client: TestClient, db: Database, settings: Settings
) -> None:
    path = _sign_up(db, settings, language="en")
    with db.transaction() as session:
        session.execute(update(OptInRequest).values(status="expired", closed_at=utcnow()))
    expired = client.post(path)
    assert expired.status_code == 200
    assert "This link has expired. Please sign up again" in expired.text
    number, expiry, mac = path.removeprefix("/c/").split(".")
    changed = client.get(f"/c/{number}.{int(expiry) + 60}.{mac}", headers={"accept-language": "de"})
    assert changed.status_code == 404
    assert "Dieser Bestätigungslink ist ungültig." in changed.text
    assert client.get("/c/" + "x" * 300).status_code == 404


def test_nothing_the_person_typed_becomes_markup(
    client: TestClient, db: Database, settings: Settings
) -> None:
    path = _sign_up(db, settings)
    with db.read() as session:
        payload = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == MessageKind.EMAIL)
        ).one()
    assert "<script>" not in payload["email"]["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in payload["email"]["html"]
    assert "<script>" not in client.get(path).text.split("</head>")[1]


def test_a_link_past_its_time_is_expired_before_any_housekeeping(
    client: TestClient, db: Database, settings: Settings
) -> None:
    path = _sign_up(db, settings)
    with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
        shown = client.get(path)
        assert "Dieser Link ist abgelaufen." in shown.text
        assert "Dieser Link ist abgelaufen." in client.post(path).text
    with db.read() as session:
        assert [e.kind for e in session.scalars(select(ConsentEvent))] == [
            EventKind.CONFIRMATION_REQUESTED
        ]
