"""`leadwerk duplicates find`: search all leads for duplicates."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings
from leadwerk.identity import duplicates as service

app = typer.Typer(help="Find duplicate leads.", no_args_is_help=True)


@app.command("find")
def find(
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        help="Offer pairs from this match probability (0 < P ≤ 1); default "
        "LEADWERK_IDENTITY_REVIEW_THRESHOLD.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Search every lead for duplicates: a match model is learned from the leads themselves,
    and every pair at or above the threshold becomes an open pair for review (replacing the
    open pairs of an earlier search; pairs marked "not a duplicate" are never offered again)."""
    settings = load_settings(database_url=database_url, identity_review_threshold=threshold)
    with domain_errors(), database(settings) as db:
        if as_json or not console.is_terminal:
            summary = service.find_duplicates(
                db,
                threshold=settings.identity_review_threshold,
                merge_threshold=settings.identity_merge_threshold,
            )
        else:
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]Duplicates[/bold] {task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("starting", total=None)
                summary = service.find_duplicates(
                    db,
                    threshold=settings.identity_review_threshold,
                    merge_threshold=settings.identity_merge_threshold,
                    progress=lambda step: bar.update(task, description=step),
                )
    result = asdict(summary)
    result["seconds"] = {k: round(v, 3) for k, v in summary.seconds.items()}
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    console.print(
        f"{summary.leads:,} leads, {summary.candidate_pairs:,} candidate pairs: "
        f"{summary.pairs:,} new pairs at or above {summary.threshold}; "
        f"{summary.open_pairs:,} open pairs to review."
    )
