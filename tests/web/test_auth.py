"""Signing in and out of the UI: cookies, messages, sessions, where the browser goes next."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth.models import UserSession
from leadwerk.auth.types import Role
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.auth import PASSWORD
from tests.web.conftest import HTML, csrf_token, page_token, sign_in, user

WRONG = "The email address or the password is wrong."


def _cookie(response_headers: list[str], name: str) -> dict[str, str | bool]:
    for header in response_headers:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            return {
                "value": morsel.value,
                "httponly": bool(morsel["httponly"]),
                "secure": bool(morsel["secure"]),
                "samesite": str(morsel["samesite"]),
                "path": str(morsel["path"]),
                "max-age": str(morsel["max-age"]),
            }
    raise AssertionError(f"no Set-Cookie for {name}")


def _sessions(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(UserSession)) or 0)


def _login(client: TestClient, email: str, password: str, next_path: str = "/"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next_path, "csrf_token": token},
        follow_redirects=False,
    )


def test_login_sets_a_session_cookie_and_goes_to_next(client: TestClient, db: Database) -> None:
    anna = user(db, email="anna@example.com")
    first = client.get("/login")
    assert first.status_code == 200
    csrf_cookie = _cookie(first.headers.get_list("set-cookie"), "lw_csrf")
    assert (csrf_cookie["httponly"], csrf_cookie["samesite"], csrf_cookie["path"]) == (
        True,
        "lax",
        "/",
    )
    r = client.post(
        "/login",
        data={
            "email": "Anna@Example.com",
            "password": PASSWORD,
            "next": "/leads?stage=mql",
            "csrf_token": csrf_token(first.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/leads?stage=mql"
    cookie = _cookie(r.headers.get_list("set-cookie"), "lw_session")
    assert cookie["httponly"] is True
    assert cookie["secure"] is False  # the test settings' base_url is http://
    assert cookie["samesite"] == "lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == "28800"
    assert _sessions(db) == 1
    page = client.get("/leads")
    assert page.status_code == 200
    assert anna.name in page.text


def test_session_cookie_is_secure_behind_https(settings: Settings, db: Database) -> None:
    secure = settings.model_copy(update={"base_url": "https://leads.example.com"})
    user(db, email="anna@example.com")
    app: FastAPI = create_app(secure, db=db)
    with TestClient(app, base_url="https://testserver", headers=HTML) as client:
        r = _login(client, "anna@example.com", PASSWORD)
        assert r.status_code == 303
        assert _cookie(r.headers.get_list("set-cookie"), "lw_session")["secure"] is True
        assert r.headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("email", "password"),
    [("anna@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_failed_login_says_the_same_for_every_cause(
    client: TestClient, db: Database, email: str, password: str
) -> None:
    user(db, email="anna@example.com")
    r = _login(client, email, password)
    assert r.status_code == 401
    assert f'<p class="alert alert--error" role="alert">{WRONG}</p>' in r.text
    assert f'value="{email}"' in r.text  # the email stays, the password does not
    assert PASSWORD not in r.text
    assert "lw_session" not in r.headers.get("set-cookie", "")
    assert _sessions(db) == 0


def test_inactive_user_cannot_sign_in(client: TestClient, db: Database) -> None:
    anna = user(db, email="anna@example.com")
    with db.transaction() as s:
        s.merge(anna).is_active = False
    r = _login(client, "anna@example.com", PASSWORD)
    assert r.status_code == 401
    assert WRONG in r.text


def test_pages_send_strangers_to_the_login_with_next(client: TestClient) -> None:
    r = client.get("/leads?stage=mql&q=m%C3%BCller", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fleads%3Fstage%3Dmql%26q%3Dm%25C3%25BCller"
    login = client.get(r.headers["location"])
    assert 'name="next" value="/leads?stage=mql&amp;q=m%C3%BCller"' in login.text


def test_htmx_requests_of_strangers_get_a_redirect_header(client: TestClient) -> None:
    r = client.get("/leads", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["hx-redirect"] == "/login?next=%2Fleads"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com", "javascript:x"],
)
def test_next_never_leaves_the_site(client: TestClient, db: Database, target: str) -> None:
    user(db, email="anna@example.com")
    r = _login(client, "anna@example.com", PASSWORD, next_path=target)
    assert r.status_code == 303
    assert r.headers["location"] == "/"


def test_login_page_of_a_signed_in_user_goes_on(client: TestClient, db: Database) -> None:
    sign_in(client, db, user(db))
    r = client.get("/login?next=/users", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/users")


def test_logout_ends_the_session_on_the_server(client: TestClient, db: Database) -> None:
    token = sign_in(client, db, user(db))
    assert _sessions(db) == 1
    r = client.post("/logout", data={"csrf_token": page_token(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    assert 'lw_session=""' in r.headers["set-cookie"]
    assert _sessions(db) == 0
    # The old cookie, replayed, opens nothing.
    client.cookies.set("lw_session", token)
    again = client.get("/leads", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/login?next=%2Fleads")


def test_logout_is_not_a_get(client: TestClient, db: Database) -> None:
    sign_in(client, db, user(db))
    r = client.get("/logout")
    assert r.status_code == 405
    assert _sessions(db) == 1


def test_a_new_login_ends_the_previous_session_of_the_browser(
    client: TestClient, db: Database
) -> None:
    sign_in(client, db, user(db, Role.SALES, email="sam@example.com"))
    user(db, email="anna@example.com")
    token = page_token(client, "/profile")
    r = client.post(
        "/login",
        data={"email": "anna@example.com", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _sessions(db) == 1
