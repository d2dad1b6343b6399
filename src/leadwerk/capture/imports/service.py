"""Use cases of imports: plan (detect the file and the mapping), dry run, run (batched, with
progress committed per batch so a re-run resumes), and reading past imports and their
rejected rows.

Every row passes the same normaliser as every other channel (`capture.rules.normalise`);
the write is set-based (`bulk.write_batch`). Per import, not per row: one audit entry and one
`import.completed` event in the outbox.

Consent until the consent ledger exists (issue 5): the lawful basis and its evidence are kept
on the import; each row's touchpoint holds `{"import_id", "row", "marketing_consent"}`, where
marketing consent is true only when a mapped consent column says yes for that row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.capture.imports import bulk, normalising, reader, rules
from leadwerk.capture.imports.models import Import, ImportRow
from leadwerk.capture.imports.types import (
    FileLayout,
    ImportCounts,
    ImportStatus,
    LawfulBasis,
    RawRow,
)
from leadwerk.capture.types import NormalisedLead
from leadwerk.consent.claims import ImportedConsent, check_import_text
from leadwerk.consent.types import ConsentLinks
from leadwerk.delivery import service as delivery
from leadwerk.errors import ConfigurationError, NotFound, ValidationFailed
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

DEFAULT_BATCH_SIZE = 5000
PREVIEW_ROWS = 10
MAX_EVIDENCE = 2000
MAX_SOURCE = 100
# Below this file size a worker pool costs more to start (each worker imports the
# normalisers) than it saves.
POOL_MIN_BYTES = 2 * 1024 * 1024
ProgressCallback = Callable[[int], None]  # records done so far (resumed ones included)


@dataclass(frozen=True, slots=True)
class Plan:
    """A file as it will be read: layout, mapping (column → target), its identity."""

    path: Path
    file_name: str
    layout: FileLayout
    mapping: dict[str, str]
    sha256: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ImportOptions:
    lawful_basis: LawfulBasis
    evidence: str
    source: str | None = None
    consent_text_id: int | None = None  # the text the people agreed to (see Import)


@dataclass(frozen=True, slots=True)
class RowError:
    number: int
    errors: dict[str, str]


@dataclass(frozen=True, slots=True)
class Preview:
    """A dry run: the first rows as they would be stored, and every rejected row."""

    plan: Plan
    rows: int
    valid: int
    rejected: int
    sample: list[dict[str, Any]]
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    import_id: int
    status: ImportStatus
    counts: ImportCounts  # of the whole import, earlier runs included
    skipped_already_done: int  # records this run skipped because an earlier run wrote them
    plan: Plan


def plan_import(
    path: Path,
    *,
    file_name: str | None = None,
    overrides: dict[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Plan:
    layout = reader.inspect(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    mapping, errors = rules.apply_overrides(rules.detect_mapping(layout.headers), overrides or {})
    if errors:
        raise ValidationFailed(errors, "The column mapping is invalid.")
    sha = reader.file_sha256(path)
    parts = f"{sha};{rules.fingerprint_parts(mapping, layout.sheet)}"
    return Plan(
        path=path,
        file_name=file_name or path.name,
        layout=layout,
        mapping=mapping,
        sha256=sha,
        fingerprint=hashlib.sha256(parts.encode()).hexdigest(),
    )


def workers_for(plan: Plan, configured: int) -> int:
    """How many normalising processes suit this file: `configured` for a large one, else 1."""
    return configured if plan.path.stat().st_size >= POOL_MIN_BYTES else 1


def check_options(
    lawful_basis: str | None,
    evidence: str | None,
    source: str | None = None,
    consent_text: str | int | None = None,
) -> ImportOptions:
    errors: dict[str, str] = {}
    basis: LawfulBasis | None = None
    try:
        basis = LawfulBasis((lawful_basis or "").strip())
    except ValueError:
        errors["lawful_basis"] = (
            "Choose the lawful basis of the import: "
            + ", ".join(b.value for b in LawfulBasis)
            + "."
        )
    text = (evidence or "").strip()
    if not text:
        errors["evidence"] = (
            "Describe the evidence, such as 'badge scans at trade fair X, consent form version Y'."
        )
    elif len(text) > MAX_EVIDENCE:
        errors["evidence"] = f"At most {MAX_EVIDENCE} characters, not {len(text)}."
    source_text = (source or "").strip() or None
    if source_text is not None and len(source_text) > MAX_SOURCE:
        errors["source"] = f"At most {MAX_SOURCE} characters, not {len(source_text)}."
    consent_text_id: int | None = None
    text_ref = str(consent_text if consent_text is not None else "").strip()
    if text_ref.isdecimal() and 0 < int(text_ref) < 2**63:
        consent_text_id = int(text_ref)
    elif text_ref:
        errors["consent_text"] = "Name the consent text by its id (see the purposes)."
    if errors or basis is None:
        raise ValidationFailed(errors, "The import needs a lawful basis and its evidence.")
    return ImportOptions(
        lawful_basis=basis, evidence=text, source=source_text, consent_text_id=consent_text_id
    )


def _context(
    plan: Plan, source: str | None, import_id: int = 0, consents: bool = False
) -> normalising.Context:
    return normalising.Context(plan.layout.headers, plan.mapping, source, import_id, consents)


def _records(plan: Plan) -> Iterator[RawRow]:
    return reader.read_rows(plan.path, plan.layout)


def dry_run(plan: Plan, *, source: str | None = None, error_limit: int = 1000) -> Preview:
    """Read and normalise every row; write nothing."""
    rows = valid = rejected = 0
    sample: list[dict[str, Any]] = []
    errors: list[RowError] = []
    context = _context(plan, source)
    for raw in _records(plan):
        if raw.error is None and rules.is_empty(raw.values):
            continue
        rows += 1
        accepted, problems = normalising.normalise_row(raw, context)
        if accepted is None:
            rejected += 1
            if len(errors) < error_limit:
                errors.append(RowError(raw.number, problems))
            continue
        valid += 1
        if len(sample) < PREVIEW_ROWS:
            sample.append(_stored_view(accepted.clean, accepted.number, accepted.marketing_consent))
    return Preview(plan, rows, valid, rejected, sample, errors)


def _stored_view(clean: NormalisedLead, number: int, consent: bool) -> dict[str, Any]:
    shown = {
        "row": number,
        "email": clean.email,
        "first_name": clean.first_name,
        "last_name": clean.last_name,
        "phone": clean.phone,
        "company": clean.company,
        "job_title": clean.job_title,
        "country": clean.country,
        "language": clean.language,
        "source": clean.source,
        "channel": clean.channel.value,
        "marketing_consent": consent,
        "attributes": clean.attributes,
    }
    return shown


def begin_import(db: Database, plan: Plan, options: ImportOptions, *, actor: str) -> Import:
    """The import to continue (the newest with this fingerprint) or a new one; `run_import`
    calls it too, so a caller may begin (to learn the id) and run in another thread."""
    with db.transaction() as session:
        if options.consent_text_id is not None:
            check_import_text(session, options.consent_text_id)
        earlier = session.scalars(
            select(Import)
            .where(Import.fingerprint == plan.fingerprint)
            .order_by(Import.id.desc())
            .limit(1)
        ).first()
        if earlier is not None:
            if earlier.status is not ImportStatus.COMPLETED:
                earlier.status = ImportStatus.RUNNING
                earlier.error = None
            return earlier
        record = Import(
            file_name=plan.file_name[:300],
            sha256=plan.sha256,
            fingerprint=plan.fingerprint,
            kind=plan.layout.kind.value,
            encoding=plan.layout.encoding,
            delimiter=plan.layout.delimiter,
            sheet=plan.layout.sheet,
            mapping=[[column, target] for column, target in plan.mapping.items()],
            lawful_basis=options.lawful_basis,
            evidence=options.evidence,
            source=options.source,
            consent_text_id=options.consent_text_id,
            status=ImportStatus.RUNNING,
            rows_done=0,
            rows=0,
            created=0,
            updated=0,
            merged=0,
            rejected=0,
            actor=actor[:64],
            started_at=utcnow(),
        )
        session.add(record)
        session.flush()
        return record


def _counts(record: Import) -> ImportCounts:
    return ImportCounts(record.rows, record.created, record.updated, record.merged, record.rejected)


def run_import(
    db: Database,
    plan: Plan,
    options: ImportOptions,
    *,
    actor: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    workers: int = 1,
    links: ConsentLinks | None = None,
) -> ImportSummary:
    """Import the file; resumes an interrupted import of the same file and mapping, and does
    nothing for one that completed. Rejected rows never stop it. `workers` > 1 normalises
    in that many worker processes. With a consent text (`options.consent_text_id`), each row
    that says yes is recorded in the ledger; `links` writes the double opt-in emails."""
    record = begin_import(db, plan, options, actor=actor)
    import_id, skip = record.id, record.rows_done
    if record.status is ImportStatus.COMPLETED:
        return ImportSummary(import_id, record.status, _counts(record), skip, plan)
    try:
        consent = None
        if record.consent_text_id is not None:
            if links is None:
                raise ConfigurationError("An import with a consent text needs ConsentLinks.")
            consent = ImportedConsent(record.consent_text_id, import_id, record.evidence, links)
        with normalising.bulk_collections():
            counts = _run_batches(db, plan, record, batch_size, progress, workers, consent)
    except Exception as exc:
        with db.transaction() as session:
            failed = session.get(Import, import_id)
            if failed is not None:
                failed.status = ImportStatus.FAILED
                failed.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    with db.transaction() as session:
        done = session.get(Import, import_id)
        assert done is not None
        done.status = ImportStatus.COMPLETED
        done.finished_at = utcnow()
        event = {
            "import_id": import_id,
            "file_name": done.file_name,
            "lawful_basis": done.lawful_basis.value,
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "merged": counts.merged,
            "rejected": counts.rejected,
        }
        audit.record(
            session,
            actor=actor,
            action="import.completed",
            subject_type="import",
            subject_id=import_id,
            details={**event, "evidence": done.evidence},
        )
        delivery.publish(session, "import.completed", event)
    return ImportSummary(import_id, ImportStatus.COMPLETED, counts, skip, plan)


def _run_batches(
    db: Database,
    plan: Plan,
    record: Import,
    batch_size: int,
    progress: ProgressCallback | None,
    workers: int,
    consent: ImportedConsent | None,
) -> ImportCounts:
    counts = _counts(record)
    seen_keys: set[str] = set()
    normalised = normalising.normalised_chunks(
        _records(plan),
        _context(plan, record.source, record.id, consent is not None),
        skip=record.rows_done,
        size=batch_size,
        workers=workers,
    )
    # closing: a failed batch stops the reading thread and the workers at once
    with closing(normalising.ahead(normalised)) as chunks:
        for chunk in chunks:
            counts = _commit(db, record.id, chunk, counts, seen_keys, consent)
            if progress is not None:
                progress(chunk.last)
    return counts


def _commit(
    db: Database,
    import_id: int,
    chunk: normalising.Chunk,
    counts: ImportCounts,
    seen_keys: set[str],
    consent: ImportedConsent | None = None,
) -> ImportCounts:
    """One batch in one transaction, with the import's progress: all of it or nothing."""
    with db.transaction() as session:
        bulk.commit_without_flush_wait(session)
        written = bulk.write_batch(
            session,
            chunk.staged,
            now=utcnow(),
            seen_keys=seen_keys,
            actor=f"import:{import_id}",
            consent=consent,
        )
        if chunk.rejected:
            session.execute(
                insert(ImportRow),
                [
                    {
                        "import_id": import_id,
                        "row_number": raw.number,
                        "raw": [rules.cell_text(v) for v in raw.values],
                        "errors": problems,
                    }
                    for raw, problems in chunk.rejected
                ],
            )
        batch = ImportCounts(
            rows=chunk.read,
            created=written.created,
            updated=written.updated,
            merged=written.merged,
            rejected=len(chunk.rejected),
        )
        total = counts.plus(batch)
        record = session.get(Import, import_id)
        assert record is not None
        record.rows_done = chunk.last
        record.rows, record.created, record.updated = total.rows, total.created, total.updated
        record.merged, record.rejected = total.merged, total.rejected
    return total


def list_imports(session: Session, limit: int = 50) -> list[Import]:
    return list(session.scalars(select(Import).order_by(Import.id.desc()).limit(limit)))


def get_import(session: Session, import_id: int) -> Import:
    record = session.get(Import, import_id)
    if record is None:
        raise NotFound(f"There is no import {import_id}.")
    return record


def rejected_rows(session: Session, import_id: int) -> list[ImportRow]:
    return list(
        session.scalars(
            select(ImportRow).where(ImportRow.import_id == import_id).order_by(ImportRow.row_number)
        )
    )


def count_rejected(session: Session, import_id: int) -> int:
    statement = select(func.count()).where(ImportRow.import_id == import_id)
    return int(session.scalar(statement) or 0)
