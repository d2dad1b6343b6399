"""`leadwerk hooks`: inbound hooks (Google Ads, Meta, generic) and their dead letters."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.ports import HttpxGraphApi
from leadwerk.capture.hooks.types import DeliveryStatus
from leadwerk.capture.quality.ports import mx_lookup_from_settings
from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    domain_errors,
    fail,
    load_settings,
)

app = typer.Typer(
    help="Inbound hooks: list them, list failed deliveries, retry them.", no_args_is_help=True
)


JsonOption = typer.Option(False, "--json", help="Print one JSON array instead of a table.")


@app.command("list")
def list_hooks(as_json: bool = JsonOption, database_url: str | None = DatabaseUrlOption) -> None:
    """List hooks: id, kind, name, URL path, status, processed and failed deliveries."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, db.read() as session:
        counts = hooks.delivery_counts(session)
        rows = [
            {
                "id": h.id,
                "kind": h.kind.value,
                "name": h.name,
                "path": hooks.hook_path(h),
                "active": h.is_active,
                "processed": counts.get(h.id, {}).get(DeliveryStatus.PROCESSED, 0),
                "failed": counts.get(h.id, {}).get(DeliveryStatus.FAILED, 0),
            }
            for h in hooks.list_hooks(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "kind", "name", "path", "active", "processed", "failed")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@app.command("failed")
def failed(
    hook: int | None = typer.Option(None, "--hook", help="Only this hook's deliveries (its id)."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Show at most this many."),
    as_json: bool = JsonOption,
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """List failed deliveries (the dead-letter list), newest first, with their errors."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, db.read() as session:
        rows = [
            {
                "id": d.id,
                "hook": h.name,
                "received_at": d.received_at.isoformat(),
                "external_id": d.external_id,
                "attempts": d.attempts,
                "error": d.error,
            }
            for d, h in hooks.list_deliveries(session, hook_id=hook, limit=limit, dead_letters=True)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "hook", "received", "sender's lead id", "attempts", "error")
    for row in rows:
        table.add_row(*(str(v) if v is not None else "" for v in row.values()))
    console.print(table)


@app.command()
def retry(
    delivery_id: int | None = typer.Argument(
        None, help="The failed delivery to retry (see `hooks failed`)."
    ),
    all_failed: bool = typer.Option(False, "--all", help="Retry every failed delivery."),
    hook: int | None = typer.Option(None, "--hook", help="With --all: only this hook's."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Process failed deliveries again from their stored payloads."""
    if (delivery_id is None) == (not all_failed):
        fail("name one delivery id, or pass --all", code=2)
    settings = load_settings(database_url=database_url)
    graph = HttpxGraphApi(
        version=settings.hooks_meta_graph_version,
        timeout=settings.hooks_meta_graph_timeout_seconds,
    )
    mx = mx_lookup_from_settings(settings)
    try:
        with database(settings) as db, domain_errors():
            if delivery_id is not None:
                done = receiving.retry(db, delivery_id, graph, actor="cli", mx=mx)
                if done.status is not DeliveryStatus.PROCESSED:
                    fail(f"delivery {delivery_id} failed again: {done.error}")
                console.print(f"Delivery {delivery_id} processed: lead {done.lead_id}.")
                return
            summary = receiving.retry_failed(db, graph, actor="cli", hook_id=hook, mx=mx)
    finally:
        graph.close()
    console.print(
        f"Retried {summary.retried}: {summary.processed} processed, {summary.failed} failed."
    )
    if summary.failed:
        raise typer.Exit(1)
