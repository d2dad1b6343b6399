from __future__ import annotations

from sqlalchemy import select

from leadwerk.auth import service as auth
from leadwerk.auth.models import ApiKey, AuditEntry, User
from leadwerk.auth.types import PrincipalKind, Role, Scope
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke

PASSWORD = "a long enough password"


def test_create_admin_from_env_and_log_in(invoke: Invoke, fresh_database_url: str) -> None:
    r = invoke(
        "users",
        "create-admin",
        "Boss@Example.com",
        "--name",
        "Bea Boss",
        "--database-url",
        fresh_database_url,
        env={"LEADWERK_ADMIN_PASSWORD": PASSWORD},
    )
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Created admin boss@example.com (id ")
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.transaction() as s:
            user = auth.authenticate(s, "boss@example.com", PASSWORD)
            assert (user.name, user.role) == ("Bea Boss", Role.ADMIN)
            assert user.password_hash.startswith("$argon2id$")
            assert (
                s.scalar(select(AuditEntry.action).where(AuditEntry.actor == "cli"))
                == "user.created"
            )
    finally:
        db.dispose()

    r = invoke(
        "users",
        "create-admin",
        "boss@example.com",
        "--database-url",
        fresh_database_url,
        env={"LEADWERK_ADMIN_PASSWORD": PASSWORD},
    )
    assert r.exit_code == 1
    assert "exists already" in r.output


def test_create_admin_prompts_for_the_password(
    invoke: Invoke, fresh_database_url: str, monkeypatch: object
) -> None:
    import os

    import pytest

    mp = pytest.MonkeyPatch()
    mp.setattr(os, "isatty", lambda fd: True)
    mp.delenv("LEADWERK_ADMIN_PASSWORD", raising=False)
    try:
        r = invoke(
            "users",
            "create-admin",
            "p@example.com",
            "--database-url",
            fresh_database_url,
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )
    finally:
        mp.undo()
    assert r.exit_code == 0, r.output
    assert "Created admin p@example.com" in r.output


def test_weak_password_is_refused_with_the_reason(invoke: Invoke, fresh_database_url: str) -> None:
    r = invoke(
        "users",
        "create-admin",
        "x@example.com",
        "--database-url",
        fresh_database_url,
        env={"LEADWERK_ADMIN_PASSWORD": "short"},
    )
    assert r.exit_code == 1
    assert "password: The password must have at least 12 characters." in r.output
    db = Database.from_url(fresh_database_url, pool_size=1)
    with db.read() as s:
        assert s.scalar(select(User.id)) is None
    db.dispose()


def test_teams_and_sales_users(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    r = invoke("teams", "create", "DACH Süd", *url)
    assert r.exit_code == 0
    team_id = r.output.split("(id ")[1].rstrip(").\n")
    r = invoke(
        "users",
        "create",
        "rep@example.com",
        "--role",
        "sales",
        "--team-id",
        team_id,
        *url,
        env={"LEADWERK_ADMIN_PASSWORD": PASSWORD},
    )
    assert r.exit_code == 0, r.output
    r = invoke("users", "list", *url)
    assert "rep@example.com" in r.output
    assert "sales" in r.output
    r = invoke("teams", "list", *url)
    assert "DACH Süd" in r.output


def test_api_key_lifecycle(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    r = invoke(
        "api-keys", "create", "website", "--scope", "leads:write", "--scope", "leads:read", *url
    )
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("lw_")
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as s:
            stored = s.scalars(select(ApiKey)).one()
            assert secret not in (stored.key_hash, stored.prefix)
            assert stored.scopes == ["leads:read", "leads:write"]
        principal = auth.ApiKeyVerifier(db, ttl=0).verify(secret)
        assert principal.kind is PrincipalKind.API_KEY
        assert principal.scopes == frozenset({Scope.LEADS_READ, Scope.LEADS_WRITE})

        r = invoke("api-keys", "list", *url)
        assert stored.prefix in r.output
        assert "website" in r.output
        r = invoke("api-keys", "revoke", stored.prefix, *url)
        assert (r.exit_code, r.output) == (0, "Revoked API key 'website'.\n")
        r = invoke("api-keys", "list", *url)
        assert stored.prefix not in r.output
        r = invoke("api-keys", "list", "--all", *url)
        assert stored.prefix in r.output
    finally:
        db.dispose()


def test_api_key_with_unknown_scope_is_refused(invoke: Invoke, fresh_database_url: str) -> None:
    r = invoke(
        "api-keys",
        "create",
        "x",
        "--scope",
        "leads:everything",
        "--database-url",
        fresh_database_url,
    )
    assert r.exit_code == 1
    assert "Unknown scope leads:everything; choose from leads:read" in r.output
    r = invoke("api-keys", "revoke", "nope", "--database-url", fresh_database_url)
    assert r.exit_code == 1
    assert "There is no API key 'nope'." in r.output
