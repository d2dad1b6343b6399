"""The public side of forms: the hosted page, the JSON variant for the embed script, CORS,
framing, languages, spam answers and markup sent by visitors."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.capture.forms.models import FormStatsDaily, FormSubmission
from leadwerk.capture.forms.types import SubmissionStatus
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.factories.forms import make_form, token

ALLOWED = "https://www.example.com"
EVIL = "https://evil.example"
GERMAN = {"accept-language": "de-DE,de;q=0.9"}
VALID = {
    "email": "anna@example.de",
    "first_name": "Anna",
    "last_name": "Müller",
    "consent": "privacy",
    "lw_version": "1",
}


def _form(db: Database, **changes: object) -> None:
    with db.transaction() as s:
        make_form(s, slug="contact", **changes)  # type: ignore[arg-type]


def _post(
    client: TestClient,
    data: dict[str, str],
    headers: dict[str, str] | None = None,
    follow_redirects: bool = True,
) -> Any:
    return client.post(
        "/f/contact",
        data={**data, "lw_token": token("contact")},
        headers=headers,
        follow_redirects=follow_redirects,
    )


def _views(db: Database) -> int:
    with db.read() as s:
        return int(sum(r.views for r in s.scalars(select(FormStatsDaily))))


def _leads(db: Database) -> list[str | None]:
    with db.read() as s:
        return [lead.email for lead in s.scalars(select(Lead).order_by(Lead.id))]


def test_hosted_page_is_accessible_and_may_be_framed_by_allowed_origins_only(
    client: TestClient, db: Database
) -> None:
    _form(db)
    r = client.get("/f/contact?utm_source=newsletter&utm_campaign=herbst")
    assert r.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in r.text
    assert '<html lang="en">' in r.text
    assert (
        '<label for="lw-email">Email<span class="lw-required" aria-hidden="true"> *</span>'
        in r.text
    )
    assert 'aria-describedby="lw-email-help"' in r.text
    assert '<p class="lw-help" id="lw-email-help">Your work address</p>' in r.text
    assert '<input type="hidden" name="utm_source" value="newsletter">' in r.text
    assert '<input type="hidden" name="utm_campaign" value="herbst">' in r.text
    assert re.search(r'<input type="hidden" name="lw_token" value="\d+\.[0-9a-f]{32}">', r.text)
    assert (
        '<input type="text" id="lw-lw_website" name="lw_website" value="" tabindex="-1" '
        'autocomplete="off">' in r.text
    )
    assert '<div class="lw-hp" aria-hidden="true">' in r.text
    csp = r.headers["content-security-policy"]
    assert f"frame-ancestors {ALLOWED};" in csp
    assert "script-src 'self';" in csp
    assert "x-frame-options" not in r.headers
    assert _views(db) == 1
    # Every other page keeps the strict policy.
    login = client.get("/login")
    assert login.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]


def test_language_from_the_query_else_the_browser(client: TestClient, db: Database) -> None:
    _form(db)
    german = client.get("/f/contact", headers=GERMAN)
    assert '<html lang="de">' in german.text
    assert '<h1 class="lw-title">Kontakt</h1>' in german.text
    assert "Mit * markierte Felder sind Pflichtfelder." in german.text
    english = client.get("/f/contact?lang=en", headers=GERMAN)
    assert '<h1 class="lw-title">Contact us</h1>' in english.text
    assert client.get("/f/contact?lang=de").headers["content-language"] == "de"


def test_unknown_or_inactive_form_is_a_friendly_404(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        make_form(s, slug="old", is_active=False)
    for path in ("/f/old", "/f/nothing"):
        r = client.get(path, headers=GERMAN)
        assert r.status_code == 404
        assert '<h1 class="lw-title">Formular nicht gefunden</h1>' in r.text
    assert client.post("/f/nothing", data=VALID).status_code == 404
    assert client.get("/f/nothing.json").status_code == 404


def test_invalid_input_comes_back_per_field_in_german_with_the_values_kept(
    client: TestClient, db: Database
) -> None:
    _form(db)
    r = _post(
        client,
        {"email": "anna@", "first_name": "", "last_name": "Müller", "lw_lang": "de"},
    )
    assert r.status_code == 422
    text = r.text
    assert '<div class="lw-summary" role="alert" id="lw-summary">' in text
    assert "Bitte korrigieren Sie die markierten Felder." in text
    assert (
        '<input type="email" id="lw-email" name="email" required aria-required="true" '
        'aria-invalid="true" aria-describedby="lw-email-help lw-email-error" autofocus '
        'value="anna@"' in text
    )
    assert (
        '<p class="lw-error" id="lw-email-error">Geben Sie eine gültige E-Mail-Adresse ein, '
        "zum Beispiel name@example.com.</p>" in text
    )
    assert (
        '<p class="lw-error" id="lw-first_name-error">Dieses Feld ist ein Pflichtfeld.</p>' in text
    )
    assert (
        '<p class="lw-error" id="lw-consent-privacy-error">Setzen Sie hier ein Häkchen, um '
        "fortzufahren.</p>" in text
    )
    assert 'name="last_name" value="Müller"' in text
    assert text.count(" autofocus") == 1
    assert _leads(db) == []


def test_a_valid_submission_creates_the_lead_and_thanks(client: TestClient, db: Database) -> None:
    _form(db)
    r = _post(client, {**VALID, "utm_source": "google", "utm_medium": "cpc", "lw_lang": "de"})
    assert r.status_code == 200
    assert '<div class="lw-thanks" role="status" tabindex="-1" autofocus>' in r.text
    assert "<p>Danke, wir melden uns.</p>" in r.text
    with db.read() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.email, lead.source, lead.utm_source, lead.language) == (
            "anna@example.de",
            "form:contact",
            "google",
            "de",
        )
        row = s.scalars(select(FormSubmission)).one()
        assert (row.status, row.lead_id) == (SubmissionStatus.ACCEPTED, lead.id)
        assert row.payload["consents"][0]["text"] == "Ich habe den Datenschutzhinweis gelesen."


def test_a_redirect_url_is_followed_after_a_valid_submission(
    client: TestClient, db: Database
) -> None:
    _form(db, redirect_url="https://www.example.com/danke")
    r = _post(client, VALID, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "https://www.example.com/danke")
    page = client.get("/f/contact")
    assert "form-action 'self' https://www.example.com;" in page.headers["content-security-policy"]
    assert _leads(db) == ["anna@example.de"]


def test_a_bot_gets_the_same_thanks_and_no_lead(client: TestClient, db: Database) -> None:
    _form(db)
    honest = _post(client, {**VALID, "email": "ben@example.de"})
    bot = _post(client, {**VALID, "lw_website": "http://cheap.example"})
    fast = client.post(
        "/f/contact", data={**VALID, "email": "c@example.de", "lw_token": token("contact", 0.5)}
    )
    assert bot.status_code == honest.status_code == fast.status_code == 200
    thanks = "<p>Thanks, we will be in touch.</p>"
    assert thanks in bot.text
    assert thanks in honest.text
    assert thanks in fast.text
    assert _leads(db) == ["ben@example.de"]
    with db.read() as s:
        rows = s.execute(
            select(FormSubmission.status, FormSubmission.reason).order_by(FormSubmission.id)
        ).all()
    assert [(st.value, reason) for st, reason in rows] == [
        ("accepted", None),
        ("rejected", "honeypot"),
        ("rejected", "too_fast"),
    ]


def test_json_definition_for_the_embed_script_only_for_allowed_origins(
    client: TestClient, db: Database
) -> None:
    _form(db)
    ok = client.get("/f/contact.json?lang=de", headers={"origin": ALLOWED})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED
    assert ok.headers["vary"] == "Origin"
    body = ok.json()
    assert (body["slug"], body["version"], body["language"], body["title"]) == (
        "contact",
        1,
        "de",
        "Kontakt",
    )
    assert body["honeypot"] == "lw_website"
    assert body["action"] == "http://127.0.0.1:8000/f/contact"
    email = body["fields"][0]
    assert (email["key"], email["type"], email["label"], email["help"], email["required"]) == (
        "email",
        "email",
        "E-Mail",
        "Ihre geschäftliche Adresse",
        True,
    )
    assert body["purposes"][1]["text"] == "Ich habe den Datenschutzhinweis gelesen."
    assert body["texts"]["summary"] == "Bitte korrigieren Sie die markierten Felder."
    assert re.fullmatch(r"\d+\.[0-9a-f]{32}", body["token"])
    refused = client.get("/f/contact.json", headers={"origin": EVIL})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert _views(db) == 1


def test_preflight_allows_only_the_forms_origins(client: TestClient, db: Database) -> None:
    _form(db)
    asked = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    ok = client.options("/f/contact", headers={"origin": ALLOWED, **asked})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ALLOWED
    assert ok.headers["access-control-allow-methods"] == "POST"
    assert ok.headers["access-control-allow-headers"] == "Content-Type"
    refused = client.options("/f/contact", headers={"origin": EVIL, **asked})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_json_submit_answers_per_field_in_the_visitors_language(
    client: TestClient, db: Database
) -> None:
    _form(db)
    headers = {"origin": ALLOWED}
    bad = client.post(
        "/f/contact",
        json={"email": "x", "lw_token": token("contact"), "lw_lang": "de", "consent": []},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.headers["access-control-allow-origin"] == ALLOWED
    assert bad.json() == {
        "status": "invalid",
        "message": "Bitte korrigieren Sie die markierten Felder.",
        "errors": {
            "email": "Geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.com.",
            "first_name": "Dieses Feld ist ein Pflichtfeld.",
            "consent_privacy": "Setzen Sie hier ein Häkchen, um fortzufahren.",
        },
    }
    good = client.post(
        "/f/contact",
        json={
            "email": "eva@example.de",
            "first_name": "Eva",
            "consent": ["privacy", "newsletter"],
            "lw_token": token("contact"),
            "lw_lang": "en",
            "lw_page_url": "https://www.example.com/pricing?utm_source=linkedin",
            "utm_source": "linkedin",
        },
        headers=headers,
    )
    assert good.status_code == 200
    assert good.json() == {
        "status": "ok",
        "message": "Thanks, we will be in touch.",
        "redirect": None,
    }
    with db.read() as s:
        row = s.scalars(select(FormSubmission)).one()
        assert [c["purpose"] for c in row.payload["consents"]] == ["newsletter", "privacy"]
        assert row.payload["page_url"] == "https://www.example.com/pricing?utm_source=linkedin"
    assert _leads(db) == ["eva@example.de"]


def test_a_foreign_origin_cannot_submit(client: TestClient, db: Database) -> None:
    _form(db)
    as_json = client.post(
        "/f/contact", json={**VALID, "lw_token": token("contact")}, headers={"origin": EVIL}
    )
    assert as_json.status_code == 403
    assert "access-control-allow-origin" not in as_json.headers
    as_form = _post(client, VALID, headers={"origin": EVIL})
    assert as_form.status_code == 403
    own = _post(client, VALID, headers={"origin": "http://testserver"})
    assert own.status_code == 200
    assert _leads(db) == ["anna@example.de"]


def test_the_embed_script_is_served_as_javascript(client: TestClient) -> None:
    r = client.get("/f/embed.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "data-leadwerk-form" in r.text
    assert "innerHTML" not in r.text


MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def test_markup_in_every_field_comes_back_as_text(client: TestClient, db: Database) -> None:
    _form(db)
    for payload in MARKUP:
        data = {
            name: payload
            for name in (
                "email",
                "first_name",
                "last_name",
                "phone",
                "company",
                "country",
                "interest",
                "message",
                "utm_source",
                "lw_page_url",
                "lw_vid",
            )
        }
        r = _post(client, {**data, "lw_lang": "en"})
        assert r.status_code == 422
        assert payload not in r.text
        assert "<script>alert" not in r.text
        assert "<img src=x" not in r.text
        escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        escaped = escaped.replace('"', "&#34;")
        # kept in the inputs, as text
        assert re.search(f'name="first_name"[^>]*value="{re.escape(escaped)}"', r.text)
        assert f'name="utm_source" value="{escaped}"' in r.text
        assert f">{escaped}</textarea>" in r.text
    assert _leads(db) == []


def test_the_challenge_widget_when_a_site_key_is_set(settings: Any, db: Database) -> None:
    from leadwerk.app import create_app
    from tests.web.conftest import HTML

    _form(db)
    with_challenge = settings.model_copy(
        update={
            "challenge_verify_url": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            "challenge_secret": "provider-secret",
            "challenge_site_key": "0x4AAAAAAAsite",
        }
    )
    with TestClient(create_app(with_challenge, db=db), headers=HTML) as client:
        page = client.get("/f/contact")
        body = client.get("/f/contact.json", headers={"origin": ALLOWED}).json()
    assert '<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsite"></div>' in page.text
    assert (
        '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer>'
        in page.text
    )
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' https://challenges.cloudflare.com;" in csp
    assert "frame-src https://challenges.cloudflare.com" in csp
    assert body["challenge"] == {
        "script": "https://challenges.cloudflare.com/turnstile/v0/api.js",
        "class": "cf-turnstile",
        "site_key": "0x4AAAAAAAsite",
    }


def test_a_bot_using_json_gets_the_same_answer_as_a_person(
    client: TestClient, db: Database
) -> None:
    _form(db)
    person = {"email": "p@example.de", "first_name": "P", "consent": ["privacy"]}
    headers = {"origin": ALLOWED}
    human = client.post(
        "/f/contact", json={**person, "lw_token": token("contact")}, headers=headers
    )
    bot = client.post(
        "/f/contact",
        json={**person, "email": "b@example.de", "lw_website": "x", "lw_token": token("contact")},
        headers=headers,
    )
    assert (human.status_code, bot.status_code) == (200, 200)
    assert (
        human.json()
        == bot.json()
        == {
            "status": "ok",
            "message": "Thanks, we will be in touch.",
            "redirect": None,
        }
    )
    assert _leads(db) == ["p@example.de"]


def test_a_form_left_open_too_long_is_shown_again_with_a_new_token(
    client: TestClient, db: Database
) -> None:
    _form(db)
    old = token("contact", 2 * 86_400)
    page = client.post("/f/contact", data={**VALID, "lw_token": old, "lw_lang": "en"})
    assert page.status_code == 422
    assert "This form was open for a long time. Please check your entries and send it again." in (
        page.text
    )
    assert (
        'name="email" required aria-required="true" aria-describedby="lw-email-help" '
        'value="anna@example.de"' in page.text
    )
    fresh = re.search(r'name="lw_token" value="([^"]+)"', page.text)
    assert fresh is not None
    assert fresh.group(1) != old
    as_json = client.post(
        "/f/contact",
        json={**VALID, "consent": ["privacy"], "lw_token": old},
        headers={"origin": ALLOWED},
    )
    assert as_json.status_code == 422
    body = as_json.json()
    assert (body["status"], body["errors"]) == ("expired", {})
    assert re.fullmatch(r"\d+\.[0-9a-f]{32}", body["token"])
    assert _leads(db) == []


def test_an_invalid_hidden_value_is_named_in_the_summary(client: TestClient, db: Database) -> None:
    from leadwerk.capture.forms.types import FieldType, FormField, Text
    from tests.factories.forms import CONTACT

    hidden_country = FormField("country", FieldType.HIDDEN, Text(""), default="Atlantis")
    _form(db, fields=(*CONTACT.fields[:5], hidden_country))
    r = _post(client, VALID)
    assert r.status_code == 422
    assert "<li>Choose a country from the list.</li>" in r.text
    assert '<input type="hidden" name="country" value="Atlantis">' in r.text
