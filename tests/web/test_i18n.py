"""German and English: chosen by the user's setting, else the browser, else the default; every
UI string has a German translation; dates follow the language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.extract import extract_from_dir
from starlette.testclient import TestClient

from leadwerk.auth.models import User
from leadwerk.auth.types import Role, Scope
from leadwerk.consent.types import ConsentStatus, EventKind, Method
from leadwerk.delivery.types import MessageStatus
from leadwerk.leads.types import (
    Channel,
    EmailStatus,
    JobFunction,
    PhoneStatus,
    Seniority,
    Stage,
    Temperature,
)
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from leadwerk.web import i18n
from tests.factories.leads import make_lead
from tests.web.conftest import HTML, page_token, signed_in, user

WEB = Path(i18n.__file__).parent
GERMAN = {"accept-language": "de-DE,de;q=0.9,en;q=0.5"}


def test_login_page_in_german_for_a_german_browser(client: TestClient) -> None:
    r = client.get("/login", headers=GERMAN)
    assert '<html lang="de">' in r.text
    assert r.headers["content-language"] == "de"
    assert "<title>Anmelden · Leadwerk</title>" in r.text
    assert "<h1>Bei Leadwerk anmelden</h1>" in r.text
    assert '<label for="f-email">E-Mail-Adresse</label>' in r.text
    assert '<label for="f-password">Passwort</label>' in r.text
    assert ">Anmelden</button>" in r.text


def test_english_without_a_preference(client: TestClient) -> None:
    r = client.get("/login", headers={"accept-language": ""})
    assert '<html lang="en">' in r.text
    assert "<h1>Sign in to Leadwerk</h1>" in r.text


def test_the_default_language_applies_when_nobody_chooses(settings: Settings, db: Database) -> None:
    from leadwerk.app import create_app

    german = settings.model_copy(update={"default_language": "de"})
    with TestClient(create_app(german, db=db), headers=HTML) as client:
        r = client.get("/login", headers={"accept-language": "fr-FR, ja;q=0.5"})
    assert '<html lang="de">' in r.text


def test_failed_login_message_in_german(client: TestClient, db: Database) -> None:
    user(db, email="anna@example.com")
    token = page_token(client, "/login")
    r = client.post(
        "/login",
        data={"email": "anna@example.com", "password": "falsch-falsch", "csrf_token": token},
        headers=GERMAN,
    )
    assert r.status_code == 401
    assert "Die E-Mail-Adresse oder das Passwort ist falsch." in r.text


def test_the_users_setting_beats_the_browser(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING, language="de")
    with db.transaction() as s:
        make_lead(
            s,
            email="anna@example.de",
            first_name="Anna",
            utm_source="google",
            utm_medium="cpc",
            created_at=datetime(2026, 3, 5, 14, 7, tzinfo=UTC),
        )
    r = client.get("/leads", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="de">' in r.text
    nav = re.findall(r'<li><a href="(/[\w-]+)"[^>]*>([^<]+)</a></li>', r.text)
    assert nav == [
        ("/leads", "Leads"),
        ("/duplicates", "Dubletten"),
        ("/forms", "Formulare"),
        ("/imports", "Importe"),
        ("/integrations", "Integrationen"),
        ("/tracking", "Tracking"),
        ("/profile", "Profil"),
    ]
    assert ">Abmelden</button>" in r.text
    assert '<label for="f-stage">Phase</label>' in r.text
    assert '<label for="f-channel">Kanal</label>' in r.text
    assert '<label for="f-owner_id">Zuständig</label>' in r.text
    assert '<option value="mql">Marketing-qualifiziert (MQL)</option>' in r.text
    assert '<td data-label="Kanal">Bezahlte Suche</td>' in r.text
    assert '<time datetime="2026-03-05T14:07:00+00:00">05.03.2026, 14:07 UTC</time>' in r.text
    assert '<span class="user-menu__role">Marketing</span>' in r.text


def test_an_english_setting_beats_a_german_browser(client: TestClient, db: Database) -> None:
    signed_in(client, db, language="en")
    with db.transaction() as s:
        lead = make_lead(
            s, email="a@example.de", created_at=datetime(2026, 3, 5, 14, 7, tzinfo=UTC)
        )
    r = client.get(f"/leads/{lead.id}", headers=GERMAN)
    assert '<html lang="en">' in r.text
    assert '<h2 id="h-timeline">Timeline</h2>' in r.text
    assert "Mar 5, 2026, 2:07\u202fPM UTC" in r.text


def test_not_found_page_in_german(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.SALES, language="de")
    with db.transaction() as s:
        lead = make_lead(s, email="a@example.de", first_name="Anna")
    r = client.get(f"/leads/{lead.id}")
    assert r.status_code == 404  # a sales rep does not see an unowned lead …
    assert "<h1>Nicht gefunden</h1>" in r.text  # … and is told so in German


def test_profile_sets_the_language(client: TestClient, db: Database) -> None:
    anna = signed_in(client, db)
    page = client.get("/profile")
    assert '<option value="de">Deutsch</option>' in page.text
    r = client.post(
        "/profile",
        data={"language": "de", "csrf_token": page_token(client)},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/profile?saved=true")
    saved = client.get("/profile?saved=true")
    assert "Ihre Einstellungen wurden gespeichert." in saved.text
    assert '<option value="de" selected>Deutsch</option>' in saved.text
    with db.read() as s:
        assert s.get(User, anna.id).language == "de"  # type: ignore[union-attr]
    back = client.post(
        "/profile", data={"language": "", "csrf_token": page_token(client)}, follow_redirects=False
    )
    assert back.status_code == 303
    with db.read() as s:
        assert s.get(User, anna.id).language is None  # type: ignore[union-attr]
    bad = client.post("/profile", data={"language": "fr", "csrf_token": page_token(client)})
    assert bad.status_code == 422
    assert "Choose one of the languages offered." in bad.text


@pytest.mark.parametrize(
    ("user_language", "header", "expected"),
    [
        (None, "de-AT,de;q=0.9", "de"),
        (None, "fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7", "de"),
        (None, "en;q=0.5, de;q=0.4", "en"),
        (None, "de;q=0, en", "en"),
        (None, "*", "en"),
        (None, None, "en"),
        ("de", "en", "de"),
        ("xx", "de", "de"),
    ],
)
def test_choose_language(user_language: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose_language(user_language, header, "en") == expected


def _catalog() -> dict[str, str]:
    found: dict[str, str] = {}
    for po in sorted((WEB / "locale" / "de" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog = pofile.read_po(fh)
        for m in catalog:
            if m.id and not m.fuzzy:
                assert str(m.id) not in found, f"{m.id!r} is translated twice ({po.name})"
                found[str(m.id)] = str(m.string)
    return found


def _ui_msgids() -> set[str]:
    found = set()
    for _f, _l, message, _c, _ctx in extract_from_dir(
        str(WEB),
        [("**/templates/**.html", "jinja2"), ("**.py", "python")],
        {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}},
    ):
        assert isinstance(message, str), f"plural forms are not used yet: {message}"
        found.add(message)
    for enum in (
        Stage,
        Channel,
        Temperature,
        Role,
        Scope,
        MessageStatus,
        EmailStatus,
        PhoneStatus,
        Seniority,
        JobFunction,
        EventKind,
        Method,
        ConsentStatus,
    ):
        found.update(member.label for member in enum)
    return found


def test_every_ui_string_has_a_german_translation() -> None:
    catalog = _catalog()
    msgids = _ui_msgids()
    assert len(msgids) > 200
    missing = sorted(m for m in msgids if not catalog.get(m))
    assert missing == []
    placeholders = re.compile(r"%\(\w+\)[sd]")
    broken = [
        m
        for m in msgids
        if sorted(placeholders.findall(m)) != sorted(placeholders.findall(catalog[m]))
    ]
    assert broken == []
