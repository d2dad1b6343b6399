"""The import wizard (upload → detected layout and mapping → dry run → run → summary and error
CSV) and the lead export, both under /imports.

An upload is kept in a folder of its own under the system's temporary directory, named by an
unguessable token, until its import completes. Small files are imported within the request;
larger ones in a background thread while the page shows the progress (htmx polls it, and
without JavaScript the page refreshes itself).
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from leadwerk.auth.rules import allows, lead_visibility
from leadwerk.auth.types import Scope
from leadwerk.capture.imports import export, rules, service
from leadwerk.capture.imports.models import Import
from leadwerk.capture.imports.types import FileKind, ImportStatus, LawfulBasis
from leadwerk.consent import service as consent
from leadwerk.consent.types import ConsentLinks
from leadwerk.errors import NotFound, PermissionDenied, ValidationFailed
from leadwerk.leads import queries
from leadwerk.leads.types import Channel, Stage
from leadwerk.storage.engine import Database
from leadwerk.web import labels
from leadwerk.web.context import Form, Page, enum_options, field, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

log = logging.getLogger(__name__)
router = web_router()
AreaPage = Annotated[Page, Depends(require_area("imports"))]
UPLOADS = Path(tempfile.gettempdir()) / "leadwerk-imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# Files up to this size are imported within the request; larger ones in a thread.
BACKGROUND_MIN_BYTES = 256 * 1024
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ((";", ";"), (",", ","), ("tab", N_("Tab")), ("|", "|"))
TARGET_LABELS = {
    **{n: labels.LEAD_FIELDS[n] for n in rules.INTAKE_FIELDS if n in labels.LEAD_FIELDS},
    "referrer": N_("Referrer"),
    "url": N_("Page URL"),
    rules.CONSENT: N_("Marketing consent (yes/no)"),
}
NOTICES = {"uploaded": N_("The file was read. Check the mapping, then preview or import it.")}


def _scoped(scope: Scope) -> Callable[[Page], Page]:
    def check(page: AreaPage) -> Page:
        if not allows(page.user, scope):
            raise PermissionDenied(f"This needs the {scope.value} permission.")
        return page

    return check


ImportsPage = Annotated[Page, Depends(_scoped(Scope.IMPORTS_RUN))]
ExportPage = Annotated[Page, Depends(_scoped(Scope.LEADS_EXPORT))]


def _index(page: Page, errors: dict[str, str] | None = None) -> Response:
    can_import = allows(page.user, Scope.IMPORTS_RUN)
    records: list[Import] = []
    if can_import:
        with page.container.db.read() as session:
            records = service.list_imports(session)
    return page.render(
        "imports/index.html",
        {
            "area": "imports",
            "can_import": can_import,
            "can_export": allows(page.user, Scope.LEADS_EXPORT),
            "imports": records,
            "errors": errors or {},
            "basis_options": enum_options(page, LawfulBasis),
            "stage_options": enum_options(page, Stage),
            "channel_options": enum_options(page, Channel),
            "max_mib": page.settings.import_max_upload_bytes // (1024 * 1024),
        },
    )


@router.get("/imports")
def index(page: AreaPage) -> Response:
    return _index(page)


def _folder(token: str) -> Path:
    if not _TOKEN.fullmatch(token):
        raise NotFound("There is no such upload.")
    folder = UPLOADS / token
    if not folder.is_dir():
        raise NotFound("The upload is gone (imported, or the server restarted); upload it again.")
    return folder


def _upload_path(token: str) -> Path:
    files = [p for p in _folder(token).iterdir() if p.is_file()]
    if not files:
        raise NotFound("There is no such upload.")
    return files[0]


def _sweep() -> None:
    """Uploads nobody imported (a preview only, a closed tab) go after a day."""
    if not UPLOADS.is_dir():
        return
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for folder in UPLOADS.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", Path(name).name).strip(" .") or "upload.csv"
    return cleaned[:200]


@router.post("/imports")
def upload(page: ImportsPage, form: Form) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _index(page, {"file": page.gettext("Choose a CSV or XLSX file.")})
    _sweep()
    token = secrets.token_urlsafe(24)
    folder = UPLOADS / token
    folder.mkdir(parents=True, mode=0o700)
    target = folder / _safe_name(upload.filename)
    try:
        with target.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
    finally:
        upload.file.close()  # the form was read by the CSRF check; nobody else closes it
    try:
        service.plan_import(target)
    except ValidationFailed as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _index(page, {"file": "; ".join(exc.errors.values())})
    return page.redirect(f"/imports/uploads/{token}?notice=uploaded")


def _overrides(form: FormData, headers: tuple[str, ...]) -> dict[str, str]:
    chosen = {header: field(form, f"map-{i}") for i, header in enumerate(headers)}
    return {header: target for header, target in chosen.items() if target}


def _plan(path: Path, form: FormData | None) -> service.Plan:
    """The file as detected, or as the wizard's form chose to read and map it."""
    if form is None:
        return service.plan_import(path)
    encoding = field(form, "encoding") or None
    delimiter = field(form, "delimiter") or None
    sheet = field(form, "sheet") or None
    detected = service.plan_import(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    return service.plan_import(
        path,
        overrides=_overrides(form, detected.layout.headers),
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
    )


def _target_options(page: Page, plan: service.Plan) -> list[tuple[str, str]]:
    options = [(rules.IGNORE, page.gettext("Ignore this column"))]
    options += [(t, page.gettext(label)) for t, label in TARGET_LABELS.items()]
    extra = sorted({t for t in plan.mapping.values() if t.startswith(rules.ATTRIBUTE_PREFIX)})
    options += [
        (t, page.gettext("Extra field: %(name)s") % {"name": t[len(rules.ATTRIBUTE_PREFIX) :]})
        for t in extra
    ]
    return options


def _consent_text_options(page: Page) -> list[tuple[str, str]]:
    """Every version of every purpose's text, for the rows that say yes."""
    options: list[tuple[str, str]] = []
    with page.container.db.read() as session:
        for purpose in consent.list_purposes(session):
            for text in consent.texts_of(session, purpose):
                wording = text.text if len(text.text) <= 80 else text.text[:79] + "…"
                version = f"{text.language} v{text.version}"
                label = f"{purpose.label_in(page.language)} · {version}: {wording}"
                options.append((str(text.id), label))
    return options


def _wizard(
    page: Page,
    token: str,
    plan: service.Plan,
    form: FormData | None,
    *,
    errors: dict[str, str] | None = None,
    preview: service.Preview | None = None,
    notice: str | None = None,
) -> Response:
    values = {
        "lawful_basis": field(form, "lawful_basis") if form else "",
        "evidence": field(form, "evidence") if form else "",
        "source": field(form, "source") if form else "",
        "consent_text": field(form, "consent_text") if form else "",
    }
    layout = plan.layout
    return page.render(
        "imports/upload.html",
        {
            "area": "imports",
            "token": token,
            "plan": plan,
            "is_xlsx": layout.kind is FileKind.XLSX,
            "columns": list(enumerate(plan.mapping.items())),
            "target_options": _target_options(page, plan),
            "encoding_options": [(e, e) for e in ENCODINGS],
            "delimiter_options": [(v, page.gettext(t)) for v, t in DELIMITERS],
            "delimiter_value": "tab" if layout.delimiter == "\t" else layout.delimiter,
            "sheet_options": [(s, s) for s in layout.sheets],
            "basis_options": enum_options(page, LawfulBasis),
            "consent_text_options": _consent_text_options(page),
            "values": values,
            "errors": errors or {},
            "preview": preview,
            "notice": page.notice(NOTICES, notice),
        },
    )


@router.get("/imports/uploads/{token}")
def wizard(token: str, page: ImportsPage, notice: str | None = None) -> Response:
    path = _upload_path(token)
    return _wizard(page, token, _plan(path, None), None, notice=notice)


@router.post("/imports/uploads/{token}")
def submit(token: str, page: ImportsPage, form: Form) -> Response:
    path = _upload_path(token)
    try:
        plan = _plan(path, form)
    except ValidationFailed as exc:
        return _wizard(page, token, _plan(path, None), form, errors=exc.errors)
    source = field(form, "source")
    if field(form, "action") == "preview":
        preview = service.dry_run(plan, source=source or None, error_limit=200)
        return _wizard(page, token, plan, form, preview=preview)
    try:
        options = service.check_options(
            field(form, "lawful_basis"),
            field(form, "evidence"),
            source,
            field(form, "consent_text"),
        )
    except ValidationFailed as exc:
        return _wizard(page, token, plan, form, errors=exc.errors)
    db = page.container.db
    settings = page.settings
    # the consent text is checked against the database when the import begins
    page.on_invalid(lambda errors: _wizard(page, token, plan, form, errors=errors))
    if path.stat().st_size < BACKGROUND_MIN_BYTES:
        summary = service.run_import(
            db,
            plan,
            options,
            actor=page.user.actor,
            batch_size=settings.import_batch_size,
            links=page.container.consent_links,
        )
        shutil.rmtree(path.parent, ignore_errors=True)
        return page.redirect(f"/imports/{summary.import_id}")
    record = service.begin_import(db, plan, options, actor=page.user.actor)
    workers = service.workers_for(plan, settings.import_workers)
    thread = threading.Thread(
        target=_run_in_background,
        args=(
            db,
            plan,
            options,
            page.user.actor,
            settings.import_batch_size,
            workers,
            page.container.consent_links,
        ),
        name=f"import-{record.id}",
        daemon=True,
    )
    thread.start()
    return page.redirect(f"/imports/{record.id}")


def _run_in_background(
    db: Database,
    plan: service.Plan,
    options: service.ImportOptions,
    actor: str,
    batch_size: int,
    workers: int,
    links: ConsentLinks,
) -> None:
    try:
        service.run_import(
            db, plan, options, actor=actor, batch_size=batch_size, workers=workers, links=links
        )
    except Exception:  # recorded on the import as failed; a re-upload resumes it
        log.exception("import of %s failed", plan.file_name)
        return
    shutil.rmtree(plan.path.parent, ignore_errors=True)


def _record(page: Page, import_id: int) -> tuple[Import, int]:
    with page.container.db.read() as session:
        record = service.get_import(session, import_id)
        return record, service.count_rejected(session, import_id)


@router.get("/imports/{import_id:rowid}")
def detail(import_id: int, page: ImportsPage) -> Response:
    record, rejected = _record(page, import_id)
    context: dict[str, Any] = {
        "area": "imports",
        "record": record,
        "rejected_rows": rejected,
        "running": record.status is ImportStatus.RUNNING,
        "basis_label": record.lawful_basis.label,
    }
    template = "imports/_progress.html" if page.htmx else "imports/detail.html"
    return page.render(template, context)


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/imports/{import_id:rowid}/errors.csv")
def error_report(import_id: int, page: ImportsPage) -> Response:
    out = io.BytesIO()
    with page.container.db.read() as session:
        record = service.get_import(session, import_id)
        export.write_csv(
            export.error_report_rows(record, service.rejected_rows(session, import_id)), out
        )
    return _download(out.getvalue(), export.ExportFormat.CSV.media_type,
                     f"import-{import_id}-errors.csv")  # fmt: skip


@router.get("/imports/export")
def export_leads(request: Request, page: ExportPage) -> Response:
    page.on_invalid(lambda errors: _index(page, errors))
    raw = dict(request.query_params)
    fmt_value = raw.pop("format", "csv")
    try:
        fmt = export.ExportFormat(fmt_value)
    except ValueError:
        raise ValidationFailed({"format": "Choose csv or xlsx."}) from None
    spec = queries.parse_filter(raw)
    out = io.BytesIO()
    with page.container.db.read() as session:
        export.write(export.lead_rows(session, spec, lead_visibility(page.user)), out, fmt)
    return _download(out.getvalue(), fmt.media_type, f"leads.{fmt.value}")
