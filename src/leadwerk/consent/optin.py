"""Double opt-in: the confirmation email right after the commit (through the outbox), the
link that confirms (signed, expiring, single use), one reminder, and expiry.

A request is made when a grant for a purpose that needs double opt-in comes in
(`service.apply_claims` records CONFIRMATION_REQUESTED, then `request` here). The link names
the request and its expiry under a MAC (`rules.sign_token`); following it shows a page with a
button, and only the button (a POST) confirms: mail scanners that open every link in a message
must not confirm for the person. Confirming records CONFIRMED with the time, IP address and
user agent of that POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import emails, rules, service
from leadwerk.consent.models import ConsentPurpose, ConsentText, OptInRequest
from leadwerk.consent.types import ConsentLinks, EventContent, EventKind, Method, RequestStatus
from leadwerk.delivery import service as delivery
from leadwerk.errors import Conflict, NotFound
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow

_KEY_USE = "double-opt-in"  # the links' own key (rules.derive_key)
EVENT_TYPE = "consent.confirmation"


def _key(links: ConsentLinks) -> bytes:
    return rules.derive_key(links.secret_key, _KEY_USE)


def link_for(links: ConsentLinks, request: OptInRequest) -> str:
    token = rules.sign_token(_key(links), request.id, int(request.expires_at.timestamp()))
    return f"{links.base_url.rstrip('/')}/c/{token}"


def _send(
    session: Session,
    links: ConsentLinks,
    request: OptInRequest,
    *,
    name: str | None,
    reminder: bool,
) -> None:
    purpose = service.get_purpose(session, request.purpose)
    text = session.get(ConsentText, request.text_id) if request.text_id else None
    email = emails.confirmation(
        to=request.email or "",
        name=name,
        language=request.language,
        purpose_label=purpose.label_in(request.language),
        consent_text=text.text if text else "",
        link=link_for(links, request),
        until=request.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        reminder=reminder,
    )
    delivery.queue_email(
        session, email, event_type=EVENT_TYPE, lead_id=request.lead_id, purpose=None
    )


def request(
    session: Session,
    links: ConsentLinks,
    *,
    lead: Lead,
    purpose: ConsentPurpose,
    text: ConsentText | None,
    event_id: int,
    email: str,
    now: datetime | None = None,
) -> OptInRequest:
    """A request for the lead's confirmation of `purpose`, and its email in the outbox (sent
    after the commit). An earlier pending request for the purpose is superseded."""
    now = now or utcnow()
    for earlier in session.scalars(
        select(OptInRequest).where(
            OptInRequest.lead_id == lead.id,
            OptInRequest.purpose == purpose.name,
            OptInRequest.status == RequestStatus.PENDING,
        )
    ):
        earlier.status = RequestStatus.EXPIRED
        earlier.closed_at = now
    language = text.language if text is not None else (lead.language or "en")[:2]
    made = OptInRequest(
        lead_id=lead.id,
        purpose=purpose.name,
        text_id=text.id if text is not None else None,
        event_id=event_id,
        email=email,
        language=language if language in service.LANGUAGES else "en",
        status=RequestStatus.PENDING,
        created_at=now,
        expires_at=now + timedelta(hours=links.confirm_hours),
    )
    session.add(made)
    session.flush()
    _send(session, links, made, name=lead.first_name, reminder=False)
    return made


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """What the confirmation page shows."""

    request: OptInRequest
    purpose: ConsentPurpose
    text: ConsentText | None


def open_request(session: Session, links: ConsentLinks, token: str) -> OpenRequest:
    """The request a link names, if the link is genuine; the page decides what to show for
    its status (pending, confirmed, expired)."""
    read = rules.read_token(_key(links), token)
    request = session.get(OptInRequest, read[0]) if read is not None else None
    if read is None or request is None or int(request.expires_at.timestamp()) != read[1]:
        raise NotFound("This confirmation link is not valid.")
    purpose = service.get_purpose(session, request.purpose)
    text = session.get(ConsentText, request.text_id) if request.text_id else None
    return OpenRequest(request, purpose, text)


def confirm(
    session: Session,
    links: ConsentLinks,
    token: str,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> OptInRequest:
    """Confirm once: records CONFIRMED with the time, IP and user agent of the confirmation."""
    now = now or utcnow()
    found = open_request(session, links, token)
    request = session.scalars(
        select(OptInRequest).where(OptInRequest.id == found.request.id).with_for_update()
    ).one()
    if request.status is RequestStatus.CONFIRMED:
        raise Conflict("You confirmed this already; nothing more to do.")
    if request.status is not RequestStatus.PENDING or request.expires_at <= now:
        raise Conflict("This link has expired. Please sign up again to get a new one.")
    if request.lead_id is None:  # pragma: no cover - a request goes with its lead
        raise NotFound("This confirmation link is not valid.")
    clean_ip, _problem = rules.clean_ip(ip)
    evidence = {"request_id": request.id, "email": request.email}
    if found.text is not None:
        evidence.update(text=found.text.text, language=found.text.language)
    lead = session.get(Lead, request.lead_id)
    event = service.record(
        session,
        request.lead_id,
        EventContent(
            kind=EventKind.CONFIRMED,
            purpose=request.purpose,
            text_id=request.text_id,
            method=Method.DOUBLE_OPT_IN,
            occurred_at=now,
            email=request.email,
            phone=lead.phone if lead else None,
            method_ref=f"opt_in_request:{request.id}",
            ip=clean_ip,
            user_agent=user_agent[:500] if user_agent else None,
            evidence=evidence,
        ),
    )
    request.status = RequestStatus.CONFIRMED
    request.closed_at = now
    request.event_id = event.id
    return request


@dataclass(frozen=True, slots=True)
class Housekeeping:
    reminded: int
    expired: int


def remind_and_expire(
    session: Session, links: ConsentLinks, *, now: datetime | None = None
) -> Housekeeping:
    """One reminder for each pending request older than `reminder_hours` (if it has not
    expired by then), and EXPIRED for each pending request past its expiry."""
    now = now or utcnow()
    expired = 0
    for request in session.scalars(
        select(OptInRequest).where(
            OptInRequest.status == RequestStatus.PENDING, OptInRequest.expires_at <= now
        )
    ):
        request.status = RequestStatus.EXPIRED
        request.closed_at = now
        current = (
            service.status_of(session, request.lead_id, request.purpose)
            if request.lead_id
            else None
        )
        if (
            request.lead_id is not None
            and current is not None
            and current.event.id == request.event_id
        ):
            service.record(
                session,
                request.lead_id,
                EventContent(
                    kind=EventKind.EXPIRED,
                    purpose=request.purpose,
                    text_id=request.text_id,
                    method=Method.RETENTION,
                    occurred_at=now,
                    email=request.email,
                    method_ref=f"opt_in_request:{request.id}",
                    evidence={"request_id": request.id},
                ),
            )
        expired += 1
    due = now - timedelta(hours=links.reminder_hours)
    reminded = 0
    for request in session.scalars(
        select(OptInRequest).where(
            OptInRequest.status == RequestStatus.PENDING,
            OptInRequest.reminded_at.is_(None),
            OptInRequest.created_at <= due,
        )
    ):
        lead = session.get(Lead, request.lead_id) if request.lead_id else None
        _send(session, links, request, name=lead.first_name if lead else None, reminder=True)
        request.reminded_at = now
        reminded += 1
    return Housekeeping(reminded, expired)
