"""`leadwerk consent …`: purposes and their texts, and the check of the consent ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    domain_errors,
    fail,
    load_settings,
)
from leadwerk.consent import evidence, service

app = typer.Typer(help="Consent: purposes, their texts, the ledger.", no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Print one JSON object, nothing else.")


@app.command("verify")
def verify(as_json: bool = JsonOption, database_url: str | None = DatabaseUrlOption) -> None:
    """Check the whole consent ledger: every entry's content against its hash, and every
    entry against the one before it. Names the first entry that was edited, deleted or moved;
    exit code 1 then. Prints the chain hash of the last entry (note it elsewhere now and
    then: a ledger rewritten since cannot end in it)."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db:
        report, head = service.verify(db)
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "intact": report.intact,
                    "events": report.events,
                    "redacted": report.redacted,
                    "broken_at": report.broken_at,
                    "problem": report.problem,
                    "head": head,
                }
            )
            + "\n"
        )
    elif report.intact:
        console.print(
            f"The consent ledger is intact: {report.events:,} entries "
            f"({report.redacted:,} redacted after erasure). Last chain hash: {head}"
        )
    if not report.intact:
        if not as_json:
            fail(
                f"The consent ledger is broken at entry {report.broken_at}: {report.problem}. "
                f"The entries before it ({report.events - 1:,}) are intact, up to chain hash "
                f"{head}."
            )
        raise typer.Exit(1)


@app.command("purposes")
def purposes(as_json: bool = JsonOption, database_url: str | None = DatabaseUrlOption) -> None:
    """The consent purposes, whether each needs double opt-in, and their current texts."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.read() as session:
        rows: list[dict[str, Any]] = []
        for purpose in service.list_purposes(session):
            texts = service.texts_of(session, purpose)
            current: dict[str, dict[str, Any]] = {}
            for text in texts:
                current.setdefault(text.language, {"version": text.version, "text": text.text})
            rows.append(
                {
                    "name": purpose.name,
                    "label": purpose.label_en,
                    "double_opt_in": purpose.double_opt_in,
                    "texts": current,
                }
            )
    if as_json:
        sys.stdout.write(json.dumps({"purposes": rows}, ensure_ascii=False) + "\n")
        return
    table = Table("purpose", "double opt-in", "language", "version", "text")
    for row in rows:
        for language, text in sorted(row["texts"].items()):
            table.add_row(
                row["name"],
                "yes" if row["double_opt_in"] else "no",
                language,
                str(text["version"]),
                text["text"],
            )
    console.print(table)


@app.command("publish")
def publish(
    purpose: str = typer.Argument(..., help="The purpose, e.g. newsletter."),
    language: str = typer.Option(..., "--language", help="de or en."),
    text: str | None = typer.Option(None, "--text", help="The wording, as the person sees it."),
    text_file: Path | None = typer.Option(
        None, "--file", help="Read the wording from this UTF-8 file instead."
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Publish a new version of a purpose's text in one language. Earlier versions stay: they
    are the evidence of what people agreed to before. Forms and imports refer to a version."""
    if (text is None) == (text_file is None):
        fail("Give the wording with --text or --file (one of them).", code=2)
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"Cannot read {text_file}: {exc}", code=2)
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.transaction() as session:
        published = service.publish_text(session, purpose, language, text or "", actor="cli")
        version, text_id = published.version, published.id
    console.print(f"Published {purpose} ({language}) version {version} as text {text_id}.")


@app.command("check-bundle")
def check_bundle(
    bundle_file: Path = typer.Argument(..., help="An evidence bundle downloaded from Leadwerk."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Check that an evidence bundle is exactly as this server signed it (same
    LEADWERK_SECRET_KEY) and that each entry still matches its hash. Exit code 1 if not."""
    try:
        document = json.loads(bundle_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"Cannot read {bundle_file} as JSON: {exc}", code=2)
    settings = load_settings(database_url=database_url)
    if not isinstance(document, dict) or not evidence.check(document, secret=settings.secret_key):
        fail(f"{bundle_file} is not an unchanged evidence bundle of this server.")
    entries = len(document.get("entries") or [])
    console.print(f"{bundle_file} is unchanged: {entries} ledger entries, signed by this server.")
