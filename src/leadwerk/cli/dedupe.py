"""`leadwerk dedupe FILE`: find the duplicates in a list before it is imported."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from leadwerk.capture.imports import reader
from leadwerk.capture.imports.rules import cell_text
from leadwerk.cli.common import console, invalid_options
from leadwerk.errors import ValidationFailed
from leadwerk.identity import dedupe as service
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.linkage import DEFAULT_THRESHOLD

KINDS = ", ".join(kind.value for kind in FieldKind)


def dedupe(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="The CSV or XLSX file."
    ),
    id_column: str = typer.Option(
        ..., "--id-column", help="The column with each record's own id (written to PAIRS.csv)."
    ),
    fields: list[str] = typer.Option(
        [],
        "--field",
        help=f"COLUMN=KIND: compare this column as KIND ({KINDS}). Repeat for several; "
        "German and English headers are mapped without it.",
    ),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD,
        "--threshold",
        help="Write the pairs with at least this match probability (0 < P ≤ 1).",
    ),
    output: Path = typer.Option(
        ..., "--output", dir_okay=False, help="PAIRS.csv: left_id,right_id,match_probability."
    ),
    clusters: Path | None = typer.Option(
        None,
        "--clusters",
        dir_okay=False,
        help="CLUSTERS.csv: id,cluster_id,cluster_size for every record.",
    ),
    sheet: str | None = typer.Option(
        None, "--sheet", help="XLSX: the sheet to read; default the first one with data."
    ),
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="CSV: the delimiter (; , | or tab); detected by default."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="CSV: the encoding; detected by default."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object with counts and timings, nothing else."
    ),
) -> None:
    """Find the records of a CSV or XLSX file that are the same person: a match model is
    learned from the file itself (Fellegi–Sunter, EM), and every pair at or above the
    threshold is written to PAIRS.csv. Nothing is written to the database."""
    try:
        service.check_threshold(threshold)
        service.output_paths_differ(file, output, clusters)
        overrides = service.parse_fields(fields)
        layout = reader.inspect(file, encoding=encoding, delimiter=delimiter, sheet=sheet)
        mapping = service.map_columns(layout.headers, id_column, overrides)
        rows = (
            (r.number, tuple(cell_text(v) for v in r.values), r.error)
            for r in reader.read_rows(file, layout)
        )
        run = functools.partial(
            service.dedupe,
            layout.headers,
            rows,
            id_column=id_column,
            fields=mapping,
            threshold=threshold,
        )
        if as_json or not console.is_terminal:
            outcome = run()
        else:
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]Finding duplicates[/bold]"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ):
                outcome = run()
    except ValidationFailed as exc:
        invalid_options(exc)
    with output.open("w", encoding="utf-8", newline="") as out:
        service.write_pairs(outcome, out)
    if clusters is not None:
        with clusters.open("w", encoding="utf-8", newline="") as out:
            service.write_clusters(outcome, out)
    summary = {
        **outcome.summary(),
        "output": str(output),
        "clusters_file": None if clusters is None else str(clusters),
        "warnings": list(layout.warnings),
    }
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
        return
    mapped = ", ".join(f"{c} → {k}" for c, k in summary["fields"].items())
    console.print(f"Compared: {mapped}", soft_wrap=True)
    console.print(
        f"{summary['records']:,} records, {summary['candidate_pairs']:,} candidate pairs, "
        f"{summary['pairs']:,} pairs at or above {threshold} in {summary['clusters']:,} "
        f"clusters ({summary['records_in_clusters']:,} records)."
    )
    console.print(f"Pairs: {output}", soft_wrap=True)
    if clusters is not None:
        console.print(f"Clusters: {clusters}", soft_wrap=True)
    for row in summary["skipped_rows"]:
        console.print(f"[yellow]Skipped row {row['row']}:[/yellow] {row['reason']}")
    for warning in summary["warnings"]:
        console.print(f"[yellow]Warning:[/yellow] {warning}")
