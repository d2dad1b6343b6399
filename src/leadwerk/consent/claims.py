"""Consent claims from the channels (API, forms, imports): checked before anything of an
intake is written, then recorded in the ledger for the lead the intake lands on; a grant for a
purpose with double opt-in starts the opt-in (`consent.optin`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import optin, privacy, rules, service
from leadwerk.consent.models import ConsentEvent, ConsentPurpose, ConsentText
from leadwerk.consent.types import (
    ClaimAction,
    ConsentClaim,
    ConsentLinks,
    ConsentStatus,
    EventContent,
    EventKind,
    ImportedRow,
    Method,
)
from leadwerk.errors import ValidationFailed
from leadwerk.leads.models import Lead
from leadwerk.storage.base import in_slices, utcnow

MAX_CLAIMS = 20
CLOCK_SKEW = timedelta(minutes=10)  # a claimed time this far ahead of our clock is accepted


@dataclass(frozen=True, slots=True)
class CheckedClaim:
    claim: ConsentClaim
    purpose: ConsentPurpose
    text: ConsentText | None
    ip: str | None


def check_claims(session: Session, claims: Sequence[ConsentClaim]) -> list[CheckedClaim]:
    """Every claim checked before anything is written: a known purpose; for a grant, the
    text the person saw, of that purpose (no consent without its wording); a usable IP."""
    errors: dict[str, str] = {}
    if len(claims) > MAX_CLAIMS:
        raise ValidationFailed({"consents": f"At most {MAX_CLAIMS} consent claims at once."})
    purposes = {p.name: p for p in service.list_purposes(session)}
    checked: list[CheckedClaim] = []
    for n, claim in enumerate(claims):
        where = f"consents.{n}"
        purpose = purposes.get(claim.purpose)
        if purpose is None:
            errors[f"{where}.purpose"] = (
                f"Unknown purpose {claim.purpose[:64]!r}; use one of {', '.join(sorted(purposes))}."
            )
            continue
        text = None
        if claim.text_id is not None:
            text = session.get(ConsentText, claim.text_id)
            if text is None or text.purpose_id != purpose.id:
                errors[f"{where}.text_id"] = (
                    f"There is no text {claim.text_id} of the purpose {purpose.name!r}."
                )
                continue
        elif claim.action is ClaimAction.GRANT:
            errors[f"{where}.text_id"] = (
                "A grant needs the text the person agreed to (its id; see the purpose's texts)."
            )
            continue
        ip, problem = rules.clean_ip(claim.ip)
        if problem:
            errors[f"{where}.ip"] = problem
            continue
        if claim.occurred_at is not None and claim.occurred_at > utcnow() + CLOCK_SKEW:
            errors[f"{where}.occurred_at"] = "The time of a consent cannot lie in the future."
            continue
        checked.append(CheckedClaim(claim, purpose, text, ip))
    if errors:
        raise ValidationFailed(errors, "Some consent claims are invalid.")
    return checked


def apply_claims(
    session: Session,
    lead: Lead,
    claims: Sequence[CheckedClaim],
    *,
    method: Method,
    method_ref: str | None,
    email: str | None,
    phone: str | None,
    links: ConsentLinks,
) -> list[ConsentEvent]:
    """Record checked claims for a lead: a grant as GRANTED, or for a purpose with double
    opt-in as CONFIRMATION_REQUESTED with its confirmation email (unless consent is in force
    already: nothing new to confirm); a withdrawal as WITHDRAWN. Returns the entries
    written."""
    now = utcnow()
    written = []
    # a person who was erased or objected comes back into marketing only by their own
    # consent: an import's claim to one is not theirs
    suppressed = method is Method.IMPORT and privacy.is_suppressed(
        session, links.secret_key, email_key=lead.email_key, phone=lead.phone
    )
    for item in claims:
        claim = item.claim
        if suppressed and claim.action is ClaimAction.GRANT:
            continue
        if claim.action is ClaimAction.WITHDRAW:
            kind = EventKind.WITHDRAWN
        elif item.purpose.double_opt_in or claim.confirm:
            current = service.status_of(session, lead.id, item.purpose.name)
            if current is not None and current.status is ConsentStatus.GRANTED:
                continue
            kind = EventKind.CONFIRMATION_REQUESTED
        else:
            kind = EventKind.GRANTED
        evidence: dict[str, Any] = {}
        if item.text is not None:
            evidence.update(text=item.text.text, language=item.text.language)
            evidence["version"] = item.text.version
        if claim.source:
            evidence["source"] = claim.source
        content = EventContent(
            kind=kind,
            purpose=item.purpose.name,
            text_id=item.text.id if item.text is not None else None,
            method=method,
            occurred_at=claim.occurred_at or now,
            email=email,
            phone=phone,
            method_ref=method_ref,
            ip=item.ip,
            user_agent=claim.user_agent[:500] if claim.user_agent else None,
            evidence=evidence,
        )
        event = service.record(session, lead.id, content)
        written.append(event)
        if kind is EventKind.CONFIRMATION_REQUESTED:
            if not email:
                raise ValidationFailed(
                    {
                        "email": f"Consent for {item.purpose.name} is confirmed by email: the "
                        "lead needs an email address."
                    }
                )
            optin.request(
                session,
                links,
                lead=lead,
                purpose=item.purpose,
                text=item.text,
                event_id=event.id,
                email=email,
            )
    return written


@dataclass(frozen=True, slots=True)
class ImportedConsent:
    """The consent an import proves for the rows that say yes: the text its people agreed to
    (say, the form at the fair), the import, and its evidence."""

    text_id: int
    import_id: int
    evidence: str
    links: ConsentLinks


def check_import_text(session: Session, text_id: int) -> ConsentText:
    text = session.get(ConsentText, text_id)
    if text is None:
        raise ValidationFailed(
            {
                "consent_text": (
                    f"There is no consent text {text_id} (see `leadwerk consent purposes`)."
                )
            },
            "The import names a consent text that does not exist.",
        )
    return text


# an import leaves these as they are: consent in force, a confirmation already asked for,
# and a withdrawal (a list from elsewhere never overrides what the person told us)
_IMPORT_LEAVES = frozenset({ConsentStatus.GRANTED, ConsentStatus.PENDING, ConsentStatus.WITHDRAWN})


def record_imported(
    session: Session, consent: ImportedConsent, people: Sequence[tuple[int, ImportedRow]]
) -> int:
    """Record the consent of each (lead id, row): granted, or for a purpose with double
    opt-in a confirmation request with its email to the row's address. A suppressed person's
    is not recorded (an import cannot bring them back into marketing), nor one who withdrew.
    A batch's worth at a time: one look at the leads, the suppression list and the statuses,
    one append to the ledger. Returns how many were recorded."""
    text = check_import_text(session, consent.text_id)
    purpose = session.get(ConsentPurpose, text.purpose_id)
    assert purpose is not None
    ids = sorted({lead_id for lead_id, _ in people})
    leads = {
        lead.id: lead
        for part in in_slices(ids)
        for lead in session.scalars(select(Lead).where(Lead.id.in_(part)))
    }
    suppressed = privacy.suppressed_among(
        session,
        consent.links.secret_key,
        [
            *((row.email_key, row.phone) for _, row in people),
            *((lead.email_key, lead.phone) for lead in leads.values()),
        ],
    )
    statuses = service.statuses_of(session, ids, purpose.name)
    kind = EventKind.CONFIRMATION_REQUESTED if purpose.double_opt_in else EventKind.GRANTED
    now = utcnow()
    chosen: dict[int, tuple[Lead, str | None]] = {}  # lead id → (lead, address to ask)
    entries: list[tuple[int | None, EventContent]] = []
    for lead_id, row in people:
        lead = leads.get(lead_id)
        if lead is None or lead_id in chosen or statuses.get(lead_id) in _IMPORT_LEAVES:
            continue
        if {(row.email_key, row.phone), (lead.email_key, lead.phone)} & suppressed:
            continue
        email = row.email or lead.email
        if kind is EventKind.CONFIRMATION_REQUESTED and not email:
            continue  # (nobody to confirm by email: the row's yes stays unproven)
        chosen[lead_id] = (lead, email)
        entries.append(
            (
                lead_id,
                EventContent(
                    kind=kind,
                    purpose=purpose.name,
                    text_id=text.id,
                    method=Method.IMPORT,
                    occurred_at=now,
                    email=email,
                    phone=row.phone or lead.phone,
                    method_ref=f"import:{consent.import_id}",
                    evidence={
                        "import_evidence": consent.evidence,
                        "row": row.number,
                        "text": text.text,
                        "language": text.language,
                    },
                ),
            )
        )
    events = service.record_many(session, entries)
    if kind is EventKind.CONFIRMATION_REQUESTED:
        for (lead, email), event in zip(chosen.values(), events, strict=True):
            assert email is not None
            optin.request(
                session,
                consent.links,
                lead=lead,
                purpose=purpose,
                text=text,
                event_id=event.id,
                email=email,
            )
    return len(events)
