"""Outbound email behind a Protocol: SMTP (STARTTLS or TLS) for real use, a file transport
that writes each message as an .eml file for local use, and a recording fake for tests.

`LEADWERK_SMTP_URL` chooses: `smtp://user:password@host:587` (STARTTLS when the server offers
it, required unless `?starttls=false`), `smtps://user:password@host:465` (TLS from the first
byte), `file:///path/to/folder` (or `file://var/mail`, relative to the working directory).
A transport never raises for a failed delivery: it answers a `SendResult` (SMTP's reply code
in `status_code`; 2xx is success, 5xx is final, everything else is tried again).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from leadwerk.delivery.ports import EXCERPT_CHARS, SendResult
from leadwerk.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Email:
    """One message as the outbox keeps it (plain JSON data)."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # List-Unsubscribe, …

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "headers": dict(self.headers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Email:
        return cls(
            to=str(data["to"]),
            subject=str(data["subject"]),
            text=str(data["text"]),
            html=data.get("html"),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
        )


def build_message(email: Email, *, sender: str, message_key: str, now: datetime) -> EmailMessage:
    """The MIME message: text, and HTML as its alternative when given. The Message-ID is made
    from the outbox key, so a message sent again after a crash carries the same id (mail
    systems use it to drop the second copy)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now.astimezone(UTC))
    domain = sender.rpartition("@")[2].strip("> ") or "leadwerk.invalid"
    message["Message-ID"] = make_msgid(idstring=message_key.replace("-", ""), domain=domain)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> SendResult:
        """Hand the message on; never raises for a failed delivery."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    starttls: bool  # require STARTTLS on a plain connection
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(
            "LEADWERK_SMTP_URL must look like smtp://user:password@host:587, "
            "smtps://user:password@host:465 or file:///path/to/folder."
        )
    options = parse_qs(parts.query)
    tls = parts.scheme == "smtps"
    starttls = not tls and options.get("starttls", ["true"])[0].lower() not in ("false", "0", "no")
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 587),
        tls=tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpTransport:
    """One connection per message (simple, and safe across threads); certificates are
    checked against the system's trust store unless a context is given (tests)."""

    def __init__(
        self, settings: SmtpSettings, *, timeout: float, context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.context = context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=self.context)
        connection = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        connection.ehlo()
        if connection.has_extn("starttls"):
            connection.starttls(context=self.context)
            connection.ehlo()
        elif s.starttls:
            connection.quit()
            raise smtplib.SMTPNotSupportedError(
                "the server offers no STARTTLS (add ?starttls=false to send without TLS)"
            )
        return connection

    def send(self, message: EmailMessage) -> SendResult:
        try:
            with self._connect() as connection:
                if self.settings.username:
                    connection.login(self.settings.username, self.settings.password or "")
                refused = connection.send_message(message)
            if refused:
                code, reason = next(iter(refused.values()))
                return _smtp_failure(code, reason)
            return SendResult(status_code=250, excerpt="250 accepted")
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            return _smtp_failure(code, reason)
        except smtplib.SMTPResponseException as exc:
            return _smtp_failure(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])

    def close(self) -> None:
        pass


def _smtp_failure(code: int, reason: bytes | str) -> SendResult:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return SendResult(
        status_code=code,
        excerpt=text[:EXCERPT_CHARS],
        error=f"SMTP {code}: {text}"[:EXCERPT_CHARS],
        permanent=500 <= code < 600,
    )


class FileTransport:
    """Writes each message to `folder` as `<time>-<id>.eml`, for local use (the UI lists
    them); nothing leaves the machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> SendResult:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(bytes(message))
        except OSError as exc:
            return SendResult(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        return SendResult(status_code=250, excerpt=f"written to {path.name}")

    def close(self) -> None:
        pass


@dataclass
class RecordingTransport:
    """Keeps every message (for tests); answers `result`."""

    result: SendResult = field(default_factory=lambda: SendResult(status_code=250, excerpt="ok"))
    sent: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, message: EmailMessage) -> SendResult:
        with self._lock:
            self.sent.append(message)
        return self.result

    def close(self) -> None:
        pass


def file_folder(url: str) -> Path | None:
    """The folder of a `file:` URL (`file:///abs/path` or `file://relative/path`), else None."""
    if not url.startswith("file:"):
        return None
    parts = urlsplit(url)
    return Path(unquote(parts.netloc + parts.path))


def mail_host(url: str) -> str | None:
    """The mail server's host of `LEADWERK_SMTP_URL`, or None for the file transport."""
    return None if file_folder(url) is not None else urlsplit(url).hostname


def transport_from_url(url: str, *, timeout: float) -> MailTransport:
    folder = file_folder(url)
    if folder is not None:
        return FileTransport(folder)
    return SmtpTransport(parse_smtp_url(url), timeout=timeout)
