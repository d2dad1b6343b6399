"""`leadwerk retention run`: apply the retention periods now (the scheduler does it daily)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import typer
from rich.table import Table

from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings
from leadwerk.consent import retention

app = typer.Typer(help="Retention: how long each class of data is kept.", no_args_is_help=True)


@app.command("run")
def run(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only report what would go; change nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Apply every retention period (LEADWERK_RETENTION_*): erase people whose double opt-in
    expired unconfirmed and inactive leads, delete old touchpoints, tracking events and logs.
    Prints per class how many rows (or people) went, or with --dry-run would go."""
    settings = load_settings(database_url=database_url)
    policy = retention.RetentionPolicy.from_settings(settings)
    with domain_errors(), database(settings) as db:
        with db.transaction() as session:
            reports = retention.run(session, policy, secret=settings.secret_key, dry_run=dry_run)
        if not dry_run:
            db.scrub()
    if as_json:
        sys.stdout.write(
            json.dumps({"dry_run": dry_run, "classes": [asdict(r) for r in reports]}) + "\n"
        )
        return
    table = Table("data class", "kept for", "would go" if dry_run else "removed")
    for report in reports:
        days = f"{report.days} days" if report.days else "kept"
        count = f"{report.count:,}" + (" (more next run)" if report.more else "")
        table.add_row(report.data_class, days, count)
    console.print(table)
