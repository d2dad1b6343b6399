"""`leadwerk accounts match`: give leads without an account the account they work for."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import typer

from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings
from leadwerk.identity import accounts as service

app = typer.Typer(help="Accounts: the companies leads work for.", no_args_is_help=True)


@app.command("match")
def match(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Match every lead without an account to one: by its company domain, else by its
    company name (exactly, then closely in the same country). A lead that two accounts match
    equally well keeps none."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db:
        summary = service.match_accounts(db)
    if as_json:
        result = asdict(summary)
        result["seconds"] = round(summary.seconds, 3)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    found = ", ".join(f"{n:,} by {how.replace('_', ' ')}" for how, n in summary.matched.items())
    console.print(
        f"{summary.leads:,} leads without an account: {found}; {summary.unmatched:,} unmatched."
    )
