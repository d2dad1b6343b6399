"""`leadwerk import leads` and `leadwerk export leads`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select

from leadwerk.consent import service as consent
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import Method
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke
from tests.factories.imports import corpus, write_csv

MAPPING = {
    "Email": "email",
    "First Name": "first_name",
    "Phone": "phone",
    "Country": "country",
    "Language": "language",
}


def _emails(url: str) -> list[str]:
    db = Database.from_url(url, pool_size=1)
    try:
        with db.read() as session:
            return list(session.scalars(select(Lead.email).order_by(Lead.id)))
    finally:
        db.dispose()


def test_import_json_output_and_error_csv(
    invoke: Invoke, fresh_database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "invalid_rows.csv"
    source.write_bytes(corpus("invalid_rows.csv").read_bytes())
    args = (
        "import",
        "leads",
        str(source),
        "--json",
        "--lawful-basis",
        "contract",
        "--evidence",
        "CRM export 2024",
        "--database-url",
        fresh_database_url,
    )
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    errors_file = str(tmp_path / "invalid_rows.csv.errors.csv")
    assert json.loads(r.stdout) == {
        "import_id": 1,
        "rows": 5,
        "created": 1,
        "updated": 0,
        "merged": 0,
        "rejected": 4,
        "errors_file": errors_file,
        "skipped_already_done": 0,
        "encoding": "utf-8",
        "delimiter": ",",
        "sheet": None,
        "mapping": MAPPING,
        "warnings": [],
    }
    assert r.stdout.count("\n") == 1
    with open(errors_file, encoding="utf-8-sig", newline="") as handle:
        report = list(csv.reader(handle))
    assert report == [
        ["row", "errors", "Email", "First Name", "Phone", "Country", "Language"],
        [
            "3",
            "email: 'not-an-email' is not a valid email address: An email address must have "
            "an @-sign.",
            "not-an-email",
            "Bad",
            "",
            "",
            "",
        ],
        [
            "4",
            "phone: 'abc' is not a phone number; write it with the country code, such as "
            "+49 30 1234567.",
            "phone@example.com",
            "Phone",
            "abc",
            "DE",
            "",
        ],
        ["5", "email: A lead needs an email address or a phone number.", "", "Nobody", "", "", ""],
        [
            "6",
            "country: 'Atlantis' is not a country; use a name or an ISO code such as DE.",
            "land@example.com",
            "Land",
            "",
            "Atlantis",
            "",
        ],
    ]
    assert _emails(fresh_database_url) == ["good@example.com"]

    again = invoke(*args, "--errors", str(tmp_path / "second.csv"))
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert (result["import_id"], result["skipped_already_done"], result["created"]) == (1, 5, 1)
    assert result["errors_file"] == str(tmp_path / "second.csv")
    assert _emails(fresh_database_url) == ["good@example.com"]


def test_import_text_output_map_and_source(
    invoke: Invoke, fresh_database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "m.csv", ["Mail;Kundennummer;Fax", "a@cli.example;4711;123"])
    r = invoke(
        "import",
        "leads",
        str(path),
        "--map",
        "Mail=email",
        "--map",
        "Fax=-",
        "--map",
        "Kundennummer=attributes.customer_no",
        "--source",
        "Messe",
        "--lawful-basis",
        "legitimate_interest",
        "--evidence",
        "Visitenkarten",
        "--database-url",
        fresh_database_url,
    )
    assert r.exit_code == 0, r.output
    assert "Import #1: 1 rows, 1 created, 0 updated, 0 merged, 0 rejected." in r.output
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as session:
            lead = session.scalars(select(Lead)).one()
            assert (lead.email, lead.source, lead.attributes) == (
                "a@cli.example",
                "Messe",
                {"customer_no": 4711},
            )
    finally:
        db.dispose()


def test_dry_run_writes_nothing(invoke: Invoke, tmp_sqlite_url: str) -> None:
    r = invoke(
        "import",
        "leads",
        str(corpus("utf8_bom_semicolon.csv")),
        "--dry-run",
        "--json",
        "--database-url",
        tmp_sqlite_url,
    )
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert (result["dry_run"], result["rows"], result["valid"], result["rejected"]) == (
        True,
        2,
        2,
        0,
    )
    assert (result["encoding"], result["delimiter"]) == ("utf-8-sig", ";")
    assert [row["email"] for row in result["preview"]] == [
        "juergen.mueller@example.de",
        "zoe@example.at",
    ]
    text = invoke(
        "import",
        "leads",
        str(corpus("empty_rows.csv")),
        "--dry-run",
        "--database-url",
        tmp_sqlite_url,
    )
    assert text.exit_code == 0, text.output
    assert "Encoding: utf-8, delimiter: ;" in text.output
    assert "Dry run: 2 rows, 2 valid, 0 rejected. Nothing was written." in text.output


def test_bad_options_are_a_one_line_error_with_exit_code_2(
    invoke: Invoke, tmp_sqlite_url: str
) -> None:
    path = str(corpus("utf8_comma.csv"))
    r = invoke("import", "leads", path, "--database-url", tmp_sqlite_url)
    assert r.exit_code == 2
    assert "The import needs a lawful basis and its evidence." in r.output
    assert "lawful_basis: Choose the lawful basis of the import" in r.output
    bad_map = invoke("import", "leads", path, "--map", "Nope=email", "--dry-run")
    assert bad_map.exit_code == 2
    assert "Nope: The file has no column 'Nope'." in bad_map.output
    assert "Traceback" not in bad_map.output + r.output


def test_export_csv_and_xlsx(invoke: Invoke, fresh_database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", ["E-Mail;Firma", "x@export.example;=1+2"])
    r = invoke(
        "import",
        "leads",
        str(path),
        "--lawful-basis",
        "consent",
        "--evidence",
        "Formular",
        "--database-url",
        fresh_database_url,
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / "out.csv"
    e = invoke(
        "export",
        "leads",
        "--format",
        "csv",
        "--output",
        str(out),
        "--q",
        "export.example",
        "--database-url",
        fresh_database_url,
    )
    assert e.exit_code == 0, e.output
    assert f"Exported 1 leads to {out}." in e.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert dict(zip(header, row, strict=True))["company"] == "'=1+2"
    x = invoke(
        "export",
        "leads",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "o.xlsx"),
        "--database-url",
        fresh_database_url,
    )
    assert x.exit_code == 0, x.output
    bad = invoke(
        "export",
        "leads",
        "--output",
        str(out),
        "--stage",
        "famous",
        "--database-url",
        fresh_database_url,
    )
    assert bad.exit_code == 2
    assert "stage: Unknown stage 'famous'" in bad.output


def test_consent_text_records_the_yes_rows_in_the_ledger(
    invoke: Invoke, fresh_database_url: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "messe.csv",
        ["E-Mail;Vorname;Einwilligung", "anna@messe.example;Anna;ja", "bo@messe.example;Bo;nein"],
    )
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as session:
            purpose = consent.get_purpose(session, "sales_contact")
            text_id = consent.current_text(session, purpose, "de").id
    finally:
        db.dispose()
    common = ("--lawful-basis", "consent", "--evidence", "Messe X", "--database-url")
    unknown = invoke(
        "import", "leads", str(path), "--consent-text", "424242", *common, fresh_database_url
    )
    assert unknown.exit_code == 2
    assert "consent_text: There is no consent text 424242" in unknown.output
    assert "Traceback" not in unknown.output
    assert _emails(fresh_database_url) == []
    r = invoke(
        "import", "leads", str(path), "--consent-text", str(text_id), *common, fresh_database_url
    )
    assert r.exit_code == 0, r.output
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as session:
            events = session.scalars(select(ConsentEvent)).all()
            assert [(e.email, e.purpose, e.method) for e in events] == [
                ("anna@messe.example", "sales_contact", Method.IMPORT)
            ]
    finally:
        db.dispose()
