"""CSRF protection on every UI form, and the security headers of UI responses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.auth.models import AuditEntry, UserSession
from leadwerk.leads.models import Lead
from leadwerk.leads.types import Stage
from leadwerk.storage.engine import Database
from leadwerk.web import csrf
from tests.conftest import TEST_SECRET
from tests.factories.auth import PASSWORD
from tests.factories.leads import make_lead
from tests.web.conftest import page_token, signed_in, user

REFUSED = "The form was not sent from a page of this site, or it has expired. Nothing was changed."


def _lead(db: Database) -> int:
    with db.transaction() as s:
        return make_lead(s, email="anna@example.com", first_name="Anna").id


def _audit_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _edit(token: str | None) -> dict[str, str]:
    data = {
        "stage": "mql",
        "temperature": "hot",
        "owner_id": "",
        "first_name": "Eve",
        "last_name": "",
        "email": "anna@example.com",
        "phone": "",
        "company": "",
        "job_title": "",
        "country": "",
    }
    if token is not None:
        data["csrf_token"] = token
    return data


@pytest.mark.parametrize("token", [None, "0" * 64, "not-hex"], ids=["missing", "wrong", "junk"])
def test_edit_without_a_valid_token_is_refused_and_changes_nothing(
    client: TestClient, db: Database, token: str | None
) -> None:
    signed_in(client, db)
    lead_id = _lead(db)
    page_token(client, f"/leads/{lead_id}")  # the browser holds a CSRF cookie
    audits = _audit_count(db)
    r = client.post(f"/leads/{lead_id}", data=_edit(token), follow_redirects=False)
    assert r.status_code == 403
    assert REFUSED in r.text
    with db.read() as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None
        assert (lead.stage, lead.first_name) == (Stage.LEAD, "Anna")
    assert _audit_count(db) == audits


def test_a_token_for_another_browser_is_refused(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    lead_id = _lead(db)
    page_token(client, f"/leads/{lead_id}")
    foreign = csrf.token_for(TEST_SECRET, "other-seed")
    r = client.post(f"/leads/{lead_id}", data=_edit(foreign), follow_redirects=False)
    assert r.status_code == 403


def test_the_token_without_its_cookie_is_refused(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    lead_id = _lead(db)
    token = page_token(client, f"/leads/{lead_id}")
    client.cookies.delete("lw_csrf")
    r = client.post(f"/leads/{lead_id}", data=_edit(token), follow_redirects=False)
    assert r.status_code == 403


def test_htmx_sends_the_token_as_a_header(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    lead_id = _lead(db)
    token = page_token(client, f"/leads/{lead_id}")
    data = _edit(None)
    r = client.post(
        f"/leads/{lead_id}", data=data, headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    with db.read() as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None
        assert (lead.stage, lead.first_name) == (Stage.MQL, "Eve")


def test_login_and_logout_need_the_token_too(client: TestClient, db: Database) -> None:
    user(db, email="anna@example.com")
    client.get("/login")
    r = client.post(
        "/login", data={"email": "anna@example.com", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403
    assert "lw_session" not in r.headers.get("set-cookie", "")
    signed_in(client, db)
    r = client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 1


def test_every_form_on_the_page_carries_the_token(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    lead_id = _lead(db)
    html = client.get(f"/leads/{lead_id}").text
    token = page_token(client, f"/leads/{lead_id}")
    forms = html.count('method="post"')
    assert forms == 5  # edit, logout, and for an admin restrict and the two objections
    assert html.count(f'name="csrf_token" value="{token}"') == forms
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in html


EXPECTED_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/login", "/nowhere", "/static/css/app.css"])
def test_ui_responses_carry_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    for name, value in EXPECTED_HEADERS.items():
        assert r.headers[name] == value


def test_pages_are_not_stored_by_caches(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.get("/leads")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["vary"] == "Cookie, Accept-Language, HX-Request"


def test_api_answers_stay_problem_details(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here", headers={"accept": "application/json"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    unknown_ui = client.get("/nowhere", headers={"accept": "application/json"})
    assert unknown_ui.headers["content-type"] == "application/problem+json"
    html = client.get("/nowhere")
    assert html.status_code == 404
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Not found</h1>" in html.text
