"""`leadwerk import leads FILE` and `leadwerk export leads`."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadwerk.auth.rules import LeadVisibility
from leadwerk.capture.imports import export, rules, service
from leadwerk.capture.imports.types import LawfulBasis
from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    fail,
    invalid_options,
    load_settings,
)
from leadwerk.consent.types import ConsentLinks
from leadwerk.errors import DomainError, LeadwerkError, ValidationFailed
from leadwerk.leads import queries
from leadwerk.storage.engine import Database

import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
export_app = typer.Typer(help="Export data to files.", no_args_is_help=True)
ACTOR = "cli"
# The dry run's table (the JSON has every field); columns empty in every row are left out.
PREVIEW_COLUMNS = (
    "row",
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "country",
    "marketing_consent",
)


@import_app.command("leads")
def import_leads(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="The CSV or XLSX file."
    ),
    mapping: list[str] = typer.Option(
        [],
        "--map",
        help="COLUMN=FIELD: map a column onto a field (email, first_name, ..., consent, "
        "attributes.NAME), or COLUMN=- to ignore it. Repeat for several columns.",
    ),
    sheet: str | None = typer.Option(
        None, "--sheet", help="XLSX: the sheet to read; default the first one with data."
    ),
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="CSV: the delimiter (; , | or tab); detected by default."
    ),
    encoding: str | None = typer.Option(
        None,
        "--encoding",
        help="CSV: the encoding (utf-8, utf-8-sig, cp1252, latin-1); detected by default.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Show what would be imported and every rejected row; write nothing.",
    ),
    lawful_basis: str | None = typer.Option(
        None,
        "--lawful-basis",
        help="Why these people may be processed (GDPR Art. 6): "
        + ", ".join(b.value for b in LawfulBasis)
        + ". Required unless --dry-run.",
    ),
    evidence: str | None = typer.Option(
        None,
        "--evidence",
        help="The evidence for the lawful basis, e.g. 'badge scans at trade fair X, consent "
        "form version Y'. Required unless --dry-run.",
    ),
    source: str | None = typer.Option(
        None, "--source", help="Lead source for rows without a source column value."
    ),
    consent_text: int | None = typer.Option(
        None,
        "--consent-text",
        help="The id of the consent text the people agreed to (leadwerk consent purposes): "
        "each row saying yes is recorded in the consent ledger with it; a purpose with double "
        "opt-in sends a confirmation email first. Without it, nothing is recorded.",
    ),
    errors_file: Path | None = typer.Option(
        None,
        "--errors",
        help="Where to write the rejected rows as CSV; default FILE.errors.csv next to FILE.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Import leads from a CSV or XLSX file: encoding, delimiter and column mapping are
    detected (German and English headers); every row runs through the intake pipeline's
    normalisation; rejected rows go to an error CSV. Re-running an interrupted import of the
    same file and mapping continues where it stopped."""
    settings = load_settings(database_url=database_url)
    try:
        overrides, problems = rules.parse_overrides(mapping)
        if problems:
            raise ValidationFailed(problems, "--map takes COLUMN=FIELD.")
        plan = service.plan_import(
            file, overrides=overrides, sheet=sheet, encoding=encoding, delimiter=delimiter
        )
        if dry_run:
            _print_preview(service.dry_run(plan, source=source), as_json)
            return
        options = service.check_options(lawful_basis, evidence, source, consent_text)
    except ValidationFailed as exc:
        invalid_options(exc)
    target = errors_file or file.with_name(file.name + ".errors.csv")
    try:
        with database(settings) as db:
            workers = service.workers_for(plan, settings.import_workers)
            summary = _run(
                db,
                plan,
                options,
                batch_size=settings.import_batch_size,
                workers=workers,
                links=ConsentLinks.from_settings(settings),
                show_bar=not as_json and console.is_terminal,
            )
            with db.read() as session:
                record = service.get_import(session, summary.import_id)
                rejected = service.rejected_rows(session, summary.import_id)
    except ValidationFailed as exc:
        invalid_options(exc)
    except (DomainError, LeadwerkError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(
            "interrupted; the rows written so far are kept. Run the same command again to "
            "continue where it stopped.",
            code=130,
        )
    written: str | None = None
    if rejected:
        with target.open("wb") as out:
            export.write_csv(export.error_report_rows(record, rejected), out)
        written = str(target)
    _print_summary(summary, written, as_json)


def _run(
    db: Database,
    plan: service.Plan,
    options: service.ImportOptions,
    *,
    batch_size: int,
    workers: int,
    links: ConsentLinks,
    show_bar: bool,
) -> service.ImportSummary:
    run = functools.partial(
        service.run_import,
        db,
        plan,
        options,
        actor=ACTOR,
        batch_size=batch_size,
        workers=workers,
        links=links,
    )
    if not show_bar:
        return run()
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]Import[/bold] {task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("rows", total=None)
        return run(progress=lambda done: bar.update(task, completed=done))


def _layout(plan: service.Plan) -> dict[str, Any]:
    return {
        "encoding": plan.layout.encoding,
        "delimiter": plan.layout.delimiter,
        "sheet": plan.layout.sheet,
        "mapping": plan.mapping,
        "warnings": list(plan.layout.warnings),
    }


def _print_summary(summary: service.ImportSummary, errors: str | None, as_json: bool) -> None:
    counts = summary.counts
    result = {
        "import_id": summary.import_id,
        "rows": counts.rows,
        "created": counts.created,
        "updated": counts.updated,
        "merged": counts.merged,
        "rejected": counts.rejected,
        "errors_file": errors,
        "skipped_already_done": summary.skipped_already_done,
        **_layout(summary.plan),
    }
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    if summary.skipped_already_done:
        console.print(
            f"Skipped {summary.skipped_already_done:,} rows an earlier run of this import "
            f"(#{summary.import_id}) had written already."
        )
    console.print(
        f"Import #{summary.import_id}: {counts.rows:,} rows, {counts.created:,} created, "
        f"{counts.updated:,} updated, {counts.merged:,} merged, {counts.rejected:,} rejected."
    )
    for warning in summary.plan.layout.warnings:
        console.print(f"[yellow]Warning:[/yellow] {warning}")
    if errors:
        console.print(f"Rejected rows: {errors}", soft_wrap=True)


def _print_preview(preview: service.Preview, as_json: bool) -> None:
    errors = [{"row": e.number, "errors": e.errors} for e in preview.errors]
    if as_json:
        result = {
            "dry_run": True,
            "rows": preview.rows,
            "valid": preview.valid,
            "rejected": preview.rejected,
            **_layout(preview.plan),
            "preview": preview.sample,
            "errors": errors,
        }
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    layout = preview.plan.layout
    if layout.sheet:
        console.print(f"Sheet: {layout.sheet} (of {', '.join(layout.sheets)})")
    else:
        shown = "tab" if layout.delimiter == "\t" else layout.delimiter
        console.print(f"Encoding: {layout.encoding}, delimiter: {shown}")
    for warning in layout.warnings:
        console.print(f"[yellow]Warning:[/yellow] {warning}")
    table = Table("Column", "Field", title="Mapping")
    for column, target in preview.plan.mapping.items():
        table.add_row(column, target)
    console.print(table)
    if preview.sample:
        columns = [k for k in PREVIEW_COLUMNS if any(row.get(k) for row in preview.sample)]
        sample = Table(*columns, title="First rows as they would be stored")
        for row in preview.sample:
            sample.add_row(*("" if row.get(k) is None else str(row[k]) for k in columns))
        console.print(sample)
    for error in preview.errors:
        text = "; ".join(f"{f}: {m}" for f, m in error.errors.items())
        console.print(f"Row {error.number}: {text}", markup=False)
    console.print(
        f"Dry run: {preview.rows:,} rows, {preview.valid:,} valid, {preview.rejected:,} "
        "rejected. Nothing was written."
    )


@export_app.command("leads")
def export_leads(
    output: Path = typer.Option(..., "--output", "-o", help="The file to write."),
    fmt: export.ExportFormat = typer.Option(
        export.ExportFormat.CSV, "--format", help="csv (UTF-8 with BOM) or xlsx."
    ),
    stage: str | None = typer.Option(None, "--stage", help="Only leads in this stage."),
    channel: str | None = typer.Option(None, "--channel", help="Only leads from this channel."),
    owner_id: str | None = typer.Option(None, "--owner-id", help="Only leads of this owner."),
    unowned: bool = typer.Option(False, "--unowned", help="Only leads without an owner."),
    created_from: str | None = typer.Option(
        None, "--created-from", help="Only leads created at or after this date/time (ISO 8601)."
    ),
    created_to: str | None = typer.Option(
        None, "--created-to", help="Only leads created before this date/time (ISO 8601)."
    ),
    q: str | None = typer.Option(
        None, "--q", help="Only leads whose name, email or company match."
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Export leads to CSV or XLSX, with the lead list's filters. Cells that a spreadsheet
    would run as a formula are written with a leading '. Runs as an operator: every lead."""
    settings = load_settings(database_url=database_url)
    raw = {
        "stage": stage,
        "channel": channel,
        "owner_id": owner_id,
        "unowned": "true" if unowned else None,
        "created_from": created_from,
        "created_to": created_to,
        "q": q,
    }
    try:
        spec = queries.parse_filter(raw)
        with database(settings) as db, db.read() as session, output.open("wb") as out:
            rows = export.lead_rows(session, spec, LeadVisibility(everything=True))
            count = export.write(rows, out, fmt)
    except ValidationFailed as exc:
        invalid_options(exc)
    except (DomainError, LeadwerkError) as exc:
        fail(str(exc))
    console.print(f"Exported {count:,} leads to {output}.", soft_wrap=True)
