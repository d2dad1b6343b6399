"""Double opt-in on both databases: the request and its email (in the outbox, in the
person's language, the exact text quoted, a signed link), confirming once with time, IP and
user agent, links that are changed, used up or expired, one reminder, and expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.consent import optin, service
from leadwerk.consent.models import ConsentEvent, OptInRequest
from leadwerk.consent.types import (
    ClaimAction,
    ConsentClaim,
    ConsentLinks,
    ConsentStatus,
    EventKind,
    Method,
    RequestStatus,
)
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.types import MessageKind
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

LINKS = ConsentLinks(base_url="https://leads.example.de", secret_key="k" * 40)


def _sign_up(db: Database, language: str = "de", **fields: object) -> tuple[int, OptInRequest]:
    with db.transaction() as session:
        purpose = service.get_purpose(session, "newsletter")
        text = service.current_text(session, purpose, language)
        claim = ConsentClaim("newsletter", ClaimAction.GRANT, text_id=text.id, ip="198.51.100.4")
        values = {"email": "anna@example.de", "first_name": "Anna", **fields}
        result, _ = capture.run_intake(
            session,
            Intake(**values, consents=(claim,)),
            actor="api_key:1",
            links=LINKS,  # type: ignore[arg-type]
        )
        request = session.scalars(select(OptInRequest)).one()
        session.expunge(request)
        return result.lead_id, request


def _emails(db: Database) -> list[dict[str, object]]:
    with db.read() as session:
        return [
            m.payload
            for m in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == MessageKind.EMAIL)
                .order_by(OutboxMessage.id)
            )
        ]


def _token(payload: dict[str, object]) -> str:
    text = payload["email"]["text"]  # type: ignore[index]
    found = re.search(r"https://leads\.example\.de/c/(\S+)", text)
    assert found is not None, text
    return found.group(1)


def test_a_sign_up_sends_the_confirmation_in_the_persons_language(db: Database) -> None:
    lead_id, request = _sign_up(db, first_name="Anna <b>")
    assert (request.lead_id, request.purpose, request.status, request.language) == (
        lead_id,
        "newsletter",
        RequestStatus.PENDING,
        "de",
    )
    assert request.expires_at - request.created_at == timedelta(hours=72)
    (payload,) = _emails(db)
    assert (payload["lead_id"], payload["purpose"]) == (lead_id, None)  # transactional
    email = payload["email"]
    assert email["to"] == "anna@example.de"  # type: ignore[index]
    assert email["subject"] == "Bitte bestätigen Sie: Newsletter"  # type: ignore[index]
    assert "Hallo Anna <b>," in email["text"]  # type: ignore[index,operator]
    assert "„Ja, ich möchte den Newsletter per E-Mail erhalten." in email["text"]  # type: ignore[index,operator]
    assert "Hallo Anna &lt;b&gt;," in email["html"]  # type: ignore[index,operator]
    assert _token(payload).startswith(f"{request.id}.")
    with db.read() as session:
        assert service.status_of(session, lead_id, "newsletter").status is ConsentStatus.PENDING  # type: ignore[union-attr]


def test_confirming_once_records_it_with_ip_and_user_agent(db: Database) -> None:
    lead_id, request = _sign_up(db)
    token = _token(_emails(db)[0])
    with db.transaction() as session:
        shown = optin.open_request(session, LINKS, token)
        assert (shown.purpose.name, shown.request.status) == ("newsletter", RequestStatus.PENDING)
        optin.confirm(session, LINKS, token, ip="203.0.113.9", user_agent="Firefox/140")
    with db.read() as session:
        event = session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq.desc())).first()
        assert event is not None
        assert (event.kind, event.method, event.ip, event.user_agent, event.email) == (
            EventKind.CONFIRMED,
            Method.DOUBLE_OPT_IN,
            "203.0.113.9",
            "Firefox/140",
            "anna@example.de",
        )
        assert event.method_ref == f"opt_in_request:{request.id}"
        assert service.status_of(session, lead_id, "newsletter").status is ConsentStatus.GRANTED  # type: ignore[union-attr]
    with db.transaction() as session, pytest.raises(Conflict, match="confirmed this already"):
        optin.confirm(session, LINKS, token, ip=None, user_agent=None)
    assert service.verify(db)[0].intact


@pytest.mark.parametrize("change", ["id", "expiry", "mac", "other key"])
def test_a_changed_link_is_not_valid(db: Database, change: str) -> None:
    _sign_up(db)
    token = _token(_emails(db)[0])
    number, expiry, mac = token.split(".")
    forged = {
        "id": f"{int(number) + 1}.{expiry}.{mac}",
        "expiry": f"{number}.{int(expiry) + 3600}.{mac}",
        "mac": f"{number}.{expiry}.{mac[::-1]}",
        "other key": token,
    }[change]
    links = ConsentLinks(LINKS.base_url, "x" * 40) if change == "other key" else LINKS
    with db.transaction() as session, pytest.raises(NotFound, match="not valid"):
        optin.confirm(session, links, forged, ip=None, user_agent=None)


def test_a_reminder_once_then_expiry(db: Database) -> None:
    lead_id, request = _sign_up(db)
    with db.transaction() as session:
        assert optin.remind_and_expire(session, LINKS) == optin.Housekeeping(0, 0)
        later = request.created_at + timedelta(hours=25)
        assert optin.remind_and_expire(session, LINKS, now=later) == optin.Housekeeping(1, 0)
        assert optin.remind_and_expire(session, LINKS, now=later) == optin.Housekeeping(0, 0)
    reminder = _emails(db)[-1]["email"]
    assert reminder["subject"] == "Erinnerung: Bitte bestätigen Sie: Newsletter"  # type: ignore[index]
    token = _token(_emails(db)[-1])
    with db.transaction() as session:
        gone = request.expires_at + timedelta(seconds=1)
        assert optin.remind_and_expire(session, LINKS, now=gone) == optin.Housekeeping(0, 1)
        assert service.status_of(session, lead_id, "newsletter").status is ConsentStatus.EXPIRED  # type: ignore[union-attr]
    with db.transaction() as session, pytest.raises(Conflict, match="expired"):
        optin.confirm(session, LINKS, token, ip=None, user_agent=None, now=utcnow())


def test_a_second_sign_up_supersedes_the_first_request(db: Database) -> None:
    _sign_up(db)
    first = _token(_emails(db)[0])
    with db.transaction() as session:
        text = service.current_text(session, service.get_purpose(session, "newsletter"), "en")
        claim = ConsentClaim("newsletter", text_id=text.id)
        capture.run_intake(
            session, Intake(email="anna@example.de", consents=(claim,)), actor="t", links=LINKS
        )
        statuses = session.scalars(select(OptInRequest.status).order_by(OptInRequest.id)).all()
        assert statuses == [RequestStatus.EXPIRED, RequestStatus.PENDING]
    assert _emails(db)[-1]["email"]["subject"] == "Please confirm: Newsletter"  # type: ignore[index]
    with db.transaction() as session, pytest.raises(Conflict, match="expired"):
        optin.confirm(session, LINKS, first, ip=None, user_agent=None)


def test_a_phone_only_lead_cannot_be_asked_by_email(db: Database) -> None:
    with db.transaction() as session:
        text = service.current_text(session, service.get_purpose(session, "newsletter"), "de")
        intake = Intake(
            phone="030 1234567",
            country="DE",
            consents=(ConsentClaim("newsletter", text_id=text.id),),
        )
        with pytest.raises(ValidationFailed) as refused:
            capture.run_intake(session, intake, actor="t", links=LINKS)
    assert refused.value.errors == {
        "email": "Consent for newsletter is confirmed by email: the lead needs an email address."
    }
