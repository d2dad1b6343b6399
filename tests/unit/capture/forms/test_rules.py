"""The pure rules of forms: the builder's inputs, a visitor's input, tokens, origins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadwerk.capture.forms import rules
from leadwerk.capture.forms.types import (
    ConsentPurpose,
    FieldType,
    FormDefinition,
    FormField,
    Option,
    Problem,
    Text,
)

SECRET = "unit-test-secret-0123456789abcdef0123456789"
BASE = {
    "title_en": "Contact",
    "title_de": "Kontakt",
    "field-0-key": "email",
    "field-0-type": "email",
    "field-0-label_en": "Email",
    "field-0-label_de": "E-Mail",
    "field-0-required": "on",
}
DEFINITION = FormDefinition(
    title=Text("Contact", "Kontakt"),
    fields=(
        FormField("email", FieldType.EMAIL, Text("Email", "E-Mail"), required=True),
        FormField("first_name", FieldType.TEXT, Text("First name")),
        FormField("phone", FieldType.TEL, Text("Phone")),
        FormField("country", FieldType.COUNTRY, Text("Country")),
        FormField(
            "size",
            FieldType.SELECT,
            Text("Size"),
            options=(Option("s", Text("Small")), Option("l", Text("Large"))),
        ),
        FormField("code", FieldType.TEXT, Text("Code"), pattern=r"[A-Z]{3}", max_length=3),
        FormField("callback", FieldType.CHECKBOX, Text("Call me")),
        FormField("campaign", FieldType.HIDDEN, Text(""), default="spring"),
    ),
    purposes=(
        ConsentPurpose("newsletter", Text("Newsletter please")),
        ConsentPurpose("privacy", Text("I read it"), required=True),
    ),
)


def test_parse_builder_reads_fields_purposes_texts_and_origins() -> None:
    values = {
        **BASE,
        "field-1-key": "size",
        "field-1-type": "select",
        "field-1-label_en": "Size",
        "field-1-options": "s|Small|Klein\nl|Large\n\n",
        "field-2-key": "",  # the blank row the builder always offers
        "field-3-key": "old",
        "field-3-label_en": "Old",
        "field-3-remove": "on",
        "purpose-0-name": "newsletter",
        "purpose-0-text_en": "Send me news",
        "purpose-0-text_de": "Schickt mir News",
        "purpose-0-required": "on",
        "redirect_url": "https://www.example.com/thanks",
        "allowed_origins": "https://www.Example.com/\nhttp://localhost:8080\nhttps://www.example.com:443",
        "double_opt_in": "on",
    }
    definition, errors = rules.parse_builder(values)
    assert errors == {}
    assert definition == FormDefinition(
        title=Text("Contact", "Kontakt"),
        fields=(
            FormField("email", FieldType.EMAIL, Text("Email", "E-Mail"), required=True),
            FormField(
                "size",
                FieldType.SELECT,
                Text("Size"),
                options=(Option("s", Text("Small", "Klein")), Option("l", Text("Large"))),
            ),
        ),
        purposes=(ConsentPurpose("newsletter", Text("Send me news", "Schickt mir News"), True),),
        double_opt_in=True,
        redirect_url="https://www.example.com/thanks",
        allowed_origins=("https://www.example.com", "http://localhost:8080"),
    )


def test_builder_values_round_trip() -> None:
    values = rules.builder_values("Contact form", "contact", True, DEFINITION)
    assert values["field-4-options"] == "s|Small\nl|Large"
    assert values["field-7-default"] == "spring"
    definition, errors = rules.parse_builder(values)
    assert errors == {}
    assert definition == DEFINITION


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title_en": ""}, {"title_en": Problem(rules.REQUIRED)}),
        ({"field-0-key": "Email!"}, {"field-0-key": Problem(rules.BAD_KEY)}),
        ({"field-0-key": "utm_source"}, {"field-0-key": Problem(rules.BAD_KEY)}),
        ({"field-0-key": "lw_vid"}, {"field-0-key": Problem(rules.BAD_KEY)}),
        ({"field-0-type": "radio"}, {"field-0-type": Problem(rules.BAD_CHOICE)}),
        (
            {"field-0-type": "text"},
            {
                "field-0-type": Problem(
                    "The field %(key)s must have the type %(type)s.",
                    {"key": "email", "type": "Email address"},
                )
            },
        ),
        ({"field-0-label_en": ""}, {"field-0-label_en": Problem(rules.REQUIRED)}),
        (
            {"field-0-max_length": "400"},
            {"field-0-max_length": Problem(rules.BAD_NUMBER, {"limit": 320})},
        ),
        ({"field-0-pattern": "("}, {"field-0-pattern": Problem(rules.BAD_PATTERN)}),
        ({"redirect_url": "javascript:alert(1)"}, {"redirect_url": Problem(rules.BAD_URL)}),
        (
            {"allowed_origins": "https://ok.example\nftp://x.example"},
            {"allowed_origins": Problem(rules.BAD_ORIGIN, {"value": "ftp://x.example"})},
        ),
        (
            {"allowed_origins": "https://x.example/path"},
            {"allowed_origins": Problem(rules.BAD_ORIGIN, {"value": "https://x.example/path"})},
        ),
        (
            {"field-0-key": "company", "field-0-type": "text"},
            {"field-0-key": Problem(rules.NEEDS_CONTACT)},
        ),
        (
            {"field-1-key": "email", "field-1-type": "email", "field-1-label_en": "Again"},
            {"field-1-key": Problem(rules.DUPLICATE_KEY)},
        ),
        (
            {"field-1-key": "size", "field-1-type": "select", "field-1-label_en": "Size"},
            {"field-1-options": Problem(rules.NEEDS_OPTIONS)},
        ),
        (
            {"purpose-0-name": "News Letter", "purpose-0-text_en": "x"},
            {"purpose-0-name": Problem(rules.BAD_PURPOSE)},
        ),
        ({"purpose-0-name": "newsletter"}, {"purpose-0-text_en": Problem(rules.REQUIRED)}),
    ],
)
def test_parse_builder_names_the_input_in_error(
    changes: dict[str, str], expected: dict[str, Problem]
) -> None:
    definition, errors = rules.parse_builder({**BASE, **changes})
    assert definition is None
    assert errors == expected


def test_a_form_needs_a_field() -> None:
    assert rules.parse_builder({"title_en": "T"}) == (
        None,
        {"field-0-key": Problem("A form needs at least one field.")},
    )


@pytest.mark.parametrize(
    ("slug", "ok"),
    [
        ("contact", True),
        ("webinar-2026", True),
        ("a", True),
        ("-x", False),
        ("x-", False),
        ("Kontakt", False),
        ("a" * 61, False),
        ("a b", False),
        ("", False),
    ],
)
def test_slug(slug: str, ok: bool) -> None:
    assert (rules.check_slug(slug) is None) is ok


VALID = {
    "email": " Anna@Example.COM ",
    "first_name": "Anna",
    "phone": "030 1234567",
    "country": "DE",
    "size": "l",
    "code": "ABC",
    "callback": "yes",
    "campaign": "",
}


def test_check_submission_cleans_values() -> None:
    clean, errors = rules.check_submission(DEFINITION, VALID, frozenset({"privacy"}))
    assert errors == {}
    assert clean == {
        "email": "Anna@example.com",
        "first_name": "Anna",
        "phone": "030 1234567",
        "country": "DE",
        "size": "l",
        "code": "ABC",
        "callback": True,
        "campaign": "spring",
    }
    assert rules.split_values(clean) == (
        {
            "email": "Anna@example.com",
            "first_name": "Anna",
            "phone": "030 1234567",
            "country": "DE",
        },
        {"size": "l", "code": "ABC", "callback": True, "campaign": "spring"},
    )


def test_check_submission_names_each_problem() -> None:
    clean, errors = rules.check_submission(
        DEFINITION,
        {
            "email": "not-an-address",
            "phone": "12",
            "country": "Atlantis",
            "size": "xl",
            "code": "abc",
            "first_name": "x" * 101,
        },
        frozenset(),
    )
    assert clean == {}
    assert errors == {
        "email": Problem(rules.BAD_EMAIL),
        "first_name": Problem(rules.TOO_LONG, {"limit": 100, "length": 101}),
        "phone": Problem(rules.BAD_PHONE),
        "country": Problem(rules.BAD_COUNTRY),
        "size": Problem(rules.BAD_CHOICE),
        "code": Problem(rules.BAD_FORMAT),
        "consent_privacy": Problem(rules.MUST_TICK),
    }


def test_required_fields_and_the_email_or_phone_rule() -> None:
    _, errors = rules.check_submission(DEFINITION, {}, frozenset({"privacy"}))
    assert errors == {"email": Problem(rules.REQUIRED)}
    optional = FormDefinition(
        title=Text("T"),
        fields=(
            FormField("email", FieldType.EMAIL, Text("Email")),
            FormField("phone", FieldType.TEL, Text("Phone")),
        ),
    )
    assert rules.check_submission(optional, {"email": " ", "phone": ""}, frozenset()) == (
        {},
        {"email": Problem(rules.EMAIL_OR_PHONE)},
    )
    assert rules.check_submission(optional, {"phone": "+49 30 1234567"}, frozenset()) == (
        {"phone": "+49 30 1234567"},
        {},
    )


def test_render_token_round_trip_and_forgery() -> None:
    shown = datetime(2026, 11, 22, 10, 0, 0, 250000, tzinfo=UTC)
    token = rules.render_token(SECRET, "contact", shown)
    assert token.startswith("1795341600250.")
    assert rules.read_render_token(SECRET, "contact", token) == shown
    assert rules.read_render_token(SECRET, "other", token) is None
    assert rules.read_render_token("another-secret", "contact", token) is None
    older = token.replace("1795341600250", "1795341500250")
    assert rules.read_render_token(SECRET, "contact", older) is None
    assert rules.read_render_token(SECRET, "contact", "") is None
    assert rules.read_render_token(SECRET, "contact", "abc.def") is None
    assert rules.fill_seconds(shown, datetime(2026, 11, 22, 10, 0, 5, tzinfo=UTC)) == 4.75
    assert rules.fill_seconds(None, shown) is None


def test_ip_hash_is_keyed_and_stable() -> None:
    one = rules.hash_ip(SECRET, "203.0.113.7")
    assert one == rules.hash_ip(SECRET, "203.0.113.7")
    assert one != rules.hash_ip("another-secret", "203.0.113.7")
    assert one is not None
    assert len(one) == 64
    assert "203" not in one
    assert rules.hash_ip(SECRET, None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.com", "https://www.example.com"),
        ("https://WWW.Example.com:443/", "https://www.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://x.example/path", None),
        ("https://user@x.example", None),
        ("javascript:alert(1)", None),
        ("null", None),
        ("https://x.example:99999", None),
    ],
)
def test_normalise_origin(value: str, expected: str | None) -> None:
    assert rules.normalise_origin(value) == expected


def test_origin_allowed_and_frame_ancestors() -> None:
    allowed = ("https://www.example.com", "http://localhost:8080")
    assert rules.origin_allowed("https://www.example.com", allowed)
    assert rules.origin_allowed("https://www.example.com:443", allowed)
    assert not rules.origin_allowed("https://evil.example", allowed)
    assert not rules.origin_allowed("null", allowed)
    assert not rules.origin_allowed(None, allowed)
    assert rules.frame_ancestors(allowed) == "https://www.example.com http://localhost:8080"
    assert rules.frame_ancestors(()) == "'none'"


def test_utm_values_and_challenge_widget() -> None:
    assert rules.utm_values({"utm_source": " google ", "utm_medium": "", "x": "y"}) == {
        "utm_source": "google"
    }
    assert rules.challenge_widget("https://challenges.cloudflare.com/turnstile/v0/siteverify") == (
        "https://challenges.cloudflare.com/turnstile/v0/api.js",
        "cf-turnstile",
    )
    assert rules.challenge_widget("https://verify.example/x") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.com/a?b=c", "https://www.example.com/a?b=c"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("https://x.example/" + "a" * 2000, None),
        ("", None),
        (None, None),
    ],
)
def test_page_address_keeps_http_urls_only(value: str | None, expected: str | None) -> None:
    assert rules.page_address(value) == expected
