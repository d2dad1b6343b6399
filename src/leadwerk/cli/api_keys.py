"""`leadwerk api-keys`: keys for the JSON API."""

from __future__ import annotations

import typer
from rich.table import Table

from leadwerk.auth import service as auth
from leadwerk.auth.types import Scope
from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings

app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Argument(..., help="Who or what uses the key, e.g. `website-forms`."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="Repeat for each scope: " + ", ".join(s.value for s in Scope) + "."
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Create a key. The key is printed once, as the last line; only a hash is stored."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, domain_errors(), db.transaction() as session:
        issued = auth.create_api_key(session, name=name, scopes=scope, actor="cli")
    console.print(
        f"Created API key {issued.name!r} (id {issued.id}, prefix {issued.prefix}) "
        f"with scopes {', '.join(sorted(s.value for s in issued.scopes))}."
    )
    console.print("Store it now; it cannot be shown again:")
    typer.echo(issued.secret)


@app.command("list")
def list_keys(
    all_keys: bool = typer.Option(False, "--all", help="Include revoked keys."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """List keys: id, prefix, name, scopes, last use."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, db.read() as session:
        table = Table("id", "prefix", "name", "scopes", "created", "last used", "revoked")
        for k in auth.list_api_keys(session, include_revoked=all_keys):
            table.add_row(
                str(k.id),
                k.prefix,
                k.name,
                " ".join(k.scopes),
                k.created_at.strftime("%Y-%m-%d %H:%M"),
                k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "",
                k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "",
            )
    console.print(table)


@app.command()
def revoke(
    key: str = typer.Argument(..., help="The key's id or prefix (see `api-keys list`)."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Revoke a key. Every process refuses it within LEADWERK_API_KEY_CACHE_SECONDS."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, domain_errors(), db.transaction() as session:
        revoked = auth.revoke_api_key(session, key, actor="cli")
        name = revoked.name
    console.print(f"Revoked API key {name!r}.")
