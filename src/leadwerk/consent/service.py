"""Use cases of consent: purposes and their texts, appending to the ledger, a person's status
and history, and checking the chain.

A person's status for a purpose is their latest ledger entry for it (by sequence number):
granted or confirmed → granted; a confirmation requested → pending; withdrawn; expired. The
ledger is the only truth, so a merge (which moves the entries) needs no rule of its own.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from leadwerk.consent import rules
from leadwerk.consent.models import ConsentEvent, ConsentPurpose, ConsentText
from leadwerk.consent.types import (
    ChainLink,
    ChainReport,
    ConsentStatus,
    EventContent,
    EventKind,
)
from leadwerk.errors import NotFound, ValidationFailed
from leadwerk.storage.base import in_slices, utcnow
from leadwerk.storage.bulk import reserve_ids
from leadwerk.storage.engine import Database

_events = cast(Table, ConsentEvent.__table__)
# The ledger's lock (Leadwerk's lock space 4201, key 1): appends form one line.
_LEDGER_LOCK = (4201, 1)
LANGUAGES = ("de", "en")
MAX_TEXT_LENGTH = 5000
_STATUS = {
    EventKind.GRANTED: ConsentStatus.GRANTED,
    EventKind.CONFIRMED: ConsentStatus.GRANTED,
    EventKind.CONFIRMATION_REQUESTED: ConsentStatus.PENDING,
    EventKind.WITHDRAWN: ConsentStatus.WITHDRAWN,
    EventKind.EXPIRED: ConsentStatus.EXPIRED,
}


# --- purposes and texts ---------------------------------------------------------------------


def list_purposes(session: Session) -> list[ConsentPurpose]:
    return list(session.scalars(select(ConsentPurpose).order_by(ConsentPurpose.name)))


def get_purpose(session: Session, name: str) -> ConsentPurpose:
    purpose = session.scalars(select(ConsentPurpose).where(ConsentPurpose.name == name)).first()
    if purpose is None:
        known = ", ".join(p.name for p in list_purposes(session))
        raise NotFound(f"There is no consent purpose {name!r}; known: {known}.")
    return purpose


def texts_of(session: Session, purpose: ConsentPurpose) -> list[ConsentText]:
    """Every version of the purpose's texts, newest first per language."""
    return list(
        session.scalars(
            select(ConsentText)
            .where(ConsentText.purpose_id == purpose.id)
            .order_by(ConsentText.language, ConsentText.version.desc())
        )
    )


def current_text(session: Session, purpose: ConsentPurpose, language: str) -> ConsentText:
    """The newest version in `language`, else in English or German (whichever exists)."""
    for candidate in (language, "en", "de"):
        found = session.scalars(
            select(ConsentText)
            .where(ConsentText.purpose_id == purpose.id, ConsentText.language == candidate)
            .order_by(ConsentText.version.desc())
            .limit(1)
        ).first()
        if found is not None:
            return found
    raise NotFound(f"The purpose {purpose.name!r} has no text yet; publish one first.")


def get_text(session: Session, text_id: int) -> ConsentText:
    text = session.get(ConsentText, text_id)
    if text is None:
        raise NotFound(f"There is no consent text {text_id}.")
    return text


def publish_text(
    session: Session, purpose_name: str, language: str, text: str, *, actor: str
) -> ConsentText:
    """A new version of the purpose's text in `language` (the next number); earlier
    versions stay, as the evidence of what people saw before."""
    purpose = get_purpose(session, purpose_name)
    errors: dict[str, str] = {}
    language = language.strip().lower()
    if language not in LANGUAGES:
        errors["language"] = f"Texts are in {' or '.join(LANGUAGES)}, not {language!r}."
    text = text.strip()
    if not text:
        errors["text"] = "A consent text cannot be empty."
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = f"A consent text has at most {MAX_TEXT_LENGTH:,} characters."
    elif not all(ch.isprintable() or ch in "\n\t" for ch in text):
        errors["text"] = "A consent text may not contain control characters."
    if errors:
        raise ValidationFailed(errors, "The text was not published.")
    latest = session.scalar(
        select(func.max(ConsentText.version)).where(
            ConsentText.purpose_id == purpose.id, ConsentText.language == language
        )
    )
    published = ConsentText(
        purpose_id=purpose.id,
        language=language,
        version=int(latest or 0) + 1,
        text=text,
        created_at=utcnow(),
        created_by=actor[:64],
    )
    session.add(published)
    session.flush()
    return published


def text_for_wording(
    session: Session, purpose_name: str, language: str, wording: str, *, actor: str
) -> ConsentText:
    """The text version with exactly this wording, published as the purpose's next version
    if there is none: a form may word a purpose its own way, and what the person saw is then
    a version of its own, never an approximation."""
    purpose = get_purpose(session, purpose_name)
    found = session.scalars(
        select(ConsentText)
        .where(
            ConsentText.purpose_id == purpose.id,
            ConsentText.language == language,
            ConsentText.text == wording.strip(),
        )
        .order_by(ConsentText.version.desc())
        .limit(1)
    ).first()
    return found or publish_text(session, purpose_name, language, wording, actor=actor)


# --- the ledger -----------------------------------------------------------------------------


def _lock_ledger(session: Session) -> None:
    """Appends wait for each other, so each entry chains to the one before (SQLite's writers
    run one at a time anyway)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(*_LEDGER_LOCK)))


def record(session: Session, lead_id: int | None, content: EventContent) -> ConsentEvent:
    """Append one entry to the ledger, inside the caller's transaction."""
    return record_many(session, [(lead_id, content)])[0]


def record_many(
    session: Session, entries: Sequence[tuple[int | None, EventContent]]
) -> list[ConsentEvent]:
    """Append (lead id, content) entries to the ledger in their order, each chained to the one
    before, inside the caller's transaction: one lock, and one insert for all of them with
    their ids reserved first (nothing to read back)."""
    if not entries:
        return []
    _lock_ledger(session)
    last = session.execute(
        select(ConsentEvent.seq, ConsentEvent.chain_hash).order_by(ConsentEvent.seq.desc()).limit(1)
    ).first()
    seq, chain = (last[0], last[1]) if last is not None else (0, rules.GENESIS)
    now = utcnow()
    ids = reserve_ids(session, ConsentEvent.__tablename__, len(entries))
    events: list[ConsentEvent] = []
    for event_id, (lead_id, content) in zip(ids, entries, strict=True):
        digest = rules.content_hash(content.to_dict())
        seq, chain = seq + 1, rules.chain_hash(chain, digest)
        events.append(
            ConsentEvent(
                id=event_id,
                seq=seq,
                lead_id=lead_id,
                purpose=content.purpose,
                text_id=content.text_id,
                kind=content.kind,
                method=content.method,
                method_ref=content.method_ref,
                occurred_at=content.occurred_at,
                recorded_at=now,
                email=content.email,
                phone=content.phone,
                ip=content.ip,
                user_agent=content.user_agent,
                evidence=content.evidence,
                content_hash=digest,
                chain_hash=chain,
            )
        )
    session.add_all(events)
    session.flush()
    return events


def content_of(event: ConsentEvent) -> EventContent | None:
    """What the entry's hash covers, read back from its columns; None once redacted."""
    if event.redacted_at is not None:
        return None
    return EventContent(
        kind=event.kind,
        purpose=event.purpose,
        text_id=event.text_id,
        method=event.method,
        occurred_at=event.occurred_at,
        email=event.email,
        phone=event.phone,
        method_ref=event.method_ref,
        ip=event.ip,
        user_agent=event.user_agent,
        evidence=dict(event.evidence or {}),
    )


@dataclass(frozen=True, slots=True)
class PurposeStatus:
    purpose: str
    status: ConsentStatus
    event: ConsentEvent  # the latest entry, which decides


def status_of(session: Session, lead_id: int, purpose: str) -> PurposeStatus | None:
    event = session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.lead_id == lead_id, ConsentEvent.purpose == purpose)
        .order_by(ConsentEvent.seq.desc())
        .limit(1)
    ).first()
    return None if event is None else PurposeStatus(purpose, _STATUS[event.kind], event)


def statuses_of(
    session: Session, lead_ids: Sequence[int], purpose: str
) -> dict[int, ConsentStatus]:
    """Each lead's status for the purpose (`status_of` for many); leads without an entry for
    it are left out."""
    found: dict[int, ConsentStatus] = {}
    for part in in_slices(lead_ids):
        latest = (
            select(func.max(ConsentEvent.seq))
            .where(ConsentEvent.lead_id.in_(part), ConsentEvent.purpose == purpose)
            .group_by(ConsentEvent.lead_id)
        )
        rows = session.execute(
            select(ConsentEvent.lead_id, ConsentEvent.kind).where(ConsentEvent.seq.in_(latest))
        )
        found.update((lead_id, _STATUS[kind]) for lead_id, kind in rows if lead_id is not None)
    return found


def statuses(session: Session, lead_id: int) -> dict[str, PurposeStatus]:
    """The lead's status for every purpose it has entries for."""
    found: dict[str, PurposeStatus] = {}
    for event in history(session, lead_id):
        found.setdefault(event.purpose, PurposeStatus(event.purpose, _STATUS[event.kind], event))
    return found


def history(session: Session, lead_id: int) -> list[ConsentEvent]:
    """The lead's ledger entries, newest first."""
    return list(
        session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.lead_id == lead_id)
            .order_by(ConsentEvent.seq.desc())
        )
    )


def _links(db: Database, batch: int) -> Generator[ChainLink, None, None]:
    with db.read() as session:
        rows = session.scalars(
            select(ConsentEvent).order_by(ConsentEvent.seq).execution_options(yield_per=batch)
        )
        with closing(rows):
            yield from _as_links(rows)


def _as_links(rows: Iterable[ConsentEvent]) -> Iterator[ChainLink]:
    for event in rows:
        content = content_of(event)
        yield ChainLink(
            seq=event.seq,
            content=None if content is None else content.to_dict(),
            content_hash=event.content_hash,
            chain_hash=event.chain_hash,
        )


def verify(db: Database, *, batch: int = 5000) -> tuple[ChainReport, str]:
    """Check the whole chain; (the report, the chain hash of the last entry checked: note it
    elsewhere from time to time, and a ledger rewritten since cannot end in it)."""
    head = rules.GENESIS

    def remember(links: Iterator[ChainLink]) -> Iterator[ChainLink]:
        nonlocal head
        for link in links:
            yield link
            head = link.chain_hash

    with closing(_links(db, batch)) as links:  # (a break stops the read at once)
        report = rules.verify_chain(remember(links))
    return report, head
