"""The import wizard and the export through the UI (TestClient), on both databases."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.types import Role
from leadwerk.capture.imports.models import Import
from leadwerk.consent import service as consent
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import EventKind, Method
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from leadwerk.web import imports as import_views
from tests.factories.imports import corpus
from tests.factories.leads import make_lead
from tests.web.conftest import csrf_token, signed_in

_UPLOAD = re.compile(r"/imports/uploads/([A-Za-z0-9_-]{32})")


@pytest.fixture(autouse=True)
def _uploads_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(import_views, "UPLOADS", tmp_path / "uploads")


def _upload(client: TestClient, name: str, data: bytes) -> tuple[str, str]:
    token = csrf_token(client.get("/imports").text)
    response = client.post(
        "/imports",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = _UPLOAD.search(response.headers["location"])
    assert match is not None
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    return match.group(1), page.text


def test_wizard_detects_previews_and_imports(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    upload_token, page = _upload(client, "messe.csv", corpus("utf8_bom_semicolon.csv").read_bytes())
    assert '<option value="utf-8-sig" selected>' in page
    assert '<option value=";" selected>' in page
    assert 'name="map-2"' in page
    assert '<option value="email" selected>' in page
    assert "The file was read. Check the mapping, then preview or import it." in page
    form = {
        "csrf_token": csrf_token(page),
        "encoding": "utf-8-sig",
        "delimiter": ";",
        **{f"map-{i}": "" for i in range(10)},
        "map-9": "-",  # Umsatz: ignored
        "lawful_basis": "",
        "evidence": "",
        "source": "Messe",
    }
    preview = client.post(f"/imports/uploads/{upload_token}", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert "2 rows: 2 would be imported, 0 rejected. Nothing was written." in preview.text
    assert "juergen.mueller@example.de" in preview.text
    with db.read() as session:
        assert session.scalars(select(Import)).all() == []

    refused = client.post(f"/imports/uploads/{upload_token}", data={**form, "action": "run"})
    assert refused.status_code == 200
    assert "The import did not start. Correct the marked fields." in refused.text
    assert 'id="f-evidence-error"' in refused.text

    run = client.post(
        f"/imports/uploads/{upload_token}",
        data={**form, "action": "run", "lawful_basis": "consent", "evidence": "Messe X, v2"},
        follow_redirects=False,
    )
    assert run.status_code == 303
    with db.read() as session:
        record = session.scalars(select(Import)).one()
        leads = session.scalars(
            select(Lead).where(Lead.email.in_(["juergen.mueller@example.de", "zoe@example.at"]))
        ).all()
    assert run.headers["location"] == f"/imports/{record.id}"
    assert (record.created, record.evidence, record.source) == (2, "Messe X, v2", "Messe")
    assert sorted((lead.source, lead.attributes.get("umsatz")) for lead in leads) == [
        ("Messe", None),
        ("Messe", None),
    ]
    detail = client.get(f"/imports/{record.id}")
    assert detail.status_code == 200
    assert "Messe X, v2" in detail.text
    assert "Completed" in detail.text
    assert "hx-trigger" not in detail.text  # finished: nothing to poll
    listing = client.get("/imports")
    assert f'href="/imports/{record.id}">messe.csv</a>' in listing.text
    assert client.get(f"/imports/uploads/{upload_token}").status_code == 404  # cleaned up


def test_rejected_rows_download(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    upload_token, page = _upload(client, "bad.csv", corpus("invalid_rows.csv").read_bytes())
    run = client.post(
        f"/imports/uploads/{upload_token}",
        data={
            "csrf_token": csrf_token(page),
            "action": "run",
            "lawful_basis": "contract",
            "evidence": "CRM",
        },
        follow_redirects=False,
    )
    location = run.headers["location"]
    detail = client.get(location)
    assert "Download the rejected rows (CSV)" in detail.text
    report = client.get(f"{location}/errors.csv")
    assert report.status_code == 200
    assert report.headers["content-disposition"].endswith('-errors.csv"')
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows] == ["row", "3", "4", "5", "6"]


def test_an_unreadable_upload_is_a_message(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    token = csrf_token(client.get("/imports").text)
    response = client.post(
        "/imports", data={"csrf_token": token}, files={"file": ("x.xlsx", b"PK\x03\x04 junk")}
    )
    assert response.status_code == 200
    assert "The file is not a readable XLSX workbook" in response.text


def test_sales_reps_see_no_imports_and_export_needs_its_permission(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db, Role.SALES)
    assert client.get("/imports").status_code == 403
    assert client.get("/imports/export?format=csv").status_code == 403


def test_export_download_with_filters_and_escaping(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    with db.transaction() as session:
        make_lead(session, email="ui@export.example", company="=2+5")
    page = client.get("/imports")
    assert 'action="/imports/export"' in page.text
    response = client.get("/imports/export?format=csv&q=ui%40export.example")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert dict(zip(header, row, strict=True))["company"] == "'=2+5"
    xlsx = client.get("/imports/export?format=xlsx&q=ui%40export.example")
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    bad = client.get("/imports/export?format=csv&stage=famous")
    assert bad.status_code == 422
    assert "Unknown stage" in bad.text


def test_upload_limit_is_the_import_setting_not_the_body_limit(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    token = csrf_token(client.get("/imports").text)
    lines = ["E-Mail;Notiz"] + [f"p{n}@big.example;{'x' * 200}" for n in range(6000)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 1024 * 1024  # over LEADWERK_MAX_BODY_BYTES
    response = client.post(
        "/imports",
        data={"csrf_token": token},
        files={"file": ("big.csv", data)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.post("/leads", content=data).status_code == 413


def test_uploads_nobody_imported_are_swept_after_a_day(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    old_token, _page = _upload(client, "old.csv", corpus("utf8_comma.csv").read_bytes())
    old = import_views.UPLOADS / old_token
    day_ago = old.stat().st_mtime - import_views.UPLOAD_MAX_AGE_SECONDS - 1
    os.utime(old, (day_ago, day_ago))
    new_token, _page = _upload(client, "new.csv", corpus("utf8_comma.csv").read_bytes())
    assert sorted(p.name for p in import_views.UPLOADS.iterdir()) == [new_token]


def test_wizard_records_consent_with_the_chosen_text(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    with db.read() as session:
        purpose = consent.get_purpose(session, "sales_contact")
        text_id = consent.current_text(session, purpose, "de").id
    data = "E-Mail;Vorname;Nachname;Einwilligung\nanna@example.de;Anna;Albers;ja\n"
    upload_token, page = _upload(client, "messe.csv", data.encode())
    assert '<select id="f-consent_text" name="consent_text"' in page
    assert f'<option value="{text_id}">' in page
    form = {
        "csrf_token": csrf_token(page),
        "action": "run",
        "lawful_basis": "consent",
        "evidence": "Messe X, Formular v3",
    }
    refused = client.post(
        f"/imports/uploads/{upload_token}", data={**form, "consent_text": "999999"}
    )
    assert refused.status_code == 422
    assert 'id="f-consent_text-error"' in refused.text
    with db.read() as session:
        assert session.scalars(select(Import)).all() == []

    run = client.post(
        f"/imports/uploads/{upload_token}",
        data={**form, "consent_text": str(text_id)},
        follow_redirects=False,
    )
    assert run.status_code == 303
    with db.read() as session:
        lead_id = session.scalars(select(Lead.id).where(Lead.email == "anna@example.de")).one()
        events = session.scalars(select(ConsentEvent)).all()
        assert [(e.lead_id, e.method, e.text_id, e.kind) for e in events] == [
            (lead_id, Method.IMPORT, text_id, EventKind.GRANTED)
        ]
