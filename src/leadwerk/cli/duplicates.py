"""`leadwerk duplicates …`: find duplicate leads, review the pairs, merge, undo."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadwerk.auth.types import Principal
from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    domain_errors,
    invalid_options,
    load_settings,
)
from leadwerk.errors import ValidationFailed
from leadwerk.identity import duplicates as service
from leadwerk.identity import queries, review
from leadwerk.identity.models import LeadMerge

app = typer.Typer(help="Find duplicate leads, review them, merge and undo.", no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Print one JSON object, nothing else.")


@app.command("find")
def find(
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        help="Offer pairs from this match probability (0 < P ≤ 1); default "
        "LEADWERK_IDENTITY_REVIEW_THRESHOLD.",
    ),
    review_only: bool = typer.Option(
        False,
        "--review-only",
        help="Merge nothing: offer the pairs at or above the merge threshold for review too.",
    ),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Search every lead for duplicates: a match model is learned from the leads themselves;
    pairs at or above LEADWERK_IDENTITY_MERGE_THRESHOLD are merged (each merge can be undone),
    pairs from the review threshold up become open pairs for review (replacing the open pairs
    of an earlier search; pairs marked "not a duplicate" are never offered again)."""
    settings = load_settings(database_url=database_url, identity_review_threshold=threshold)
    policy = service.SearchPolicy.from_settings(settings, auto_merge=not review_only)
    with domain_errors(), database(settings) as db:
        search_id = service.start_search(db, actor="cli", auto_merge=policy.auto_merge)
        if as_json or not console.is_terminal:
            summary = service.run_search(db, search_id, policy)
        else:
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]Duplicates[/bold] {task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("starting", total=None)
                summary = service.run_search(
                    db,
                    search_id,
                    policy,
                    progress=lambda step: bar.update(task, description=step),
                )
    result = asdict(summary)
    result["search_id"] = search_id
    result["seconds"] = {k: round(v, 3) for k, v in summary.seconds.items()}
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    console.print(
        f"{summary.leads:,} leads, {summary.candidate_pairs:,} candidate pairs: "
        f"{summary.merged:,} leads merged, {summary.pairs:,} new pairs at or above "
        f"{summary.threshold}; {summary.open_pairs:,} open pairs to review."
    )


def _lead_label(lead: Any) -> str:
    name = " ".join(p for p in (lead.first_name, lead.last_name) if p) or "–"
    return f"#{lead.id} {name} <{lead.email or lead.phone or '–'}>"


@app.command("list")
def list_pairs(
    status: str = typer.Option("open", "--status", help="open, merged or not_duplicate."),
    min_probability: float | None = typer.Option(
        None, "--min-probability", help="Only pairs at least this likely."
    ),
    limit: int = typer.Option(25, "--limit", help="How many pairs (at most 200)."),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """The pairs of the review queue, most likely duplicates first."""
    try:
        spec = queries.parse_filter(
            {"status": status, "min_probability": min_probability, "limit": limit}
        )
    except ValidationFailed as exc:
        invalid_options(exc)
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.read() as session:
        page = queries.list_pairs(session, spec)
        rows: list[dict[str, Any]] = [
            {
                "pair_id": view.pair.id,
                "probability": round(view.pair.probability, 6),
                "status": view.pair.status.value,
                "left": {"id": view.left.id, "label": _lead_label(view.left)},
                "right": {"id": view.right.id, "label": _lead_label(view.right)},
            }
            for view in page.items
        ]
    if as_json:
        sys.stdout.write(json.dumps({"pairs": rows}) + "\n")
        return
    if not rows:
        console.print("No pairs.")
        return
    table = Table("pair", "probability", "lead", "lead")
    for row in rows:
        table.add_row(
            str(row["pair_id"]),
            f"{row['probability']:.4f}",
            row["left"]["label"],
            row["right"]["label"],
        )
    console.print(table)


def _merge_result(record: LeadMerge) -> dict[str, Any]:
    return {
        "merge_id": record.id,
        "survivor_id": record.survivor_id,
        "merged_id": record.merged_id,
        "reason": record.reason.value,
        "undone": record.undone_at is not None,
        "decisions": record.decisions,
    }


def _print_merge(record: LeadMerge, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(_merge_result(record)) + "\n")
        return
    if record.undone_at is not None:
        console.print(
            f"Merge {record.id} undone: lead {record.merged_id} is back, "
            f"lead {record.survivor_id} has its own values again."
        )
        return
    console.print(
        f"Lead {record.merged_id} merged into lead {record.survivor_id} (merge {record.id})."
    )
    for d in record.decisions:
        console.print(f"  {d['field']}: kept {d['kept']!r}, lost {d['lost']!r} ({d['why']})")
    console.print(f"Undo with: leadwerk duplicates undo {record.id}")


@app.command("merge")
def merge(
    keep: int = typer.Argument(..., help="The lead that stays."),
    other: int = typer.Argument(..., help="The lead merged into it (it disappears)."),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Merge lead OTHER into lead KEEP: field by field by the survivorship rules, every
    touchpoint, submission and event moves over, OTHER's address keeps finding KEEP."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.transaction() as session:
        record = review.merge(
            session,
            Principal.operator(),
            keep=keep,
            other=other,
            priority=settings.identity_source_priority,
        )
    _print_merge(record, as_json)


@app.command("merge-pair")
def merge_pair(
    pair_id: int = typer.Argument(..., help="The pair's id (see `leadwerk duplicates list`)."),
    keep: int | None = typer.Option(
        None, "--keep", help="The lead that stays; default the pair's older lead."
    ),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Merge the two leads of an open pair."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.transaction() as session:
        record = review.merge_pair(
            session,
            Principal.operator(),
            pair_id,
            keep=keep,
            priority=settings.identity_source_priority,
        )
    _print_merge(record, as_json)


@app.command("dismiss")
def dismiss(
    pair_id: int = typer.Argument(..., help="The pair's id."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Mark an open pair "not a duplicate": no search offers it again."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.transaction() as session:
        pair = review.dismiss_pair(session, Principal.operator(), pair_id)
        left, right = pair.left_lead_id, pair.right_lead_id
    console.print(f"Pair {pair_id}: leads {left} and {right} are not the same person.")


@app.command("undo")
def undo(
    merge_id: int = typer.Argument(
        ..., help="The merge's id (printed by merge, on the lead's page)."
    ),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Undo a merge: the merged lead comes back with its id, its values and its history, plus
    what came in through its address since; the pair is remembered as "not a duplicate"."""
    settings = load_settings(database_url=database_url)
    with domain_errors(), database(settings) as db, db.transaction() as session:
        record = review.undo(session, Principal.operator(), merge_id)
    _print_merge(record, as_json)
