"""The form builder in the UI: list with figures, create and edit with versions, validation per
field, the live preview with and without htmx, access, and markup shown as text."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.types import Role
from leadwerk.capture.forms import rules
from leadwerk.capture.forms.models import Form, FormVersion
from leadwerk.capture.forms.types import FieldType, SubmissionStatus
from leadwerk.storage.engine import Database
from leadwerk.web import i18n
from tests.factories.forms import CONTACT, make_form, token
from tests.web.conftest import page_token, signed_in

NEW = {
    "name": "Webinar sign-up",
    "slug": "webinar",
    "is_active": "on",
    "title_en": "Join the webinar",
    "title_de": "Zum Webinar anmelden",
    "field-0-key": "email",
    "field-0-type": "email",
    "field-0-label_en": "Email",
    "field-0-label_de": "E-Mail",
    "field-0-required": "on",
    "field-1-key": "",
    "allowed_origins": "https://www.example.com",
}


def test_create_a_form_and_find_it_in_the_list(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    csrf = page_token(client, "/forms/new")
    r = client.post("/forms/new", data={**NEW, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with db.read() as s:
        form = s.scalars(select(Form)).one()
        versions = s.scalars(select(FormVersion)).all()
    assert r.headers["location"] == f"/forms/{form.id}?notice=created"
    assert (form.slug, form.name, form.version, form.is_active) == (
        "webinar",
        "Webinar sign-up",
        1,
        True,
    )
    assert [v.version for v in versions] == [1]
    page = client.get(r.headers["location"])
    assert '<p class="alert alert--ok" role="status">The form was created.</p>' in page.text
    assert "&lt;div data-leadwerk-form=&#34;webinar&#34;&gt;&lt;/div&gt;" in page.text
    assert "http://127.0.0.1:8000/f/webinar?embed=1" in page.text
    listed = client.get("/forms")
    assert '<th scope="row" data-label="Name"><a href="/forms/' in listed.text
    assert ">Webinar sign-up</a></th>" in listed.text


def test_figures_in_the_list_and_on_the_stats_page(client: TestClient, db: Database) -> None:
    signed_in(client, db, language="de")
    with db.transaction() as s:
        form = make_form(s, slug="contact", name="Kontaktformular")
    for _ in range(3):
        client.get("/f/contact")
    data = {"email": "a@example.de", "first_name": "A", "consent": "privacy"}
    client.post("/f/contact", data={**data, "lw_token": token("contact")})
    client.post("/f/contact", data={**data, "lw_token": token("contact"), "lw_website": "x"})
    listed = client.get("/forms")
    assert '<td data-label="Aufrufe" class="num">3</td>' in listed.text
    assert f'<a href="/forms/{form.id}/stats">1</a>' in listed.text
    assert '<td data-label="Konversionsrate" class="num">33,3\xa0%</td>' in listed.text
    assert '<td data-label="Abgelehnt" class="num">1</td>' in listed.text
    stats = client.get(f"/forms/{form.id}/stats")
    assert stats.status_code == 200
    assert "<dt>Aufrufe</dt><dd>3</dd>" in stats.text
    assert "<dt>Einsendungen</dt><dd>1</dd>" in stats.text
    assert "<dt>Abgelehnt</dt><dd>1</dd>" in stats.text
    assert stats.text.count("a@example.de") == 2


def test_errors_are_shown_at_each_builder_field(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    csrf = page_token(client, "/forms/new")
    bad = {
        **NEW,
        "slug": "Web Inar",
        "field-0-type": "text",
        "field-1-key": "size",
        "field-1-type": "select",
        "field-1-label_en": "Size",
        "redirect_url": "javascript:alert(1)",
        "csrf_token": csrf,
    }
    r = client.post("/forms/new", data=bad)
    assert r.status_code == 422
    assert "The form was not saved. Correct the marked fields." in r.text
    assert (
        '<p class="field-error" id="f-field-0-type-error">The field email must have the type '
        "Email address.</p>" in r.text
    )
    assert (
        '<p class="field-error" id="f-field-1-options-error">A choice list needs options' in r.text
    )
    assert '<p class="field-error" id="f-redirect_url-error">Enter an address starting' in r.text
    assert '<p class="field-error" id="f-slug-error">Use 1 to 60 lower-case letters' in r.text
    assert 'id="f-slug" name="slug" type="text" value="Web Inar"' in r.text
    with db.read() as s:
        assert s.scalars(select(Form)).all() == []


def test_preview_without_javascript_and_with_htmx(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    csrf = page_token(client, "/forms/new")
    plain = client.post(
        "/forms/new",
        data={**NEW, "action": "preview", "preview_lang": "de", "csrf_token": csrf},
    )
    assert plain.status_code == 200
    assert '<h3 class="lw-title">Zum Webinar anmelden</h3>' in plain.text
    assert '<label for="pv-email">E-Mail<span class="lw-required"' in plain.text
    assert 'id="f-field-1-key"' in plain.text  # the row NEW left empty …
    assert 'id="f-field-2-key"' in plain.text  # … and one more to fill in
    with db.read() as s:
        assert s.scalars(select(Form)).all() == []
    partial = client.post(
        "/forms/preview",
        data={**NEW, "field-0-label_en": "Work email", "preview_lang": "en"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert '<label for="pv-email">Work email<span class="lw-required"' in partial.text
    broken = client.post(
        "/forms/preview",
        data={**NEW, "title_en": ""},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert "The preview appears once the marked fields are corrected." in broken.text


def test_editing_the_definition_makes_a_new_version(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as s:
        form = make_form(s, slug="contact", name="Contact")
        form_id = form.id
    page = client.get(f"/forms/{form_id}")
    assert 'id="f-field-9-key" name="field-9-key" type="text" value="campaign"' in page.text
    csrf = page_token(client, f"/forms/{form_id}")
    values = rules.builder_values("Contact", "contact", True, CONTACT)
    renamed = client.post(
        f"/forms/{form_id}",
        data={**values, "name": "Contact (site)", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert renamed.headers["location"] == f"/forms/{form_id}?notice=saved"
    changed = client.post(
        f"/forms/{form_id}",
        data={**values, "title_en": "Talk to us", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert changed.headers["location"] == f"/forms/{form_id}?notice=versioned"
    with db.read() as s:
        saved = s.get(Form, form_id)
        assert saved is not None
        assert (saved.version, saved.name, saved.definition["title"]["en"]) == (
            2,
            "Contact",
            "Talk to us",
        )
    assert "Version 2" in client.get(f"/forms/{form_id}").text


def test_sales_cannot_open_forms(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.SALES)
    assert client.get("/forms").status_code == 403
    assert 'href="/forms"' not in client.get("/leads").text


EVIL = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def test_markup_is_text_in_the_builder_list_stats_and_lead_pages(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    for n, payload in enumerate(EVIL):
        csrf = page_token(client, "/forms/new")
        data = {
            **NEW,
            "name": payload,
            "slug": f"evil-{n}",
            "title_en": payload,
            "field-0-label_en": payload,
            "field-0-help_en": payload,
            "field-1-key": "company",
            "field-1-type": "text",
            "field-1-label_en": payload,
            "purpose-0-name": "privacy",
            "purpose-0-text_en": payload,
            "thank_you_en": payload,
        }
        r = client.post("/forms/new", data={**data, "csrf_token": csrf})
        assert r.status_code == 200
        for path in (r.url.path, "/forms", r.url.path + "/stats", f"/f/evil-{n}"):
            html = client.get(path).text
            assert payload not in html, path
        preview = client.post(
            "/forms/preview", data=data, headers={"HX-Request": "true", "X-CSRF-Token": csrf}
        )
        assert payload not in preview.text
        sent = client.post(
            f"/f/evil-{n}",
            data={
                "email": f"x{n}@example.de",
                "company": payload,
                "consent": "privacy",
                "lw_token": token(f"evil-{n}"),
            },
        )
        assert payload not in sent.text
        bot = client.post(
            f"/f/evil-{n}",
            data={"email": payload, "lw_website": payload, "lw_token": token(f"evil-{n}")},
        )
        assert bot.status_code == 200
        assert payload not in client.get(r.url.path + "/stats").text
    leads = client.get("/leads")
    for payload in EVIL:
        assert payload not in leads.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in leads.text
    lead_link = leads.text.split('<a href="/leads/')[1].split('"')[0]
    detail = client.get(f"/leads/{lead_link}")
    assert all(payload not in detail.text for payload in EVIL)


def test_the_domains_messages_have_german_translations() -> None:
    german = i18n.load_catalog("de")
    messages = [
        value
        for name, value in vars(rules).items()
        if name.isupper() and isinstance(value, str) and " " in value
    ]
    messages += [t.label for t in FieldType] + [s.label for s in SubmissionStatus]
    messages += ["Another form has this address already.", "At most 200 characters."]
    assert len(messages) > 25
    untranslated = [m for m in messages if german.gettext(m) == m and m != "Text"]
    assert untranslated == []
