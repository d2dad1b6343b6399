"""`leadwerk db`: schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from leadwerk import schema
from leadwerk.cli.common import DatabaseUrlOption, console, domain_errors, fail, load_settings
from leadwerk.storage.engine import Database

app = typer.Typer(
    help="Database schema: upgrade, downgrade, show the current migration.",
    no_args_is_help=True,
)


@contextmanager
def _engine_of(database_url: str | None) -> Iterator[Database]:
    settings = load_settings(database_url=database_url)
    with domain_errors():
        db = Database.from_url(settings.database_url, pool_size=2)
    try:
        with domain_errors():
            yield db
    finally:
        db.dispose()


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target migration (default: the newest)."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Apply migrations up to REVISION. Back up first (see docs/operations.md)."""
    with _engine_of(database_url) as db:
        before = schema.current_revision(db.engine)
        schema.upgrade(db.engine, revision)
        after = schema.current_revision(db.engine)
    console.print(f"Database upgraded from {before or 'empty'} to {after}.")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target migration, or `base` for an empty schema."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Revert migrations down to REVISION. Drops the data of the reverted tables."""
    with _engine_of(database_url) as db:
        schema.downgrade(db.engine, revision)
        after = schema.current_revision(db.engine)
    console.print(f"Database downgraded to {after or 'base'}.")


@app.command()
def current(database_url: str | None = DatabaseUrlOption) -> None:
    """Show the database's migration and the one this code needs."""
    with _engine_of(database_url) as db:
        st = schema.status(db.engine)
    console.print(f"current: {st.current or 'none'}\nhead:    {st.head}")
    console.print("up to date" if st.at_head else "behind: run `leadwerk db upgrade`")


@app.command()
def check(database_url: str | None = DatabaseUrlOption) -> None:
    """Fail if the models and the migrated database differ (like `alembic check`)."""
    with _engine_of(database_url) as db:
        st = schema.status(db.engine)
        diffs = schema.differences(db.engine) if st.at_head else []
    if not st.at_head:
        fail(f"the database is at {st.current or 'none'}, not {st.head}; upgrade it first")
    if diffs:
        fail(
            "models and migrations differ; write a migration for:\n  "
            + "\n  ".join(str(d) for d in diffs)
        )
    console.print("Models and migrations agree.")


@app.command()
def revision(
    message: str = typer.Argument(..., help="What the migration does, e.g. 'add forms'."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """For developers: write a migration for what the models have and the database lacks.

    Run it against a scratch database at head (e.g. `--database-url sqlite:////tmp/x.db` after
    `leadwerk db upgrade` there), then read and adjust the file it writes.
    """
    with _engine_of(database_url) as db:
        paths = schema.make_revision(db.engine, message)
    for path in paths:
        console.print(f"Wrote {path}")
