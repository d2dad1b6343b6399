"""The Consent area (TestClient, both databases): purposes and their texts, publishing a new
version, and the check of the ledger."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from leadwerk.auth.types import Role
from leadwerk.consent import service as consent
from leadwerk.consent.models import ConsentEvent, ConsentText
from leadwerk.consent.types import EventContent, EventKind, Method
from leadwerk.storage.engine import Database
from tests.web.conftest import csrf_token, page_token, signed_in

NEWSLETTER = "/consent/purposes/newsletter"


def _texts(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ConsentText)) or 0)


def _nav(html: str) -> list[str]:
    nav = re.findall(r'<nav class="main-nav".*?</nav>', html, flags=re.S)[0]
    return re.findall(r'href="([^"]+)"', nav)


def _ledger(db: Database, count: int) -> list[str]:
    """`count` grants; their chain hashes."""
    with db.transaction() as s:
        return [
            consent.record(
                s,
                None,
                EventContent(
                    kind=EventKind.GRANTED,
                    purpose="sales_contact",
                    text_id=None,
                    method=Method.API,
                    occurred_at=datetime(2026, 1, 1, n, tzinfo=UTC),
                    email=f"p{n}@example.de",
                ),
            ).chain_hash
            for n in range(count)
        ]


def test_the_list_shows_every_purpose_with_its_current_texts(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    r = client.get("/consent")
    assert r.status_code == 200
    assert _nav(r.text)[5:8] == ["/tracking", "/consent", "/deliveries"]
    assert 'href="/consent" aria-current="page"' in r.text
    headings = re.findall(r'<h2 id="h-(\w+)">([^<]+)</h2>', r.text)
    assert headings == [
        ("ledger", "The ledger"),
        ("marketing_email", "Marketing emails"),
        ("newsletter", "Newsletter"),
        ("profiling", "Profiling"),
        ("sales_contact", "Contact by sales"),
    ]
    assert r.text.count("Required: in force once the person confirmed by email") == 2
    assert r.text.count("Not required") == 2
    assert r.text.count('<td data-label="Version">1</td>') == 8
    assert r.text.count("UTC</time> · Leadwerk, as shipped</td>") == 8
    with db.read() as s:
        for purpose in consent.list_purposes(s):
            for language in ("de", "en"):
                assert escape(consent.current_text(s, purpose, language).text) in r.text
    assert f'href="{NEWSLETTER}"' in r.text
    assert 'action="/consent/verify"' in r.text


def test_the_list_in_german(client: TestClient, db: Database) -> None:
    signed_in(client, db, language="de")
    r = client.get("/consent")
    assert "<h1>Einwilligung</h1>" in r.text
    assert '<h2 id="h-sales_contact">Kontakt durch den Vertrieb</h2>' in r.text
    assert ">Einwilligungsprotokoll prüfen</button>" in r.text


def test_publishing_a_new_version(client: TestClient, db: Database) -> None:
    admin = signed_in(client, db)
    with db.read() as s:
        first = consent.current_text(s, consent.get_purpose(s, "newsletter"), "de")
    form = client.get(f"{NEWSLETTER}?language=de")
    assert '<option value="de" selected>Deutsch</option>' in form.text
    assert f">{escape(first.text)}</textarea>" in form.text
    assert "A published version cannot be changed or deleted" in form.text
    r = client.post(
        f"{NEWSLETTER}/texts",
        data={
            "language": "de",
            "text": "Ja, schickt mir den Newsletter.\n\nWiderruf <jederzeit>.",
            "csrf_token": csrf_token(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with db.read() as s:
        current = consent.current_text(s, consent.get_purpose(s, "newsletter"), "de")
        assert (current.version, current.created_by) == (2, f"user:{admin.id}")
        assert consent.get_text(s, first.id).version == 1
    assert r.headers["location"] == f"{NEWSLETTER}?language=de&published={current.id}"
    page = client.get(r.headers["location"])
    assert (
        '<p class="alert alert--ok" role="status">Version 2 published. Forms and imports that '
        "name an earlier version keep it.</p>"
    ) in page.text
    german = page.text.split('id="h-texts-de"')[1].split("</section>")[0]
    assert re.findall(r'<th scope="row" data-label="Version">(\d+)</th>', german) == ["2", "1"]
    assert "Ja, schickt mir den Newsletter.\n\nWiderruf &lt;jederzeit&gt;.</td>" in german
    assert escape(first.text) in german
    assert admin.name in german
    assert ">Ja, schickt mir den Newsletter.\n\nWiderruf &lt;jederzeit&gt;.</textarea>" in page.text
    assert client.get(f"{NEWSLETTER}?published=junk").status_code == 200


def test_an_empty_text_is_refused_at_its_field(client: TestClient, db: Database) -> None:
    signed_in(client, db, language="de")
    r = client.post(
        f"{NEWSLETTER}/texts",
        data={"language": "en", "text": "  ", "csrf_token": page_token(client, NEWSLETTER)},
    )
    assert r.status_code == 422
    assert (
        '<p class="field-error" id="f-text-error">Ein Einwilligungstext darf nicht leer sein.'
        in r.text
    )
    assert '<option value="en" selected>English</option>' in r.text
    assert 'aria-invalid="true" aria-describedby="f-text-error">  </textarea>' in r.text
    assert _texts(db) == 8


def test_a_control_character_is_refused_and_the_input_kept(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    r = client.post(
        f"{NEWSLETTER}/texts",
        data={
            "language": "de",
            "text": "Ja\x07, bitte",
            "csrf_token": page_token(client, NEWSLETTER),
        },
    )
    assert r.status_code == 422
    assert "The text was not published. Correct the marked fields." in r.text
    assert (
        '<p class="field-error" id="f-text-error">A consent text may not contain control '
        "characters.</p>"
    ) in r.text
    assert ">Ja\x07, bitte</textarea>" in r.text
    assert _texts(db) == 8


def test_an_unknown_purpose_is_not_found(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.get("/consent/purposes/nope")
    assert r.status_code == 404
    assert "<h1>Not found</h1>" in r.text
    token = page_token(client, "/consent")
    posted = client.post(
        "/consent/purposes/nope/texts", data={"language": "de", "text": "Ja", "csrf_token": token}
    )
    assert posted.status_code == 404
    assert _texts(db) == 8


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES])
def test_other_roles_have_no_consent_area(client: TestClient, db: Database, role: Role) -> None:
    signed_in(client, db, role)
    assert "/consent" not in _nav(client.get("/leads").text)
    for path in ("/consent", NEWSLETTER):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Your role does not allow you to open this page." in r.text
    token = page_token(client, "/leads")
    assert client.post("/consent/verify", data={"csrf_token": token}).status_code == 403
    r = client.post(
        f"{NEWSLETTER}/texts", data={"language": "de", "text": "Ja", "csrf_token": token}
    )
    assert r.status_code == 403
    assert _texts(db) == 8


def test_verify_reports_an_intact_and_then_a_broken_ledger(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    hashes = _ledger(db, 3)
    token = page_token(client, "/consent")
    intact = client.post("/consent/verify", data={"csrf_token": token})
    assert intact.status_code == 200
    assert (
        '<p class="alert alert--ok" role="status">The consent ledger is intact: 3 entries '
        f"(0 redacted after erasure). Last chain hash: {hashes[2]}</p>"
    ) in intact.text
    with db.transaction() as s:
        s.execute(update(ConsentEvent).where(ConsentEvent.seq == 2).values(email="x@example.de"))
    broken = client.post("/consent/verify", data={"csrf_token": token})
    assert (
        '<p class="alert alert--error" role="alert">The consent ledger is broken at entry 2: '
        "its content was changed. The entries before it (1) are intact, up to chain hash "
        f"{hashes[0]}.</p>"
    ) in broken.text


def test_posts_without_a_csrf_token_are_refused(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    page_token(client, "/consent")  # the cookie, but no token in the form
    assert client.post("/consent/verify").status_code == 403
    r = client.post(f"{NEWSLETTER}/texts", data={"language": "de", "text": "Ja"})
    assert r.status_code == 403
    assert "The form has expired" in r.text
    assert _texts(db) == 8
