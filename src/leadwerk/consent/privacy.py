"""Data subject rights (GDPR Art. 15–21): export everything about a person, erase them, restrict
processing, object to profiling or to direct marketing; and the suppression list that keeps
an erased or objecting person out of marketing.

Erasure reaches every table that points to the lead (read from the database's catalogue, so
tables added later are reached too) and the stores that hold personal data without a foreign
key: the outbox (webhook payloads, emails), stored API answers, rejected import rows, merge
records, the audit log. Ledger entries are redacted, not deleted: their hashes stay, so the
chain still verifies. What is left is a keyed hash per address and number (suppression) and an
anonymous row for analytics (day, channel, stage).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from typing import cast as cast_type

from sqlalchemy import (
    JSON,
    MetaData,
    Table,
    Text,
    cast,
    column,
    delete,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth.models import AuditEntry
from leadwerk.consent import rules, service
from leadwerk.consent.evidence import bundle
from leadwerk.consent.mailing import withdraw
from leadwerk.consent.models import ConsentEvent, Erasure, Suppression
from leadwerk.consent.types import ConsentStatus, Method
from leadwerk.errors import NotFound
from leadwerk.leads.models import Lead
from leadwerk.storage.base import in_slices, utcnow
from leadwerk.storage.references import references

_KEY_USE = "suppression"
# Tables with rules of their own: the ledger is redacted, not deleted.
_REDACTED = frozenset({"consent_events"})
# Stores that hold personal data without a foreign key to the lead: (table, JSON or text
# column) searched for the person's addresses and number.
_BY_CONTENT = (
    ("outbox", "payload"),
    ("idempotency_keys", "response"),
    ("import_rows", "raw"),
)
_MERGES = table("lead_merges", column("id"), column("survivor_id"), column("merged_id"))
_audit = cast_type(Table, AuditEntry.__table__)
_events = cast_type(Table, ConsentEvent.__table__)
_leads = cast_type(Table, Lead.__table__)


class SuppressionReason(StrEnum):
    ERASED = "erased"
    OBJECTED = "objected"


def digest(secret: str, kind: str, value: str) -> str:
    """The keyed hash a suppressed address or number is kept as: without the installation's
    secret it cannot be turned back, nor matched against a list of addresses."""
    key = rules.derive_key(secret, _KEY_USE)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _keys(email_key: str | None, phone: str | None) -> list[tuple[str, str]]:
    return [(k, v) for k, v in (("email", email_key), ("phone", phone)) if v]


def suppress(
    session: Session,
    secret: str,
    *,
    email_key: str | None,
    phone: str | None,
    reason: SuppressionReason,
) -> None:
    for kind, value in _keys(email_key, phone):
        found = digest(secret, kind, value)
        exists = session.scalar(
            select(Suppression.id).where(Suppression.kind == kind, Suppression.digest == found)
        )
        if exists is None:
            session.add(Suppression(kind=kind, digest=found, reason=reason.value))
    session.flush()


def is_suppressed(
    session: Session, secret: str, *, email_key: str | None, phone: str | None
) -> bool:
    return bool(suppressed_among(session, secret, [(email_key, phone)]))


Person = tuple[str | None, str | None]  # (email key, phone)


def suppressed_among(session: Session, secret: str, people: Iterable[Person]) -> set[Person]:
    """Those of the people whose address or number is suppressed (`is_suppressed` for many)."""
    wanted: dict[tuple[str, str], list[Person]] = {}
    for person in set(people):
        for kind, value in _keys(*person):
            wanted.setdefault((kind, digest(secret, kind, value)), []).append(person)
    found: set[Person] = set()
    for kind in ("email", "phone"):  # by the (kind, digest) index
        for part in in_slices(sorted(d for k, d in wanted if k == kind)):
            hits = session.scalars(
                select(Suppression.digest).where(
                    Suppression.kind == kind, Suppression.digest.in_(part)
                )
            )
            for value in hits:
                found.update(wanted[(kind, value)])
    return found


def _lead(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead {lead_id}.")
    return lead


# --- export (Art. 15 and 20) ------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def export(session: Session, lead_id: int, *, secret: str) -> dict[str, list[dict[str, Any]]]:
    """Everything about the person, table by table (JSON values), with the consent evidence:
    the lead, every row that points to it, its merges and its audit entries."""
    lead = _lead(session, lead_id)
    connection = session.connection()
    sections: dict[str, list[dict[str, Any]]] = {
        "lead": [{c.key: _plain(getattr(lead, c.key)) for c in Lead.__table__.columns}]
    }
    reflected = MetaData()
    for name, column_name in references(connection, "leads"):
        rows = Table(name, reflected, autoload_with=connection)
        found = connection.execute(select(rows).where(rows.c[column_name] == lead_id)).mappings()
        key = name if column_name == "lead_id" else f"{name}.{column_name}"
        sections.setdefault(key, []).extend({k: _plain(v) for k, v in r.items()} for r in found)
    merges = connection.execute(
        select(table("lead_merges", *(column(c) for c in _MERGE_COLUMNS))).where(
            or_(column("survivor_id") == lead_id, column("merged_id") == lead_id)
        )
    ).mappings()
    sections["lead_merges"] = [{k: _plain(v) for k, v in m.items()} for m in merges]
    entries = connection.execute(
        select(_audit).where(_audit.c.subject_type == "lead", _audit.c.subject_id == str(lead_id))
    ).mappings()
    sections["audit_log"] = [{k: _plain(v) for k, v in e.items()} for e in entries]
    sections["consent_evidence"] = [bundle(session, lead_id, secret=secret)]
    return sections


_MERGE_COLUMNS = (
    "id",
    "survivor_id",
    "merged_id",
    "merged_at",
    "merged_by",
    "reason",
    "probability",
    "decisions",
    "undone_at",
)


def export_files(sections: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    """The export as files: `person.json` with every section, and one CSV per section (nested
    values as JSON text; cells that a spreadsheet would run as a formula are escaped)."""
    files = {"person.json": json.dumps(sections, ensure_ascii=False, indent=2).encode("utf-8")}
    for name, rows in sections.items():
        if not rows or name == "consent_evidence":
            continue
        columns = sorted({key for row in rows for key in row})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        files[f"{name}.csv"] = out.getvalue().encode("utf-8-sig")
    files["consent-evidence.json"] = json.dumps(
        sections.get("consent_evidence", [{}])[0], ensure_ascii=False, indent=2
    ).encode("utf-8")
    return files


def export_archive(files: dict[str, bytes]) -> bytes:
    """The export's files as one ZIP, the download of the API and the UI."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- erasure (Art. 17) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErasureReport:
    lead_id: int
    removed: dict[str, int] = field(default_factory=dict)  # rows per store
    redacted: int = 0  # ledger entries


@dataclass(frozen=True, slots=True)
class _Person:
    """Every address (as email keys) and number the person had: its own, its aliases, those
    of leads merged into it."""

    email_keys: frozenset[str]
    phones: frozenset[str]
    shown: frozenset[str]  # addresses as typed

    @property
    def needles(self) -> list[str]:
        """What identifies the person in stores without a foreign key."""
        return sorted(n for n in self.email_keys | self.phones | self.shown if len(n) >= 5)


def _person(session: Session, lead: Lead) -> _Person:
    keys, phones, shown = {lead.email_key}, {lead.phone}, {lead.email}
    aliases = table("email_aliases", column("email_key"), column("lead_id"))
    keys.update(session.scalars(select(aliases.c.email_key).where(aliases.c.lead_id == lead.id)))
    merges = table("lead_merges", column("survivor_id"), column("merged_before", JSON))
    for before in session.scalars(
        select(merges.c.merged_before).where(merges.c.survivor_id == lead.id)
    ):
        if isinstance(before, dict):
            keys.add(before.get("email_key"))
            phones.add(before.get("phone"))
            shown.add(before.get("email"))
    return _Person(
        frozenset(k for k in keys if k),
        frozenset(p for p in phones if p),
        frozenset(s for s in shown if s),
    )


def erase(session: Session, lead_id: int, *, actor: str, secret: str) -> ErasureReport:
    """Erase the person in the caller's transaction (see the module's docstring). On SQLite
    the caller overwrites the freed space afterwards (`storage.engine.scrub`)."""
    lead = _lead(session, lead_id)
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # deleted content is overwritten with zeros
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    now = utcnow()
    person = _person(session, lead)
    needles = person.needles
    for email_key in sorted(person.email_keys):
        suppress(session, secret, email_key=email_key, phone=None, reason=SuppressionReason.ERASED)
    for phone in sorted(person.phones):
        suppress(session, secret, email_key=None, phone=phone, reason=SuppressionReason.ERASED)
    session.add(
        Erasure(
            erased_at=now,
            erased_by=actor[:64],
            created_on=lead.created_at.date(),
            channel=lead.channel.value,
            stage=lead.stage.value,
        )
    )
    redacted = connection.execute(
        update(_events)
        .where(_events.c.lead_id == lead_id)
        .values(
            lead_id=None,
            email=None,
            phone=None,
            ip=None,
            user_agent=None,
            evidence=None,
            method_ref=None,
            redacted_at=now,
        )
    ).rowcount
    removed: dict[str, int] = {}
    for name, column_name in references(connection, "leads"):
        if name in _REDACTED:
            continue
        rows = table(name, column(column_name))
        count = connection.execute(delete(rows).where(rows.c[column_name] == lead_id)).rowcount
        if count:
            removed[name] = removed.get(name, 0) + count
    for name, column_name in _BY_CONTENT:
        rows = table(name, column(column_name))
        text = cast(rows.c[column_name], Text)
        condition = or_(*(text.contains(n, autoescape=True) for n in needles))
        count = connection.execute(delete(rows).where(condition)).rowcount if needles else 0
        if count:
            removed[name] = count
    count = connection.execute(
        delete(_MERGES).where(or_(_MERGES.c.survivor_id == lead_id, _MERGES.c.merged_id == lead_id))
    ).rowcount
    if count:
        removed["lead_merges"] = count
    connection.execute(
        update(_audit)
        .where(_audit.c.subject_type == "lead", _audit.c.subject_id == str(lead_id))
        .values(details={"erased": True})
    )
    session.expunge(lead)
    connection.execute(delete(_leads).where(_leads.c.id == lead_id))
    report = ErasureReport(lead_id, removed, int(redacted or 0))
    audit.record(
        session,
        actor=actor,
        action="lead.erased",
        subject_type="lead",
        subject_id=lead_id,
        details={"removed": removed, "ledger_entries_redacted": report.redacted},
    )
    return report


# --- restriction and objection (Art. 18 and 21) -------------------------------------------------


def restrict(session: Session, lead_id: int, *, actor: str, restricted: bool = True) -> Lead:
    """Restrict processing (or lift the restriction): no marketing, no scoring, no
    automation for the person while it holds."""
    lead = _lead(session, lead_id)
    lead.restricted_at = utcnow() if restricted else None
    audit.record(
        session,
        actor=actor,
        action="lead.restricted" if restricted else "lead.restriction_lifted",
        subject_type="lead",
        subject_id=lead_id,
    )
    return lead


def object_to_profiling(session: Session, lead_id: int, *, actor: str) -> Lead:
    """The person objects to profiling: no scoring for them, the profiling consent withdrawn."""
    lead = _lead(session, lead_id)
    lead.profiling_objected_at = utcnow()
    withdraw(session, lead_id, ["profiling"], method=Method.OPERATOR, ip=None, user_agent=None)
    audit.record(
        session, actor=actor, action="lead.objected_to_profiling", subject_type="lead",
        subject_id=lead_id,
    )  # fmt: skip
    return lead


def object_to_marketing(session: Session, lead_id: int, *, actor: str, secret: str) -> Lead:
    """The person objects to direct marketing: every purpose in force is withdrawn, and the
    address and number are suppressed, so no import brings them back into marketing."""
    lead = _lead(session, lead_id)
    in_force = [
        purpose
        for purpose, status in service.statuses(session, lead_id).items()
        if status.status in (ConsentStatus.GRANTED, ConsentStatus.PENDING)
    ]
    withdraw(session, lead_id, in_force, method=Method.OPERATOR, ip=None, user_agent=None)
    suppress(
        session,
        secret,
        email_key=lead.email_key,
        phone=lead.phone,
        reason=SuppressionReason.OBJECTED,
    )
    audit.record(
        session, actor=actor, action="lead.objected_to_marketing", subject_type="lead",
        subject_id=lead_id, details={"withdrawn": sorted(in_force)},
    )  # fmt: skip
    return lead
