"""Normalisation and channel rules: tables of exact expectations, plus properties."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.capture import rules
from leadwerk.capture.types import Intake
from leadwerk.identity import rules as identity_rules
from leadwerk.leads.types import Channel


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("anna", "Anna"),
        ("ANNA-LENA", "Anna-Lena"),
        ("VAN DER BERG", "Van der Berg"),
        ("van der berg", "Van der Berg"),
        ("van der Berg", "van der Berg"),  # mixed case: kept as written
        ("mcdonald", "McDonald"),
        ("d'arcy", "d'Arcy"),
        ("O'BRIEN", "O'Brien"),
        ("JÜRGEN", "Jürgen"),
        ("  björn   ", "Björn"),
        ("ÇELİK", "Çelik"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalise_name(raw: str | None, expected: str | None) -> None:
    assert rules.normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 (0)30 1234567", None, "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("044 668 18 00", "CH", "+41446681800"),
        ("+43 1 5344 0", None, "+43153440"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_normalise_phone(raw: str, country: str | None, expected: str) -> None:
    assert rules.normalise_phone(raw, country) == (expected, None)


@pytest.mark.parametrize("raw", ["abc", "12", "030 1234567"])
def test_normalise_phone_refuses_with_a_message(raw: str) -> None:
    phone, problem = rules.normalise_phone(raw, None)
    assert phone is None
    assert problem is not None
    assert raw in problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("Österreich", "AT"),
        ("Schweiz", "CH"),
        ("Switzerland", "CH"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Frankreich", "FR"),
        ("France", "FR"),
        ("USA", "US"),
    ],
)
def test_normalise_country(raw: str, expected: str) -> None:
    assert rules.normalise_country(raw) == (expected, None)


def test_unknown_country_is_named() -> None:
    code, problem = rules.normalise_country("Atlantis")
    assert code is None
    assert problem == "'Atlantis' is not a country; use a name or an ISO code such as DE."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna.Mueller@Example.DE", "Anna.Mueller@example.de"),
        ("  jo@example.com ", "jo@example.com"),
        ("jürgen@müller.de", "jürgen@müller.de"),
    ],
)
def test_normalise_email(raw: str, expected: str) -> None:
    assert rules.normalise_email(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["plainaddress", "a@", "@example.com", "a b@example.com"])
def test_invalid_email_gets_a_message(raw: str) -> None:
    email, problem = rules.normalise_email(raw)
    assert email is None
    assert problem is not None
    assert problem.startswith(f"{raw!r} is not a valid email address")


@pytest.mark.parametrize(
    ("email", "domain"),
    [("a@acme.de", "acme.de"), ("a@gmail.com", None), ("a@GMX.de", None), (None, None)],
)
def test_company_domain_skips_freemail(email: str | None, domain: str | None) -> None:
    assert rules.company_domain(email.lower() if email else None) == domain


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("Jürgen", "Müller", "juergen mueller"),
        ("René", "Straße", "rene strasse"),
        ("Anne-Marie", "O'Neil", "anne marie o neil"),
        (None, None, None),
    ],
)
def test_name_key(first: str | None, last: str | None, key: str | None) -> None:
    assert rules.name_key(first, last) == key


@pytest.mark.parametrize(
    ("company", "key"),
    [
        ("Müller Maschinenbau GmbH", "mueller maschinenbau"),
        ("Müller Maschinenbau GmbH & Co. KG", "mueller maschinenbau"),
        ("ACME Inc.", "acme"),
        ("SAP SE", "sap"),
    ],
)
def test_company_key(company: str, key: str) -> None:
    assert identity_rules.company_key(company) == key


@pytest.mark.parametrize(
    ("source", "medium", "referrer", "channel"),
    [
        ("google", "cpc", None, Channel.PAID_SEARCH),
        ("bing", "ppc", None, Channel.PAID_SEARCH),
        ("facebook", "cpc", None, Channel.PAID_SOCIAL),
        ("linkedin", "paid_social", None, Channel.PAID_SOCIAL),
        ("google", "display", None, Channel.DISPLAY),
        ("newsletter", "email", None, Channel.EMAIL),
        ("newsletter", None, None, Channel.EMAIL),
        ("awin", "affiliate", None, Channel.AFFILIATE),
        ("linkedin", "social", None, Channel.ORGANIC_SOCIAL),
        ("xing", None, None, Channel.ORGANIC_SOCIAL),
        ("google", "organic", None, Channel.ORGANIC_SEARCH),
        ("duckduckgo", None, None, Channel.ORGANIC_SEARCH),
        ("partner-site.de", "referral", None, Channel.REFERRAL),
        ("messe-muenchen", "event", None, Channel.OFFLINE),
        ("somewhere", "whatever", None, Channel.OTHER),
        (None, None, None, Channel.DIRECT),
        (None, None, "https://www.google.de/search?q=crm", Channel.ORGANIC_SEARCH),
        (None, None, "https://www.linkedin.com/feed/", Channel.ORGANIC_SOCIAL),
        (None, None, "https://blog.example.org/post", Channel.REFERRAL),
    ],
)
def test_classify_channel(
    source: str | None, medium: str | None, referrer: str | None, channel: Channel
) -> None:
    assert rules.classify_channel(source, medium, referrer) is channel


def test_own_site_referrer_is_direct() -> None:
    assert (
        rules.classify_channel(
            None, None, "https://www.leadwerk.example/pricing", own_host="leadwerk.example"
        )
        is Channel.DIRECT
    )


def test_normalise_collects_every_error() -> None:
    lead, errors = rules.normalise(
        Intake(
            email="nope", phone="x", country="Atlantis", language="deutsch!", first_name="a" * 101
        )
    )
    assert lead is None
    assert set(errors) == {"email", "phone", "country", "language", "first_name"}
    assert errors["first_name"] == "At most 100 characters, not 101."


def test_normalise_requires_email_or_phone() -> None:
    _, errors = rules.normalise(Intake(first_name="Anna"))
    assert errors == {"email": "A lead needs an email address or a phone number."}


def test_normalise_whole_lead() -> None:
    lead, errors = rules.normalise(
        Intake(
            email="Jürgen.Müller@Müller-Bau.DE",
            first_name="JÜRGEN",
            last_name="MÜLLER",
            phone="0171 2345678",
            country="Deutschland",
            company=" Müller  Bau GmbH ",
            language="de-DE",
            utm_source="google",
            utm_medium="cpc",
            attributes={"k": 1},
        )
    )
    assert errors == {}
    assert lead is not None
    assert (lead.email, lead.email_key, lead.domain) == (
        "Jürgen.Müller@müller-bau.de",
        "jürgen.müller@müller-bau.de",
        "müller-bau.de",
    )
    assert (lead.first_name, lead.last_name, lead.name_key) == (
        "Jürgen",
        "Müller",
        "juergen mueller",
    )
    assert (lead.phone, lead.country, lead.language) == ("+491712345678", "DE", "de")
    assert (lead.company, lead.company_key) == ("Müller Bau GmbH", "mueller bau")
    assert lead.channel is Channel.PAID_SEARCH
    assert lead.attributes == {"k": 1}


@given(st.text())
def test_clean_text_is_idempotent_and_trimmed(text: str) -> None:
    once = rules.clean_text(text)
    assert rules.clean_text(once) == once
    if once is not None:
        assert once == once.strip()
        assert "  " not in once


@given(st.text(alphabet=st.characters(categories=["L", "Zs", "Pd"]), max_size=40))
def test_normalise_name_is_idempotent(text: str) -> None:
    once = rules.normalise_name(text)
    assert rules.normalise_name(once) == once


@given(st.integers(min_value=2_000_000, max_value=99_999_999))
def test_german_numbers_round_trip_to_valid_e164(local: int) -> None:
    raw = f"030 {local}"
    phone, problem = rules.normalise_phone(raw, "DE")
    if phone is None:
        assert problem is not None
        return
    assert phone.startswith("+4930")
    assert (
        phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.E164)
        == phone
    )
