"""The `leadwerk` command."""

from __future__ import annotations

import typer

from leadwerk import __version__
from leadwerk.cli import (
    accounts,
    api_keys,
    consent,
    db,
    dedupe,
    demo,
    duplicates,
    hooks,
    imports,
    privacy,
    retention,
    serve,
    users,
    worker,
)

app = typer.Typer(
    name="leadwerk",
    help="Leadwerk: self-hosted lead management. Settings come from LEADWERK_* environment "
    "variables (see docs/configuration.md); flags override them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(help=serve.serve.__doc__)(serve.serve)
app.command(help=worker.worker.__doc__)(worker.worker)
app.command(help=demo.demo.__doc__)(demo.demo)
app.command(help=dedupe.dedupe.__doc__)(dedupe.dedupe)
app.add_typer(db.app, name="db")
app.add_typer(users.users_app, name="users")
app.add_typer(users.teams_app, name="teams")
app.add_typer(api_keys.app, name="api-keys")
app.add_typer(hooks.app, name="hooks")
app.add_typer(duplicates.app, name="duplicates")
app.add_typer(accounts.app, name="accounts")
app.add_typer(consent.app, name="consent")
app.add_typer(privacy.app, name="privacy")
app.add_typer(retention.app, name="retention")
app.add_typer(imports.import_app, name="import")
app.add_typer(imports.export_app, name="export")


@app.command()
def version() -> None:
    """Print Leadwerk's version."""
    typer.echo(__version__)


def main() -> None:
    app()
