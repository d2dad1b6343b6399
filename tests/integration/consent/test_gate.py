"""The consent gate, and the send-time check the worker gets from the wiring code: a message
for a purpose goes only while the consent is in force; a withdrawal after queueing drops it;
a merge in between is followed; a lead gone is not written to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import gate, service
from leadwerk.consent.types import EventContent, EventKind, Method
from leadwerk.delivery import service as delivery
from leadwerk.delivery.mail import Email, RecordingTransport
from leadwerk.delivery.models import OutboxMessage
from leadwerk.delivery.ports import FakeWebhookSender
from leadwerk.delivery.types import MessageStatus
from leadwerk.delivery.worker import Mailer, Worker, WorkerConfig
from leadwerk.identity import merging
from leadwerk.identity.types import MergeReason
from leadwerk.storage.engine import Database
from leadwerk.worker import ConsentCheck
from tests.factories.leads import make_lead

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _event(session: Session, lead_id: int, kind: EventKind, purpose: str = "newsletter") -> None:
    service.record(
        session,
        lead_id,
        EventContent(kind=kind, purpose=purpose, text_id=None, method=Method.API, occurred_at=T0),
    )


def test_the_gate_follows_the_latest_entry(db: Database) -> None:
    with db.transaction() as session:
        lead = make_lead(session, email="a@example.de").id
        assert gate.decide(session, lead, None) == gate.Decision(True, "transactional message")
        assert gate.decide(session, lead, "newsletter") == gate.Decision(
            False, f"lead {lead} has no consent for newsletter"
        )
        _event(session, lead, EventKind.CONFIRMATION_REQUESTED)
        assert gate.decide(session, lead, "newsletter") == gate.Decision(
            False, f"the consent of lead {lead} for newsletter is waiting for confirmation"
        )
        _event(session, lead, EventKind.CONFIRMED)
        decision = gate.decide(session, lead, "newsletter")
        assert decision.allowed
        assert decision.reason.startswith("consent for newsletter in force (ledger entry ")
        _event(session, lead, EventKind.WITHDRAWN)
        assert gate.decide(session, lead, "newsletter") == gate.Decision(
            False, f"the consent of lead {lead} for newsletter is withdrawn"
        )
        assert gate.decide(session, None, "newsletter").allowed is False


def _send(db: Database) -> tuple[RecordingTransport, int]:
    transport = RecordingTransport()
    mailer = Mailer(transport, "news@leadwerk.example", ConsentCheck(db))
    config = WorkerConfig(backoff_jitter=0.0)
    sent = Worker("w1", db, config, FakeWebhookSender(), mailer=mailer).run_once()
    return transport, sent


def _queue(db: Database, lead_id: int) -> str:
    with db.transaction() as session:
        return delivery.queue_email(
            session,
            Email(to="a@example.de", subject="News", text="…"),
            event_type="newsletter",
            lead_id=lead_id,
            purpose="newsletter",
        )


def _status(db: Database, key: str) -> tuple[MessageStatus, str | None]:
    with db.read() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
        return message.status, message.last_error


def test_a_withdrawal_after_queueing_drops_the_message(db: Database) -> None:
    with db.transaction() as session:
        lead = make_lead(session, email="a@example.de").id
        _event(session, lead, EventKind.GRANTED, "newsletter")
    kept = _queue(db, lead)
    transport, _ = _send(db)
    assert len(transport.sent) == 1
    assert _status(db, kept)[0] is MessageStatus.DELIVERED
    dropped = _queue(db, lead)
    with db.transaction() as session:
        _event(session, lead, EventKind.WITHDRAWN)
    transport, _ = _send(db)
    assert transport.sent == []
    assert _status(db, dropped) == (
        MessageStatus.DROPPED,
        f"Not sent: the consent of lead {lead} for newsletter is withdrawn.",
    )


def test_the_check_follows_a_merge_and_refuses_a_lead_gone(db: Database) -> None:
    with db.transaction() as session:
        keep = make_lead(session, email="keep@example.de").id
        other = make_lead(session, email="other@example.de").id
        _event(session, other, EventKind.GRANTED)
    key = _queue(db, other)
    with db.transaction() as session:  # the consent moves with the merge
        merging.merge_leads(
            session, survivor_id=keep, merged_id=other, actor="t", reason=MergeReason.MANUAL
        )
    transport, _ = _send(db)
    assert len(transport.sent) == 1
    assert _status(db, key)[0] is MessageStatus.DELIVERED
    gone = _queue(db, 999_999)
    _send(db)
    assert _status(db, gone) == (
        MessageStatus.DROPPED,
        "Not sent: lead 999999 no longer exists (erased).",
    )
