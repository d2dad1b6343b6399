"""The file transport's folder read back, for the mail page of Deliveries: the messages newest
first, one message with its plain-text body, and a file as it was written.

A message's name is its file name without `.eml`, only in the form `FileTransport` writes
(`<UTC time>-<8 hex>`): any other name is unknown, so no path outside the folder can be asked
for. A file that is no email is listed as unreadable instead of failing the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from leadwerk.errors import NotFound

NAME = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}")
SUFFIX = ".eml"
LIST_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
# What parsing a file and decoding its parts can raise (LookupError: an unknown charset).
_UNREADABLE = (ValueError, LookupError, MessageError)


@dataclass(frozen=True, slots=True)
class MailSummary:
    """One row of the folder's list, from the file's headers only."""

    name: str
    size: int
    readable: bool = True
    sent_at: datetime | None = None
    to: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class MailMessage:
    name: str
    size: int
    readable: bool = True
    sent_at: datetime | None = None
    sender: str = ""
    to: str = ""
    subject: str = ""
    list_headers: tuple[tuple[str, str], ...] = ()
    text: str | None = None  # the text/plain body; None when there is none (HTML only)


def is_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


def list_mail(folder: Path, *, limit: int, before: str | None = None) -> list[MailSummary]:
    """The newest `limit` messages, or those older than the message `before`. A folder not
    made yet holds none. Only the shown files are opened, so a full folder stays quick."""
    names = sorted((p.stem for p in folder.glob(f"*{SUFFIX}") if is_name(p.stem)), reverse=True)
    if before is not None:
        names = [name for name in names if name < before]
    return [_summary(folder, name) for name in names[:limit]]


def read_mail(folder: Path, name: str) -> MailMessage:
    raw = raw_mail(folder, name)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not message.keys():
            return MailMessage(name, len(raw), readable=False)
        body = message.get_body(preferencelist=("plain",))
        return MailMessage(
            name,
            len(raw),
            sent_at=_sent_at(message),
            sender=str(message.get("From", "")),
            to=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            list_headers=tuple((h, str(message[h])) for h in LIST_HEADERS if h in message),
            text=None if body is None else body.get_content(),
        )
    except _UNREADABLE:
        return MailMessage(name, len(raw), readable=False)


def raw_mail(folder: Path, name: str) -> bytes:
    """The file as the transport wrote it."""
    if not is_name(name):
        raise NotFound("No such email.")
    try:
        return (folder / f"{name}{SUFFIX}").read_bytes()
    except OSError:
        raise NotFound("No such email.") from None


def _summary(folder: Path, name: str) -> MailSummary:
    try:
        raw = (folder / f"{name}{SUFFIX}").read_bytes()
    except OSError:  # deleted since the folder was listed, or not a file
        return MailSummary(name, 0, readable=False)
    try:
        head = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        if not head.keys():
            return MailSummary(name, len(raw), readable=False)
        return MailSummary(
            name,
            len(raw),
            sent_at=_sent_at(head),
            to=str(head.get("To", "")),
            subject=str(head.get("Subject", "")),
        )
    except _UNREADABLE:
        return MailSummary(name, len(raw), readable=False)


def _sent_at(message: EmailMessage) -> datetime | None:
    """The Date header (a `DateHeader`, whose datetime is None when the value is no date);
    a date without a zone (`-0000`) is taken as UTC."""
    header = message["Date"]
    sent: datetime | None = None if header is None else header.datetime
    return sent.replace(tzinfo=UTC) if sent is not None and sent.tzinfo is None else sent
