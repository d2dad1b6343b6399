"""Email through the outbox: queued in the caller's transaction, sent by the worker through
a real SMTP server (plain and STARTTLS), written to files for local use, checked at send
time (a refusal drops the message), retried on a temporary refusal, dead on a permanent one."""

from __future__ import annotations

import ssl
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from leadwerk.delivery import service as delivery
from leadwerk.delivery.mail import (
    Email,
    FileTransport,
    RecordingTransport,
    SmtpSettings,
    SmtpTransport,
    parse_smtp_url,
    transport_from_url,
)
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage
from leadwerk.delivery.ports import FakeWebhookSender
from leadwerk.delivery.types import MessageKind, MessageStatus
from leadwerk.delivery.worker import Mailer, Worker, WorkerConfig
from leadwerk.errors import ConfigurationError
from leadwerk.storage.engine import Database
from tests.factories.delivery import T0, Clock
from tests.factories.mail import Inbox, self_signed, smtp_server

CONFIG = WorkerConfig(batch_size=10, max_attempts=3, backoff_jitter=0.0, timeout_seconds=5)
WELCOME = Email(
    to="anna.mueller@example.de",
    subject="Bitte bestätigen Sie Ihre Anmeldung",
    text="Hallo Anna,\nbitte bestätigen Sie: https://leadwerk.example/c/confirm/abc\n",
    html="<p>Hallo Anna, bitte <a href='https://leadwerk.example/c/confirm/abc'>bestätigen</a></p>",
    headers={
        "List-Unsubscribe": "<https://leadwerk.example/u/xyz>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)


class Refuse:
    def __init__(self, reason: str | None) -> None:
        self.reason = reason
        self.asked: list[tuple[int | None, str | None]] = []

    def refusal(self, lead_id: int | None, purpose: str | None) -> str | None:
        self.asked.append((lead_id, purpose))
        return self.reason


def _queue(db: Database, email: Email = WELCOME, purpose: str | None = None) -> str:
    with db.transaction() as session:
        return delivery.queue_email(
            session, email, event_type="consent.confirmation", lead_id=7, purpose=purpose
        )


def _worker(db: Database, mailer: Mailer) -> Worker:
    return Worker("w1", db, CONFIG, FakeWebhookSender(), mailer=mailer, clock=Clock(T0))


def _message(db: Database, key: str) -> OutboxMessage:
    with db.read() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()


def test_a_queued_email_goes_out_with_its_headers(db: Database) -> None:
    key = _queue(db)
    transport = RecordingTransport()
    assert _worker(db, Mailer(transport, "Leadwerk <news@leadwerk.example>")).run_once() == 1
    (sent,) = transport.sent
    assert (sent["From"], sent["To"], sent["Subject"]) == (
        "Leadwerk <news@leadwerk.example>",
        "anna.mueller@example.de",
        "Bitte bestätigen Sie Ihre Anmeldung",
    )
    assert sent["Message-ID"].endswith("@leadwerk.example>")
    assert key.replace("-", "") in sent["Message-ID"]
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.get_body(("plain",)).get_content().startswith("Hallo Anna,")  # type: ignore[union-attr]
    assert "bestätigen</a>" in sent.get_body(("html",)).get_content()  # type: ignore[union-attr]
    message = _message(db, key)
    assert (message.kind, message.status) == (MessageKind.EMAIL, MessageStatus.DELIVERED)


def test_the_send_time_check_drops_a_refused_message(db: Database) -> None:
    key = _queue(db, purpose="newsletter")
    transport = RecordingTransport()
    check = Refuse("Not sent: the consent of lead 7 for newsletter is withdrawn.")
    _worker(db, Mailer(transport, "news@leadwerk.example", check)).run_once()
    assert transport.sent == []
    assert check.asked == [(7, "newsletter")]
    message = _message(db, key)
    assert (message.status, message.last_error) == (
        MessageStatus.DROPPED,
        "Not sent: the consent of lead 7 for newsletter is withdrawn.",
    )
    with db.read() as session:
        attempts = session.scalars(select(DeliveryAttempt)).all()
        assert [(a.succeeded, a.error) for a in attempts] == [(False, message.last_error)]


def test_through_a_real_smtp_server(db: Database) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        transport = transport_from_url(f"smtp://127.0.0.1:{port}?starttls=false", timeout=5)
        key = _queue(db)
        _worker(db, Mailer(transport, "Leadwerk <news@leadwerk.example>")).run_once()
    assert _message(db, key).status is MessageStatus.DELIVERED
    (received,) = inbox.messages
    assert inbox.envelopes == [("news@leadwerk.example", ["anna.mueller@example.de"])]
    assert received["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung"
    assert received["List-Unsubscribe"] == "<https://leadwerk.example/u/xyz>"


def test_starttls_is_used_and_a_server_without_it_is_refused(db: Database, tmp_path: Path) -> None:
    certificate = self_signed(tmp_path)
    inbox = Inbox()
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    with smtp_server(inbox, certificate=certificate) as port:
        settings = parse_smtp_url(f"smtp://127.0.0.1:{port}")
        assert settings.starttls
        key = _queue(db)
        transport = SmtpTransport(settings, timeout=5, context=trusted)
        _worker(db, Mailer(transport, "news@leadwerk.example")).run_once()
    assert _message(db, key).status is MessageStatus.DELIVERED
    assert len(inbox.messages) == 1
    with smtp_server(Inbox()) as plain_port:
        result = SmtpTransport(
            SmtpSettings(
                "127.0.0.1", plain_port, tls=False, starttls=True, username=None, password=None
            ),
            timeout=5,
        ).send(next(iter(inbox.messages)))
    assert not result.ok
    assert "offers no STARTTLS" in (result.error or "")


def test_temporary_refusals_are_retried_and_permanent_ones_are_dead(db: Database) -> None:
    later = Inbox(reply="451 4.3.0 Try again later")
    never = Inbox(reply="550 5.1.1 No such user")
    for inbox, status in ((later, MessageStatus.PENDING), (never, MessageStatus.DEAD)):
        key = _queue(db)
        with smtp_server(inbox) as port:
            transport = transport_from_url(f"smtp://127.0.0.1:{port}?starttls=false", timeout=5)
            _worker(db, Mailer(transport, "news@leadwerk.example")).run_once()
        message = _message(db, key)
        assert message.status is status
        assert message.last_error is not None
        assert message.last_error == f"SMTP {inbox.reply[:3]}: {inbox.reply[4:]}"
        with db.transaction() as session:
            session.get(OutboxMessage, message.id).status = MessageStatus.DELIVERED  # type: ignore[union-attr]


def test_the_file_transport_writes_eml_files(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    transport = transport_from_url(f"file://{folder}", timeout=5)
    assert isinstance(transport, FileTransport)
    key = _queue(db)
    _worker(db, Mailer(transport, "news@leadwerk.example")).run_once()
    assert _message(db, key).status is MessageStatus.DELIVERED
    (written,) = folder.glob("*.eml")
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert (parsed["To"], parsed["Subject"]) == (WELCOME.to, WELCOME.subject)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpSettings("mail.example.com", 587, False, True, None, None)),
        (
            "smtps://user%40firma.de:p%3Ass@mail.example.com",
            SmtpSettings("mail.example.com", 465, True, False, "user@firma.de", "p:ss"),
        ),
        (
            "smtp://relay:25?starttls=false",
            SmtpSettings("relay", 25, False, False, None, None),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpSettings) -> None:
    assert parse_smtp_url(url) == expected


def test_a_bad_smtp_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="LEADWERK_SMTP_URL must look like"):
        parse_smtp_url("http://mail.example.com")


def test_without_a_mailer_an_email_is_retried(db: Database) -> None:
    key = _queue(db)
    Worker("w1", db, replace(CONFIG), FakeWebhookSender(), clock=Clock(T0)).run_once()
    message = _message(db, key)
    assert (message.status, message.last_error) == (
        MessageStatus.PENDING,
        "No mail transport is set up.",
    )
