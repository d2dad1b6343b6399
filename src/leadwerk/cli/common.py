"""What every command needs: settings from env plus flags, a database, readable failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from leadwerk import schema
from leadwerk.errors import DomainError, LeadwerkError, ValidationFailed
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DatabaseUrlOption = typer.Option(
    None,
    "--database-url",
    envvar=None,
    help="Database URL; overrides LEADWERK_DATABASE_URL.",
)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code)


def invalid_options(exc: ValidationFailed) -> NoReturn:
    """Options or input the user must change: the message per field, exit code 2."""
    details = "\n  ".join(f"{f}: {m}" for f, m in exc.errors.items())
    fail(f"{exc.message}\n  {details}", code=2)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the given non-None flags on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        ]
        fail("the settings are invalid:\n  " + "\n  ".join(lines), code=2)


@contextmanager
def database(settings: Settings, *, require_head: bool = True) -> Iterator[Database]:
    with domain_errors():
        db = Database.from_url(settings.database_url, pool_size=5)
    try:
        if require_head:
            if settings.is_sqlite:
                schema.upgrade(db.engine)
            else:
                schema.require_head(db.engine)
        yield db
    finally:
        db.dispose()


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain errors into a message and exit code 1; never a traceback."""
    try:
        yield
    except ValidationFailed as exc:
        details = "\n  ".join(f"{f}: {m}" for f, m in exc.errors.items())
        fail(f"{exc.message}\n  {details}")
    except (DomainError, LeadwerkError) as exc:
        fail(str(exc))
