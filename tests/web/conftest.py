"""Fixtures of the UI tests: the app on the test's rolled-back database, a browser-like client,
and helpers to sign in and to read the CSRF token from a page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth import service as auth
from leadwerk.auth.models import Team, User
from leadwerk.auth.types import Role
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.auth import make_user

HTML = {"accept": "text/html,application/xhtml+xml"}
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=HTML) as c:
        yield c


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "the page carries no CSRF token"
    return match.group(1)


def page_token(client: TestClient, path: str = "/profile") -> str:
    """The CSRF token of a page (and the cookie that goes with it, kept by the client)."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)


def user(
    db: Database,
    role: Role = Role.ADMIN,
    *,
    team: Team | None = None,
    language: str | None = None,
    email: str | None = None,
) -> User:
    with db.transaction() as session:
        return make_user(session, role=role, team=team, language=language, email=email)


def sign_in(client: TestClient, db: Database, who: User) -> str:
    """A session as the login form makes it, without spending an argon2 check per test."""
    with db.transaction() as session:
        token = auth.start_session(
            session, who, max_age_seconds=3600, ip="127.0.0.1", user_agent="pytest"
        )
    client.cookies.set("lw_session", token)
    return token


def signed_in(client: TestClient, db: Database, role: Role = Role.ADMIN, **kw: object) -> User:
    who = user(db, role, **kw)  # type: ignore[arg-type]
    sign_in(client, db, who)
    return who
