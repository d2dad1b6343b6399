"""Reading the awkward-file corpus: detected layout and the records, exactly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from leadwerk.capture.imports import reader
from leadwerk.capture.imports.types import FileKind, RawRow
from leadwerk.errors import ValidationFailed
from tests.factories.imports import corpus, write_csv, write_workbook


def _rows(path: Path, **options: str) -> list[RawRow]:
    return list(reader.read_rows(path, reader.inspect(path, **options)))


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "headers"),
    [
        (
            "utf8_comma.csv",
            "utf-8",
            ",",
            (
                "First Name",
                "Last Name",
                "Email",
                "Phone",
                "Company",
                "Job Title",
                "Country",
                "Consent",
            ),
        ),
        (
            "utf8_bom_semicolon.csv",
            "utf-8-sig",
            ";",
            (
                "Vorname",
                "Nachname",
                "E-Mail-Adresse",
                "Telefon",
                "Unternehmen",
                "Straße",
                "PLZ",
                "Ort",
                "Land",
                "Umsatz",
            ),
        ),
        (
            "cp1252_semicolon.csv",
            "cp1252",
            ";",
            ("Vorname", "Nachname", "E-Mail", "Firma", "Notiz"),
        ),
        ("latin1_tab.tsv", "latin-1", "\t", ("Vorname", "Nachname", "E-Mail", "Ort", "Code")),
        (
            "pipe_quoted_newlines.csv",
            "utf-8",
            "|",
            ("E-Mail", "Vorname", "Nachname", "Bemerkung", "Umsatz"),
        ),
        ("empty_rows.csv", "utf-8", ";", ("Vorname", "Nachname", "E-Mail")),
    ],
)
def test_encoding_delimiter_and_headers(
    name: str, encoding: str, delimiter: str, headers: tuple[str, ...]
) -> None:
    layout = reader.inspect(corpus(name))
    assert (layout.kind, layout.encoding, layout.delimiter) == (FileKind.CSV, encoding, delimiter)
    assert layout.headers == headers
    assert layout.warnings == ()


def test_windows_1252_and_latin_1_characters() -> None:
    assert _rows(corpus("cp1252_semicolon.csv")) == [
        RawRow(2, ("Björn", "Öztürk", "bjoern@example.de", "Bäckerei „Süß“", "Budget 5.000 €"))
    ]
    assert _rows(corpus("latin1_tab.tsv")) == [
        RawRow(2, ("Jürgen", "Groß", "gross@example.de", "München", "A\x8d1"))
    ]


def test_quoted_newlines_and_formula_cells_are_read_as_text() -> None:
    assert _rows(corpus("pipe_quoted_newlines.csv")) == [
        RawRow(2, ("lena@example.de", "Lena", "Vogel", "Zeile eins\nZeile zwei", "1.000,50")),
        RawRow(
            3, ("max@example.de", "Max", "Mustermann", '=HYPERLINK("http://evil.example")', "7,25")
        ),
    ]


def test_broken_quotes_become_rows_with_an_error() -> None:
    assert _rows(corpus("broken_quotes.csv")) == [
        RawRow(2, ("one@example.com", "One", "fine")),
        RawRow(
            3,
            (),
            "The record ending on line 3 cannot be read: ',' expected after '\"' "
            "(check the quotes).",
        ),
        RawRow(4, ("three@example.com", "Three", "fine")),
        RawRow(
            5,
            (),
            "The record ending on line 6 cannot be read: unexpected end of data "
            "(check the quotes).",
        ),
    ]


def test_empty_rows_are_kept_with_their_numbers() -> None:
    rows = _rows(corpus("empty_rows.csv"))
    assert [(r.number, r.values) for r in rows] == [
        (3, ()),
        (4, ("", "", "")),
        (5, ("Anna", "Berg", "anna@example.de")),
        (6, (" ",)),
        (7, ("", "", "")),
        (8, ()),
        (9, ("Otto", "Kraus", "otto@example.de")),
        (10, ()),
    ]


def test_duplicate_headers_are_kept_and_renamed_with_a_warning() -> None:
    layout = reader.inspect(corpus("duplicate_headers.csv"))
    assert layout.headers == ("E-Mail", "Vorname", "E-Mail (2)", "Telefon", "Telefon (2)")
    assert layout.warnings == (
        "The header 'E-Mail' appears more than once; column 3 is read as 'E-Mail (2)'.",
        "The header 'Telefon' appears more than once; column 5 is read as 'Telefon (2)'.",
    )


def test_a_100000_character_cell_is_read_whole(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        ["Email;Notes", f"a@example.com;{'x' * 100_000}", "b@example.com;short"],
    )
    rows = _rows(path)
    assert [len(r.values[1]) for r in rows] == [100_000, 5]


def test_a_cell_over_the_field_limit_is_a_row_error(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "huge.csv",
        ["Email;Notes", f"a@example.com;{'x' * 1_100_000}", "b@example.com;short"],
    )
    rows = _rows(path)
    assert rows[0] == RawRow(
        2,
        (),
        "A cell ending on line 2 is longer than 1,048,576 characters (a quote that is "
        "never closed?); the record was skipped.",
    )
    assert rows[-1].values == ("b@example.com", "short")


def test_options_override_detection(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["a;b,c", "1;2,3"])
    layout = reader.inspect(path, delimiter=",", encoding="latin-1")
    assert (layout.headers, layout.encoding, layout.delimiter) == (("a;b", "c"), "iso8859-1", ",")
    assert reader.inspect(path, delimiter="tab").delimiter == "\t"
    with pytest.raises(ValidationFailed) as caught:
        reader.inspect(path, delimiter=";;", encoding="klingon")
    assert caught.value.errors == {
        "encoding": "Unknown encoding 'klingon'; use one of utf-8, utf-8-sig, cp1252, latin-1.",
        "delimiter": "The delimiter is one character, such as ; or , (or tab).",
    }


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\n\n;;\n")
    with pytest.raises(ValidationFailed) as caught:
        reader.inspect(path)
    assert caught.value.errors == {"file": "The file has no header row."}


def test_xlsx_default_is_the_first_sheet_with_data(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "book.xlsx",
        {
            "Deckblatt": [],
            "Messe": [
                ["Vorname", "E-Mail", "Telefon", "Umsatz", "Erfasst"],
                ["Eva", "eva@example.de", 4930123456, 1234.5, datetime(2024, 3, 1)],
                [None, None, None, None, None],
                ["Tom", "tom@example.de", None, 7, datetime(2024, 3, 2, 14, 30)],
            ],
            "Archiv": [["E-Mail"], ["old@example.de"]],
        },
    )
    layout = reader.inspect(path)
    assert (layout.kind, layout.sheet, layout.sheets) == (
        FileKind.XLSX,
        "Messe",
        ("Deckblatt", "Messe", "Archiv"),
    )
    assert layout.headers == ("Vorname", "E-Mail", "Telefon", "Umsatz", "Erfasst")
    assert (layout.encoding, layout.delimiter) == (None, None)
    assert list(reader.read_rows(path, layout)) == [
        RawRow(2, ("Eva", "eva@example.de", 4930123456, 1234.5, datetime(2024, 3, 1))),
        RawRow(3, ()),
        RawRow(4, ("Tom", "tom@example.de", None, 7, datetime(2024, 3, 2, 14, 30))),
    ]
    archive = reader.inspect(path, sheet="Archiv")
    assert (archive.sheet, archive.headers) == ("Archiv", ("E-Mail",))
    with pytest.raises(ValidationFailed) as caught:
        reader.inspect(path, sheet="Nope")
    assert caught.value.errors == {
        "sheet": "There is no sheet 'Nope'; the workbook has Deckblatt, Messe, Archiv."
    }


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValidationFailed) as caught:
        reader.inspect(path)
    assert list(caught.value.errors) == ["file"]
    assert caught.value.errors["file"].startswith("The file is not a readable XLSX workbook: ")
