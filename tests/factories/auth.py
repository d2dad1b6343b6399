"""Factories for users, teams and API keys."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from leadwerk.auth import service as auth
from leadwerk.auth.models import Team, User
from leadwerk.auth.types import IssuedApiKey, Role, Scope

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_team(session: Session, name: str | None = None) -> Team:
    return auth.create_team(session, name or f"Team {next(_seq)}", actor="test")


def make_user(
    session: Session,
    *,
    role: Role = Role.ADMIN,
    email: str | None = None,
    team: Team | None = None,
    language: str | None = None,
) -> User:
    return auth.create_user(
        session,
        email=email or f"user{next(_seq)}@example.com",
        name=f"User {next(_seq)}",
        password=PASSWORD,
        role=role,
        actor="test",
        team_id=team.id if team else None,
        language=language,
    )


def make_api_key(session: Session, *scopes: Scope, name: str = "test key") -> IssuedApiKey:
    return auth.create_api_key(
        session, name=name, scopes=[s.value for s in scopes or Scope], actor="test"
    )
