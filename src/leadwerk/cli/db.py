"""`leadwerk db`: schema migrations."""

from __future__ import annotations

import typer

from leadwerk import schema
from leadwerk.cli.common import DatabaseUrlOption, console, domain_errors, fail, load_settings
from leadwerk.storage.engine import Database

app = typer.Typer(
    help="Database schema: upgrade, downgrade, show the current migration.", no_args_is_help=True
)


def _db(database_url: str | None) -> Database:
    return Database.from_url(load_settings(database_url=database_url).database_url, pool_size=2)


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target migration (default: the newest)."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Apply migrations up to REVISION. Back up first (see docs/operations.md)."""
    db = _db(database_url)
    with domain_errors():
        before = schema.current_revision(db.engine)
        schema.upgrade(db.engine, revision)
        after = schema.current_revision(db.engine)
    console.print(f"Database upgraded from {before or 'empty'} to {after}.")
    db.dispose()


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target migration, or `base` for an empty schema."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Revert migrations down to REVISION. Drops the data of the reverted tables."""
    db = _db(database_url)
    with domain_errors():
        schema.downgrade(db.engine, revision)
        after = schema.current_revision(db.engine)
    console.print(f"Database downgraded to {after or 'base'}.")
    db.dispose()


@app.command()
def current(database_url: str | None = DatabaseUrlOption) -> None:
    """Show the database's migration and the one this code needs."""
    db = _db(database_url)
    st = schema.status(db.engine)
    console.print(f"current: {st.current or 'none'}\nhead:    {st.head}")
    console.print("up to date" if st.at_head else "behind: run `leadwerk db upgrade`")
    db.dispose()


@app.command()
def check(database_url: str | None = DatabaseUrlOption) -> None:
    """Fail if the models and the migrated database differ (like `alembic check`)."""
    db = _db(database_url)
    st = schema.status(db.engine)
    if not st.at_head:
        fail(f"the database is at {st.current or 'none'}, not {st.head}; upgrade it first")
    diffs = schema.differences(db.engine)
    db.dispose()
    if diffs:
        fail(
            "models and migrations differ; write a migration for:\n  "
            + "\n  ".join(str(d) for d in diffs)
        )
    console.print("Models and migrations agree.")
