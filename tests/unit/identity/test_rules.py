"""Match keys: canonical email, name words, nicknames, Kölner Phonetik, company key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.identity import rules


@pytest.mark.parametrize(
    ("email", "canonical"),
    [
        ("Max.Muster+news@GoogleMail.com", "maxmuster@gmail.com"),
        ("m.a.x@gmail.com", "max@gmail.com"),
        ("max+shop@outlook.de", "max@outlook.de"),
        ("max.muster@outlook.de", "max.muster@outlook.de"),  # dots count at Outlook
        ("max+tag@firma.de", "max+tag@firma.de"),  # a company's server: nothing is assumed
        ("MAX@WEB.DE", "max@web.de"),
        ("  anna@gmx.de ", "anna@gmx.de"),
        ("+only@gmail.com", None),
        ("no-at-sign", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_email(email: str | None, canonical: str | None) -> None:
    assert rules.canonical_email(email) == canonical


@given(st.emails())
def test_canonical_email_is_idempotent(email: str) -> None:
    once = rules.canonical_email(email)
    assert once is None or rules.canonical_email(once) == once


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (("Müller", "Mueller", "Muller", "MÜLLER"), "657"),
        (("Meier", "Maier", "Meyer", "Mayer"), "67"),
        (("Schmidt", "Schmitt", "Schmid"), "862"),
        (("Wikipedia",), "3412"),  # the example the algorithm is usually explained with
        (("Müller-Lüdenscheidt",), "657 52682"),
    ],
)
def test_phonetic_joins_spellings(names: tuple[str, ...], code: str) -> None:
    assert {rules.phonetic(n) for n in names} == {code}


def test_phonetic_of_nothing() -> None:
    assert rules.phonetic(None) is None
    assert rules.phonetic("--") is None


def test_phonetic_keeps_different_names_apart() -> None:
    assert rules.phonetic("Müller") != rules.phonetic("Schneider")
    assert rules.phonetic("Becker") != rules.phonetic("Wagner")


@pytest.mark.parametrize(
    ("given_name", "root"),
    [
        ("Bob", "robert"),
        ("Sepp", "josef"),
        ("Hans-Peter", "johann"),
        ("Lizzy", "elizabeth"),
        ("Robert", "robert"),
        ("Chris", "chris"),  # stands for several names: left as it is
        ("Andy", "andy"),  # Andrew and Andreas both claim it
        (None, None),
        ("", None),
    ],
)
def test_given_name_root(given_name: str | None, root: str | None) -> None:
    assert rules.given_name_root(given_name) == root


def test_given_initial_uses_the_full_form() -> None:
    assert rules.given_initial("Bob") == rules.given_initial("Robert") == "r"


def test_name_words_fold_umlauts_and_punctuation() -> None:
    assert rules.name_words("Jean-Luc d'Arcy") == ("jean", "luc", "d", "arcy")
    assert rules.name_words("Jürgen Weiß") == ("juergen", "weiss")
    assert rules.simple_text("  ") is None


def test_sorted_sounds_ignores_word_order() -> None:
    assert rules.sorted_sounds("Anna Müller") == rules.sorted_sounds("Mueller, Anna")


@pytest.mark.parametrize(
    ("digits", "tail"),
    [("49301234567", "301234567"), ("301234567", "301234567"), ("123456", None)],
)
def test_phone_tail(digits: str, tail: str | None) -> None:
    assert rules.phone_tail(digits) == tail


@pytest.mark.parametrize(
    ("company", "key"),
    [
        ("Müller & Söhne GmbH & Co. KG", "mueller soehne"),
        ("ACME Inc.", "acme"),
        ("GmbH", None),
        (None, None),
    ],
)
def test_company_key(company: str | None, key: str | None) -> None:
    assert rules.company_key(company) == key


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("Bob", "Müller", "r 657"),
        ("Robert", "Mueller", "r 657"),
        ("roberta", "MULLER", "r 657"),
        ("Sepp", "Meier", "j 67"),
        ("Josef", "Meyer", "j 67"),
        ("Anna", None, None),
        (None, "Müller", None),
        ("", "", None),
    ],
)
def test_sound_key(first: str | None, last: str | None, key: str | None) -> None:
    assert rules.sound_key(first, last) == key


@pytest.mark.parametrize(
    ("email", "phone", "allowed"),
    [
        ("different", "different", False),
        ("different", "exact", True),
        ("exact", "different", True),
        ("different", "missing", True),
        ("missing", "different", True),
        ("missing", "missing", True),
    ],
)
def test_two_different_contact_identifiers_need_a_person(
    email: str, phone: str, allowed: bool
) -> None:
    evidence = [
        {"kind": "first_name", "level": "exact"},
        {"kind": "email", "level": email},
        {"kind": "phone", "level": phone},
    ]
    assert rules.may_merge_unasked(evidence) is allowed


@pytest.mark.parametrize(
    ("left", "right", "allowed"),
    [
        ("anna.mueller@firma.de", "anna.mueller2@firma.de", False),  # two mailboxes, one firm
        ("anna.mueller@firma.de", "anna@privat.example", True),
        ("anna@gmail.com", "anna84@gmail.com", False),
        ("anna@firma.de", "anna@firma.de", True),  # (exact: not "different")
    ],
)
def test_two_mailboxes_at_one_domain_need_a_person(left: str, right: str, allowed: bool) -> None:
    level = "exact" if left == right else "different"
    evidence = [
        {"kind": "email", "level": level, "left": left, "right": right},
        {"kind": "phone", "level": "missing", "left": None, "right": "+4930123"},
    ]
    assert rules.may_merge_unasked(evidence) is allowed


def test_two_mailboxes_at_one_domain_with_one_phone_are_one_person() -> None:
    evidence = [
        {"kind": "email", "level": "different", "left": "anna@gmail.com", "right": "a@gmail.com"},
        {"kind": "phone", "level": "exact", "left": "+4930123", "right": "+4930123"},
    ]
    assert rules.may_merge_unasked(evidence) is True
