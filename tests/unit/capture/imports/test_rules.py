"""Pure rules of imports: headers, mapping, cell values, encoding and delimiter choice,
formula escaping."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from leadwerk.capture.imports import rules


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("E-Mail", "email"),
        ("  E-Mail-Adresse ", "emailadresse"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Tel.", "tel"),
        ("utm_source", "utmsource"),
        ("First Name", "firstname"),
        ("Länder-Code", "laendercode"),
    ],
)
def test_header_key(header: str, key: str) -> None:
    assert rules.header_key(header) == key


def test_detect_mapping_german_headers() -> None:
    headers = [
        "Vorname",
        "Nachname",
        "E-Mail",
        "Tel.",
        "Firma",
        "Jobtitel",
        "PLZ",
        "Ort",
        "Strasse",
        "Land",
        "Sprache",
        "Quelle",
        "UTM Source",
        "Einwilligung",
        "Notiz",
    ]
    assert rules.detect_mapping(headers) == {
        "Vorname": "first_name",
        "Nachname": "last_name",
        "E-Mail": "email",
        "Tel.": "phone",
        "Firma": "company",
        "Jobtitel": "job_title",
        "PLZ": "attributes.postal_code",
        "Ort": "attributes.city",
        "Strasse": "attributes.street",
        "Land": "country",
        "Sprache": "language",
        "Quelle": "source",
        "UTM Source": "utm_source",
        "Einwilligung": "consent",
        "Notiz": "attributes.notiz",
    }


def test_detect_mapping_english_headers_and_a_second_column_of_one_meaning() -> None:
    headers = ["Email", "E-Mail-Adresse", "Mobile", "Phone", "Company", "City", "Stadt"]
    assert rules.detect_mapping(headers) == {
        "Email": "email",
        "E-Mail-Adresse": "attributes.e_mail_adresse",
        "Mobile": "phone",
        "Phone": "attributes.phone",
        "Company": "company",
        "City": "attributes.city",
        "Stadt": "attributes.stadt",
    }


def test_overrides_map_ignore_and_refuse() -> None:
    mapping = rules.detect_mapping(["Email", "Mobil", "Telefon", "Kundennr"])
    result, errors = rules.apply_overrides(
        mapping,
        {
            "Telefon": "phone",
            "kundennr": "attributes.Kunden Nr",
            "Mobil": "-",
            "Fax": "phone",
            "Email": "fax",
        },
    )
    assert result == {
        "Email": "email",
        "Mobil": "-",
        "Telefon": "phone",
        "Kundennr": "attributes.kunden_nr",
    }
    assert errors == {
        "Fax": "The file has no column 'Fax'.",
        "Email": "Unknown field 'fax'; use one of email, first_name, last_name, phone, "
        "company, job_title, country, language, source, utm_source, utm_medium, utm_campaign, "
        "utm_term, utm_content, referrer, url, consent, attributes.<name>, or - to ignore the "
        "column.",
    }


def test_parse_overrides() -> None:
    assert rules.parse_overrides(["E-Mail=email", "a=b=c", "x=", "novalue"]) == (
        {"E-Mail": "email", "a=b": "c"},
        {"x=": "'x=' is not COLUMN=FIELD.", "novalue": "'novalue' is not COLUMN=FIELD."},
    )


def test_dedupe_headers_keeps_both_and_warns() -> None:
    assert rules.dedupe_headers(["E-Mail", "", "e-mail", "E-Mail"]) == (
        ("E-Mail", "column_2", "e-mail (2)", "E-Mail (3)"),
        (
            "The header 'e-mail' appears more than once; column 3 is read as 'e-mail (2)'.",
            "The header 'E-Mail' appears more than once; column 4 is read as 'E-Mail (3)'.",
        ),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", True),
        ("Ja", True),
        ("x", True),
        ("1", True),
        ("yes", True),
        ("TRUE", True),
        ("2024-03-01", True),
        ("01.03.2024", True),
        (1, True),
        (date(2024, 1, 1), True),
        ("nein", False),
        ("", False),
        ("0", False),
        ("no", False),
        ("vielleicht", False),
        (0, False),
        (None, False),
    ],
)
def test_parse_bool(value: Any, expected: bool) -> None:
    assert rules.parse_bool(value) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", 1234.56),
        ("12,5", 12.5),
        ("-0,75", -0.75),
        ("1.234.567,8", 1234567.8),
        ("1234.5", 1234.5),
        ("1,234.5", 1234.5),
        ("42", 42),
        ("0", 0),
        ("01067", "01067"),
        ("+49 30 123", "+49 30 123"),
        ("1.234", "1.234"),
        ("abc", "abc"),
    ],
)
def test_parse_number_decimal_commas(text: str, expected: Any) -> None:
    assert rules.parse_number(text) == expected
    assert type(rules.parse_number(text)) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4930123456.0, "4930123456"),
        (2.5, "2.5"),
        (True, "true"),
        (None, None),
        ("  ", None),
        (datetime(2024, 5, 1), "2024-05-01"),
        (datetime(2024, 5, 1, 9, 30), "2024-05-01T09:30:00"),
        (date(2024, 5, 1), "2024-05-01"),
        ("Text", "Text"),
        (7, "7"),
    ],
)
def test_cell_text(value: Any, expected: str | None) -> None:
    assert rules.cell_text(value) == expected


def test_prepare_row_maps_values_and_refuses_a_long_cell() -> None:
    headers = ("E-Mail", "Vorname", "Umsatz", "Einwilligung", "Notiz", "Fax")
    mapping = {**rules.detect_mapping(headers), "Fax": "-"}
    columns = rules.mapped_columns(headers, mapping)
    row = rules.prepare_row(
        7, headers, ("a@example.com", "Eva", "1.000,5", "ja", "", "123", ""), columns
    )
    assert row.errors == {}
    assert row.marketing_consent is True
    assert row.values == {
        "email": "a@example.com",
        "first_name": "Eva",
        "attributes": {"umsatz": 1000.5},
    }
    long = rules.prepare_row(8, headers, ("a@example.com", "x" * 32_768), columns)
    assert long.errors == {
        "first_name": "The cell in column 'Vorname' has 32,768 characters; at most 32,767 "
        "are accepted."
    }
    one = rules.mapped_columns(("E-Mail",), {"E-Mail": "email"})
    extra = rules.prepare_row(9, ("E-Mail",), ("a@example.com", "b"), one)
    assert extra.errors == {
        "row": "The row has 2 cells but the header only 1 columns; check the delimiter and "
        "the quotes."
    }


@pytest.mark.parametrize(
    ("data", "valid_utf8", "encoding"),
    [
        (b"\xef\xbb\xbfa;b", True, "utf-8-sig"),
        ("Müller".encode(), True, "utf-8"),
        ("Müller €".encode("cp1252"), False, "cp1252"),
        (b"M\xfcller \x8d", False, "latin-1"),
        (b"\x81", False, "latin-1"),
    ],
)
def test_choose_encoding(data: bytes, valid_utf8: bool, encoding: str) -> None:
    assert rules.choose_encoding(data, valid_utf8) == encoding


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n4;5;6\n", ";"),
        ('a,b,c\n1,"2;5",3\n', ","),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('name,note\nx,"a;b;c"\ny,"d;e"\n', ","),
        ("single\nvalue\n", ","),
        ("a;b\n1;2\n3;4\n5;", ";"),
    ],
)
def test_sniff_delimiter(sample: str, delimiter: str) -> None:
    assert rules.sniff_delimiter(sample) == delimiter


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+49 30", "'+49 30"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        ("a=b", "a=b"),
        (5, 5),
        (None, None),
    ],
)
def test_escape_cell(value: Any, escaped: Any) -> None:
    assert rules.escape_cell(value) == escaped


def test_fingerprint_parts_are_independent_of_order() -> None:
    assert rules.fingerprint_parts({"b": "x", "a": "y"}, None) == "sheet=;a=y;b=x"
    assert rules.fingerprint_parts({"a": "y"}, "Leads") == "sheet=Leads;a=y"
