"""Export to CSV and XLSX: the lead list's filters and visibility, and formula escaping."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from leadwerk.auth.rules import LeadVisibility
from leadwerk.capture.imports import export
from leadwerk.leads import queries
from leadwerk.leads.types import Stage
from leadwerk.storage.engine import Database
from tests.factories.auth import make_user
from tests.factories.leads import make_lead

EVERYTHING = LeadVisibility(everything=True)
DANGEROUS = {
    "company": '=HYPERLINK("http://evil.example","Klick")',
    "job_title": "+SUM(1+1)",
    "last_name": "-2+3",
    "first_name": "@cmd",
}


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _export(
    db: Database,
    fmt: export.ExportFormat,
    spec: queries.LeadFilter,
    visibility: LeadVisibility = EVERYTHING,
) -> bytes:
    out = io.BytesIO()
    with db.read() as session:
        export.write(export.lead_rows(session, spec, visibility), out, fmt)
    return out.getvalue()


def test_formula_cells_are_escaped_in_csv_and_xlsx(db: Database) -> None:
    with db.transaction() as session:
        lead = make_lead(session, email="formula@export.example", **DANGEROUS)
        lead_id = lead.id
    spec = queries.parse_filter({"q": "formula@export.example"})
    rows = _csv(_export(db, export.ExportFormat.CSV, spec))
    header, row = rows
    values = dict(zip(header, row, strict=True))
    assert values["id"] == str(lead_id)
    assert {k: values[k] for k in DANGEROUS} == {
        "company": '\'=HYPERLINK("http://evil.example","Klick")',
        "job_title": "'+SUM(1+1)",
        "last_name": "'-2+3",
        "first_name": "'@cmd",
    }
    assert values["email"] == "formula@export.example"

    book = load_workbook(io.BytesIO(_export(db, export.ExportFormat.XLSX, spec)))
    sheet = book["Leads"]
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert cells[0] == header
    xlsx_values = dict(zip(cells[0], cells[1], strict=True))
    assert {k: xlsx_values[k] for k in DANGEROUS} == {k: values[k] for k in DANGEROUS}
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)  # no formula cells


def test_export_honours_filters_and_visibility(db: Database) -> None:
    with db.transaction() as session:
        rep = make_user(session)
        mine = make_lead(session, email="mine@vis.example", owner_id=rep.id)
        make_lead(session, email="other@vis.example")
        won = make_lead(session, email="won@vis.example", stage=Stage.CUSTOMER)
        mine_id, won_id = mine.id, won.id
    spec = queries.parse_filter({"q": "vis.example"})
    everything = _csv(_export(db, export.ExportFormat.CSV, spec))
    assert [r[1] for r in everything[1:]] == [
        "won@vis.example",
        "other@vis.example",
        "mine@vis.example",
    ]
    own = LeadVisibility(everything=False, owner_id=rep.id)
    assert [r[0] for r in _csv(_export(db, export.ExportFormat.CSV, spec, own))[1:]] == [
        str(mine_id)
    ]
    customers = queries.parse_filter({"q": "vis.example", "stage": "customer"})
    assert [r[0] for r in _csv(_export(db, export.ExportFormat.CSV, customers))[1:]] == [
        str(won_id)
    ]


def test_a_long_export_pages_through_every_lead(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PAGE", 2)
    with db.transaction() as session:
        for n in range(5):
            make_lead(session, email=f"p{n}@page.example")
    rows = _csv(_export(db, export.ExportFormat.CSV, queries.parse_filter({"q": "page.example"})))
    assert [r[1] for r in rows[1:]] == [f"p{n}@page.example" for n in (4, 3, 2, 1, 0)]


def test_an_empty_export_has_a_header(db: Database) -> None:
    spec = queries.parse_filter({"q": "nobody-at-all.example"})
    assert _csv(_export(db, export.ExportFormat.CSV, spec)) == [list(export.EMPTY_HEADER)]
