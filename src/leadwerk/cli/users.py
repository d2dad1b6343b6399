"""`leadwerk users` and `leadwerk teams`: people who log in to the UI."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from leadwerk.auth import service as auth
from leadwerk.auth.types import Role
from leadwerk.cli.common import (
    DatabaseUrlOption,
    console,
    database,
    domain_errors,
    fail,
    load_settings,
)

PASSWORD_ENV = "LEADWERK_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password

users_app = typer.Typer(help="Users who log in to the UI.", no_args_is_help=True)
teams_app = typer.Typer(help="Teams of sales reps.", no_args_is_help=True)


def _password(password_env: str) -> str:
    from_env = os.environ.get(password_env)
    if from_env:
        return from_env
    if not os.isatty(0):
        fail(f"no terminal to ask for the password; set {password_env} instead")
    value: str = typer.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    return value


def _create(
    email: str,
    name: str,
    role: Role,
    team_id: int | None,
    password_env: str,
    database_url: str | None,
) -> None:
    settings = load_settings(database_url=database_url)
    password = _password(password_env)
    with database(settings) as db, domain_errors(), db.transaction() as session:
        user = auth.create_user(
            session,
            email=email,
            name=name or email.split("@")[0],
            password=password,
            role=role,
            team_id=team_id,
            actor="cli",
        )
        user_id, stored_email = user.id, user.email
    console.print(f"Created {role.value} {stored_email} (id {user_id}).")


@users_app.command("create-admin")
def create_admin(
    email: str = typer.Argument(..., help="The admin's email; also the login name."),
    name: str = typer.Option("", help="Display name (default: the part before @)."),
    password_env: str = typer.Option(
        PASSWORD_ENV,
        help="Read the password from this environment variable when it is set; "
        "otherwise ask for it.",
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Create an administrator (asks for the password, or reads it from an env var)."""
    _create(email, name, Role.ADMIN, None, password_env, database_url)


@users_app.command("create")
def create(
    email: str = typer.Argument(..., help="Email; also the login name."),
    role: Role = typer.Option(..., help="admin, marketing or sales."),
    name: str = typer.Option("", help="Display name (default: the part before @)."),
    team_id: int | None = typer.Option(None, help="The team a sales rep belongs to."),
    password_env: str = typer.Option(
        PASSWORD_ENV, help="Read the password from this environment variable when it is set."
    ),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Create a user with any role."""
    _create(email, name, role, team_id, password_env, database_url)


@users_app.command("list")
def list_users(database_url: str | None = DatabaseUrlOption) -> None:
    """List users with their role and team."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, db.read() as session:
        table = Table("id", "email", "name", "role", "team", "active")
        for u in auth.list_users(session):
            table.add_row(
                str(u.id),
                u.email,
                u.name,
                u.role.value,
                str(u.team_id or ""),
                "yes" if u.is_active else "no",
            )
    console.print(table)


@teams_app.command("create")
def create_team(
    name: str = typer.Argument(..., help="The team's name."),
    database_url: str | None = DatabaseUrlOption,
) -> None:
    """Create a team."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, domain_errors(), db.transaction() as session:
        team = auth.create_team(session, name, actor="cli")
        team_id = team.id
    console.print(f"Created team {name} (id {team_id}).")


@teams_app.command("list")
def list_teams(database_url: str | None = DatabaseUrlOption) -> None:
    """List teams with their id."""
    settings = load_settings(database_url=database_url)
    with database(settings) as db, db.read() as session:
        table = Table("id", "name")
        for team in auth.list_teams(session):
            table.add_row(str(team.id), team.name)
    console.print(table)
