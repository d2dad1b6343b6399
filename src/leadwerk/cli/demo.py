"""`leadwerk demo`: fill a database with realistic demo data."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings
from leadwerk.demo.loader import DEFAULT_BATCH_SIZE, DEFAULT_MONTHS, DemoSummary, load_demo

STAFF_PASSWORD_ENV = "LEADWERK_DEMO_STAFF_PASSWORD"  # noqa: S105 - a variable's name


def demo(
    leads: int = typer.Option(5000, "--leads", min=0, help="How many demo leads to create."),
    seed: int = typer.Option(
        1,
        "--seed",
        help="Seed of the generator: the same seed (and --today, --months, --leads) gives the "
        "same data. A seed that is loaded already is refused; another seed adds more data.",
    ),
    months: int = typer.Option(
        DEFAULT_MONTHS,
        "--months",
        min=1,
        max=120,
        help="How many months of history: leads arrive over this period, growing towards "
        "the end, and their journeys run until the day before --today.",
    ),
    today: datetime | None = typer.Option(
        None,
        "--today",
        formats=["%Y-%m-%d"],
        help="The day the demo data ends before (YYYY-MM-DD); default: today (UTC). Set it "
        "to make the data reproducible from day to day.",
    ),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE,
        "--batch-size",
        min=1,
        help="Leads written per batch (with their accounts, touchpoints and stage history).",
    ),
    staff_password_env: str = typer.Option(
        STAFF_PASSWORD_ENV,
        "--staff-password-env",
        help="Environment variable holding a password for the demo staff (marketing users "
        "and sales reps); unset: the staff cannot log in.",
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Fill the database with realistic demo data: sales teams and reps, campaigns with daily
    spend, companies, leads with journeys of touchpoints and stage history. Upgrades an
    embedded SQLite database first; a PostgreSQL database must be at the newest migration."""
    settings = load_settings(database_url=database_url)
    day = today.date() if today else datetime.now(UTC).date()
    with (
        domain_errors(),
        database(settings) as db,
        Progress(
            TextColumn("[bold]Demo leads"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar,
    ):
        task = bar.add_task("leads", total=leads)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = load_demo(
            db,
            leads=leads,
            seed=seed,
            months=months,
            today=day,
            batch_size=batch_size,
            progress=advance,
            staff_password=os.environ.get(staff_password_env) or None,
        )
    _print_summary(summary)


def _print_summary(summary: DemoSummary) -> None:
    table = Table("", "rows", title=f"Demo data of seed {summary.seed}", title_justify="left")
    table.add_row("leads", f"{summary.leads:,}")
    table.add_row("accounts", f"{summary.accounts:,}")
    table.add_row("touchpoints", f"{summary.touchpoints:,}")
    table.add_row("stage changes", f"{summary.stage_changes:,}")
    table.add_row("campaigns (new)", f"{summary.campaigns:,}")
    table.add_row("campaign spend days (new)", f"{summary.campaign_spend:,}")
    table.add_row("users (new)", f"{summary.users:,}")
    table.add_row("teams (new)", f"{summary.teams:,}")
    console.print(table)
    last_day = summary.period_end - timedelta(days=1)
    console.print(
        f"Period {summary.period_start} to {last_day}. Loaded in "
        f"{summary.seconds:.1f} s ({summary.leads_per_second:,.0f} leads/s)."
    )
    console.print(
        "To look at it: `leadwerk serve --demo` (creates the demo admin) or create an admin "
        "with `leadwerk users create-admin`."
    )
