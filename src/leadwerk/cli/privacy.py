"""`leadwerk privacy …`: data subject rights from the command line: export, erase, restrict,
object. A person is named by an address of theirs or by a lead id."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    domain_errors,
    fail,
    load_settings,
)
from leadwerk.consent import privacy, records, retention
from leadwerk.delivery.mail import mail_host
from leadwerk.errors import NotFound
from leadwerk.identity import queries
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database

app = typer.Typer(
    help="Data subject rights: export, erase, restrict, object.", no_args_is_help=True
)
ACTOR = "cli"
PersonArgument = typer.Argument(..., help="An email address of the person, or a lead id.")


def _person(db: Database, email_or_id: str) -> Lead:
    with db.read() as session:
        lead = queries.find_person(session, email_or_id)
    if lead is None:
        raise NotFound(f"No lead is known by {email_or_id!r}.")
    return lead


@app.command("export")
def export(
    email_or_id: str = PersonArgument,
    output: Path = typer.Option(..., "--output", help="A folder for the files (created)."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Everything Leadwerk holds about a person (GDPR Art. 15 and 20): person.json with every
    part, a CSV per part (lead, touchpoints, consent entries, …) and consent-evidence.json,
    the signed evidence of their consent."""
    settings = load_settings(database_url=database_url)
    if output.exists() and any(output.iterdir()):
        fail(f"{output} is not empty; choose a new folder.", code=2)
    with domain_errors(), database(settings) as db:
        lead = _person(db, email_or_id)
        with db.read() as session:
            files = privacy.export_files(
                privacy.export(session, lead.id, secret=settings.secret_key)
            )
    output.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (output / name).write_bytes(content)
    console.print(f"Lead {lead.id}: {len(files)} files written to {output}.")


@app.command("erase")
def erase(
    email_or_id: str = PersonArgument,
    yes: bool = typer.Option(False, "--yes", help="Really erase: there is no undo."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Erase a person (GDPR Art. 17): the lead and everything that points to it, their
    entries in the outbox, stored API answers and rejected import rows; their consent entries
    are redacted (the ledger still verifies); their addresses and number stay only as keyed
    hashes, so no import brings them back into marketing. Cannot be undone."""
    if not yes:
        fail("Erasing cannot be undone; add --yes to erase.", code=2)
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db:
        lead = _person(db, email_or_id)
        with db.transaction() as session:
            report = privacy.erase(session, lead.id, actor=ACTOR, secret=settings.secret_key)
        scrubbed = db.scrub()
    if as_json:
        result = {
            "lead_id": report.lead_id,
            "removed": report.removed,
            "ledger_entries_redacted": report.redacted,
            "log_emptied": scrubbed,
        }
        sys.stdout.write(json.dumps(result) + "\n")
        return
    rows = sum(report.removed.values())
    console.print(
        f"Lead {report.lead_id} erased: {rows} rows removed, {report.redacted} consent entries "
        "redacted."
    )
    if not scrubbed:
        console.print("The SQLite log is still in use; run the command again later to empty it.")


class Objection(StrEnum):
    PROFILING = "profiling"
    MARKETING = "marketing"


@app.command("object")
def object_(
    email_or_id: str = PersonArgument,
    to: Objection = typer.Option(..., "--to", help="profiling or marketing."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Record an objection (GDPR Art. 21): to profiling (no scoring; the profiling consent
    withdrawn) or to direct marketing (every purpose withdrawn, the address suppressed)."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db:
        lead = _person(db, email_or_id)
        with db.transaction() as session:
            if to is Objection.PROFILING:
                privacy.object_to_profiling(session, lead.id, actor=ACTOR)
            else:
                privacy.object_to_marketing(
                    session, lead.id, actor=ACTOR, secret=settings.secret_key
                )
    console.print(f"Lead {lead.id}: objection to {to.value} recorded.")


@app.command("restrict")
def restrict(
    email_or_id: str = PersonArgument,
    lift: bool = typer.Option(False, "--lift", help="Lift the restriction instead."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Restrict the processing of a person's data (GDPR Art. 18): nothing goes out to them for
    any purpose while it holds. `--lift` ends it."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db:
        lead = _person(db, email_or_id)
        with db.transaction() as session:
            privacy.restrict(session, lead.id, actor=ACTOR, restricted=not lift)
    console.print(f"Lead {lead.id}: processing {'no longer ' if lift else ''}restricted.")


class RecordsFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


@app.command("records")
def records_(
    output_format: RecordsFormat = typer.Option(
        RecordsFormat.MARKDOWN, "--format", help="markdown (to read and sign) or json."
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """The records of processing activities (GDPR Art. 30), from the configured purposes and
    texts, data classes, retention periods (LEADWERK_RETENTION_*), processors
    (LEADWERK_PRIVACY_PROCESSORS), webhook receivers and mail server. Review and complete it."""
    settings = load_settings(database_url=database_url)
    given = records.RecordsInput(
        controller=settings.privacy_controller,
        dpo=settings.privacy_dpo,
        processors=settings.privacy_processors,
        retention=retention.RetentionPolicy.from_settings(settings),
        confirm_hours=settings.consent_confirm_hours,
        mail_host=mail_host(settings.smtp_url),
    )
    with domain_errors(), database(settings) as db, db.read() as session:
        built = records.build(session, given)
    if output_format is RecordsFormat.JSON:
        sys.stdout.write(json.dumps(built, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(records.markdown(built))
