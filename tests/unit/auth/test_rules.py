from __future__ import annotations

import pytest

from leadwerk.auth import rules
from leadwerk.auth.types import Principal, PrincipalKind, Role, Scope


def user(role: Role, uid: int = 1, team: int | None = None) -> Principal:
    return Principal(kind=PrincipalKind.USER, id=uid, name="u", role=role, team_id=team)


def key(*scopes: Scope) -> Principal:
    return Principal(kind=PrincipalKind.API_KEY, id=9, name="k", scopes=frozenset(scopes))


@pytest.mark.parametrize(
    ("principal", "scope", "allowed"),
    [
        (user(Role.ADMIN), Scope.WEBHOOKS_MANAGE, True),
        (user(Role.MARKETING), Scope.LEADS_WRITE, True),
        (user(Role.MARKETING), Scope.WEBHOOKS_MANAGE, False),
        (user(Role.SALES), Scope.LEADS_READ, True),
        (user(Role.SALES), Scope.OUTBOX_MANAGE, False),
        (key(Scope.LEADS_READ), Scope.LEADS_READ, True),
        (key(Scope.LEADS_READ), Scope.LEADS_WRITE, False),
        (key(), Scope.LEADS_READ, False),
    ],
)
def test_allows(principal: Principal, scope: Scope, allowed: bool) -> None:
    assert rules.allows(principal, scope) is allowed


@pytest.mark.parametrize(
    ("principal", "owner", "team", "visible"),
    [
        (user(Role.ADMIN), 5, None, True),
        (user(Role.MARKETING), None, None, True),
        (key(Scope.LEADS_READ), 5, 3, True),
        (user(Role.SALES, uid=5), 5, None, True),
        (user(Role.SALES, uid=5, team=3), 7, 3, True),
        (user(Role.SALES, uid=5, team=3), 7, 4, False),
        (user(Role.SALES, uid=5), None, None, False),
        (user(Role.SALES, uid=5, team=None), 7, None, False),
    ],
)
def test_can_see_lead(
    principal: Principal, owner: int | None, team: int | None, visible: bool
) -> None:
    assert rules.can_see_lead(principal, owner, team) is visible


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "The password must have at least 12 characters."),
        (" leading space pw", "The password must not start or end with a space."),
        ("correct horse battery", None),
    ],
)
def test_password_problem(password: str, problem: str | None) -> None:
    assert rules.password_problem(password) == problem


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("lw_ab12cd34_secret", ("ab12cd34", "secret")),
        ("lw__secret", None),
        ("xx_ab12cd34_secret", None),
        ("lw_ab_cd_ef", None),
        ("", None),
    ],
)
def test_split_api_key(raw: str, parts: tuple[str, str] | None) -> None:
    assert rules.split_api_key(raw) == parts


def test_parse_scopes_names_unknown() -> None:
    known, unknown = rules.parse_scopes(["leads:read", "leads:admin"])
    assert known == frozenset({Scope.LEADS_READ})
    assert unknown == ["leads:admin"]


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (user(Role.ADMIN), True),
        (user(Role.MARKETING), False),
        (user(Role.SALES), False),
        (key(*Scope), False),
    ],
)
def test_only_administrators_manage_users_and_keys(principal: Principal, allowed: bool) -> None:
    assert rules.can_manage_access(principal) is allowed
