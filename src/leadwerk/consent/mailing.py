"""Marketing email and its way out: every marketing email is built here, after the consent
gate, with an unsubscribe link and the `List-Unsubscribe` and `List-Unsubscribe-Post` headers
of RFC 8058 (one click in the mail program), and a link to the person's preference center.

Links are signed per use (`rules.derive_key`): `/u/{purpose}/{token}` unsubscribes from one
purpose, `/p/{token}` opens the preference center. They hold for `LINK_DAYS` (an old email's
link still works) and need no sign-in: the token is the proof that the person holds the
mailbox the email went to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import gate, rules, service
from leadwerk.consent.models import ConsentEvent, OptInRequest
from leadwerk.consent.types import (
    ConsentLinks,
    ConsentStatus,
    EventContent,
    EventKind,
    Method,
    RequestStatus,
)
from leadwerk.delivery import service as delivery
from leadwerk.delivery.mail import Email
from leadwerk.errors import NotFound
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow

LINK_DAYS = 3 * 365
_FOOTER = {
    "de": ("Abmelden: {unsubscribe}", "Ihre Einstellungen: {preferences}"),
    "en": ("Unsubscribe: {unsubscribe}", "Your preferences: {preferences}"),
}


def _key(links: ConsentLinks, use: str) -> bytes:
    return rules.derive_key(links.secret_key, use)


def _token(links: ConsentLinks, use: str, lead_id: int, now: datetime) -> str:
    expires = int((now + timedelta(days=LINK_DAYS)).timestamp())
    return rules.sign_token(_key(links, use), lead_id, expires)


def unsubscribe_link(links: ConsentLinks, lead_id: int, purpose: str, now: datetime) -> str:
    token = _token(links, f"unsubscribe:{purpose}", lead_id, now)
    return f"{links.base_url.rstrip('/')}/u/{purpose}/{token}"


def preferences_link(links: ConsentLinks, lead_id: int, now: datetime) -> str:
    return f"{links.base_url.rstrip('/')}/p/{_token(links, 'preferences', lead_id, now)}"


def _read(links: ConsentLinks, use: str, token: str, now: datetime) -> int:
    read = rules.read_token(_key(links, use), token)
    if read is None or read[1] < now.timestamp():
        raise NotFound("This link is not valid (any more).")
    return read[0]


def lead_of_unsubscribe(links: ConsentLinks, purpose: str, token: str) -> int:
    """The lead an unsubscribe link was made for (it may have been merged into another
    since: the caller follows it)."""
    return _read(links, f"unsubscribe:{purpose}", token, utcnow())


def lead_of_preferences(links: ConsentLinks, token: str) -> int:
    return _read(links, "preferences", token, utcnow())


def marketing_email(
    session: Session,
    links: ConsentLinks,
    *,
    lead: Lead,
    purpose: str,
    subject: str,
    text: str,
    html: str | None = None,
    event_type: str,
) -> str | None:
    """Queue one marketing email to the lead for `purpose`, if the gate allows it now (the
    worker asks again at send time); with the footer links and the one-click headers. The
    outbox key, or None when it may not be sent."""
    if not lead.email or not gate.decide(session, lead.id, purpose).allowed:
        return None
    now = utcnow()
    unsubscribe = unsubscribe_link(links, lead.id, purpose, now)
    preferences = preferences_link(links, lead.id, now)
    language = lead.language if lead.language in _FOOTER else "en"
    lines = [
        line.format(unsubscribe=unsubscribe, preferences=preferences) for line in _FOOTER[language]
    ]
    footer_html = "".join(
        f'<p><a href="{escape(url, quote=True)}">{escape(line.split(": ", 1)[0])}</a></p>'
        for line, url in zip(lines, (unsubscribe, preferences), strict=True)
    )
    email = Email(
        to=lead.email,
        subject=subject,
        text=f"{text.rstrip()}\n\n-- \n" + "\n".join(lines) + "\n",
        html=f"{html}{footer_html}" if html else None,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return delivery.queue_email(
        session, email, event_type=event_type, lead_id=lead.id, purpose=purpose
    )


def withdraw(
    session: Session,
    lead_id: int,
    purposes: Iterable[str],
    *,
    method: Method,
    ip: str | None,
    user_agent: str | None,
    evidence: dict[str, object] | None = None,
) -> list[ConsentEvent]:
    """Withdraw the lead's consent for each purpose, at once (a queued message is dropped at
    send time); a purpose withdrawn already records nothing new (mail programs may send a
    one-click request twice). A pending double opt-in for it is closed too."""
    now = utcnow()
    lead = session.get(Lead, lead_id)
    clean_ip, _problem = rules.clean_ip(ip)
    written = []
    for purpose in purposes:
        current = service.status_of(session, lead_id, purpose)
        if current is not None and current.status is ConsentStatus.WITHDRAWN:
            continue
        for request in session.scalars(
            select(OptInRequest).where(
                OptInRequest.lead_id == lead_id,
                OptInRequest.purpose == purpose,
                OptInRequest.status == RequestStatus.PENDING,
            )
        ):
            request.status = RequestStatus.WITHDRAWN
            request.closed_at = now
        written.append(
            service.record(
                session,
                lead_id,
                EventContent(
                    kind=EventKind.WITHDRAWN,
                    purpose=purpose,
                    text_id=None,
                    method=method,
                    occurred_at=now,
                    email=lead.email if lead else None,
                    phone=lead.phone if lead else None,
                    ip=clean_ip,
                    user_agent=user_agent[:500] if user_agent else None,
                    evidence=dict(evidence or {}),
                ),
            )
        )
    return written


@dataclass(frozen=True, slots=True)
class Choice:
    """One purpose in the preference center."""

    purpose: str
    label: str
    text: str
    text_id: int
    status: ConsentStatus | None

    @property
    def on(self) -> bool:
        return self.status in (ConsentStatus.GRANTED, ConsentStatus.PENDING)


def choices(session: Session, lead_id: int, language: str) -> list[Choice]:
    """Every purpose with its current text in the person's language and their status."""
    found = service.statuses(session, lead_id)
    result = []
    for purpose in service.list_purposes(session):
        text = service.current_text(session, purpose, language)
        status = found.get(purpose.name)
        result.append(
            Choice(
                purpose=purpose.name,
                label=purpose.label_in(language),
                text=text.text,
                text_id=text.id,
                status=status.status if status else None,
            )
        )
    return result


def set_preferences(
    session: Session,
    lead_id: int,
    wanted: set[str],
    *,
    language: str,
    ip: str | None,
    user_agent: str | None,
) -> list[ConsentEvent]:
    """The preference center saved: each purpose ticked that is not in force is granted (the
    signed link from the person's mailbox confirms it, double opt-in included), each purpose
    in force that is not ticked is withdrawn. The person saw the texts of `choices`."""
    now = utcnow()
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("This link is not valid (any more).")
    clean_ip, _problem = rules.clean_ip(ip)
    written: list[ConsentEvent] = []
    for choice in choices(session, lead_id, language):
        if choice.purpose in wanted and choice.status is not ConsentStatus.GRANTED:
            written.append(
                service.record(
                    session,
                    lead_id,
                    EventContent(
                        kind=EventKind.GRANTED,
                        purpose=choice.purpose,
                        text_id=choice.text_id,
                        method=Method.PREFERENCE_CENTER,
                        occurred_at=now,
                        email=lead.email,
                        phone=lead.phone,
                        ip=clean_ip,
                        user_agent=user_agent[:500] if user_agent else None,
                        evidence={"text": choice.text, "language": language},
                    ),
                )
            )
        elif choice.purpose not in wanted and choice.on:
            written.extend(
                withdraw(
                    session,
                    lead_id,
                    [choice.purpose],
                    method=Method.PREFERENCE_CENTER,
                    ip=ip,
                    user_agent=user_agent,
                )
            )
    return written
