"""`leadwerk privacy export|erase|object|restrict|records` and `leadwerk retention run`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke


def _lead(url: str) -> int:
    db = Database.from_url(url, pool_size=1)
    try:
        with db.transaction() as session:
            result, _ = capture.run_intake(
                session,
                Intake(
                    email="Max.Muster+news@googlemail.com",
                    first_name="=Max",
                    phone="030 5551234",
                    country="DE",
                ),
                actor="test",
            )
            return result.lead_id
    finally:
        db.dispose()


def test_export_by_address_and_erase(
    invoke: Invoke, fresh_database_url: str, tmp_path: Path
) -> None:
    url = ["--database-url", fresh_database_url]
    lead_id = _lead(fresh_database_url)
    out = tmp_path / "export"
    done = invoke("privacy", "export", "maxmuster@gmail.com", "--output", str(out), *url)
    assert done.exit_code == 0, done.output
    assert f"Lead {lead_id}:" in done.stdout
    names = sorted(p.name for p in out.iterdir())
    assert {"person.json", "lead.csv", "touchpoints.csv", "consent-evidence.json"} <= set(names)
    person = json.loads((out / "person.json").read_text(encoding="utf-8"))
    assert person["lead"][0]["email"] == "Max.Muster+news@googlemail.com"
    with (out / "lead.csv").open(encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    assert row["first_name"] == "'=Max"  # escaped against formula injection
    again = invoke("privacy", "export", str(lead_id), "--output", str(out), *url)
    assert again.exit_code == 2
    assert "is not empty" in " ".join(again.stderr.split())

    refused = invoke("privacy", "erase", str(lead_id), *url)
    assert refused.exit_code == 2
    assert "add --yes" in refused.stderr
    erased = invoke("privacy", "erase", "max.muster@gmail.com", "--yes", "--json", *url)
    assert erased.exit_code == 0, erased.output
    report = json.loads(erased.stdout)
    assert (report["lead_id"], report["removed"]["touchpoints"]) == (lead_id, 1)
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as session:
            assert session.scalars(select(Lead)).all() == []
    finally:
        db.dispose()
    gone = invoke("privacy", "erase", "max.muster@gmail.com", "--yes", *url)
    assert gone.exit_code == 1
    assert "No lead is known by 'max.muster@gmail.com'." in " ".join(gone.stderr.split())


def test_object_and_restrict(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    lead_id = str(_lead(fresh_database_url))
    assert "processing restricted" in invoke("privacy", "restrict", lead_id, *url).stdout
    assert "no longer restricted" in invoke("privacy", "restrict", lead_id, "--lift", *url).stdout
    done = invoke("privacy", "object", lead_id, "--to", "marketing", *url)
    assert done.exit_code == 0, done.output
    assert "objection to marketing recorded" in done.stdout
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as session:
            lead = session.get(Lead, int(lead_id))
            assert lead is not None
            assert lead.restricted_at is None
    finally:
        db.dispose()


def test_records_of_processing(
    invoke: Invoke, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADWERK_PRIVACY_CONTROLLER", "Muster GmbH, Berlin")
    monkeypatch.setenv(
        "LEADWERK_PRIVACY_PROCESSORS",
        '[{"name": "Mailhost AG", "service": "email", "country": "DE"},'
        ' {"name": "Cloudy Inc.", "service": "hosting", "country": "US"}]',
    )
    monkeypatch.setenv("LEADWERK_SMTP_URL", "smtp://mail.muster.de:587")
    url = ["--database-url", fresh_database_url]
    text = invoke("privacy", "records", *url)
    assert text.exit_code == 0, text.output
    assert "# Records of processing activities (Art. 30 GDPR)" in text.stdout
    assert "- **Controller:** Muster GmbH, Berlin" in text.stdout
    assert "| Newsletter (`newsletter`) | consent (Art. 6(1)(a) GDPR) | yes |" in text.stdout
    assert "- Cloudy Inc.: hosting (US) — third country" in text.stdout
    assert "- Mail server: mail.muster.de" in text.stdout
    as_json = json.loads(invoke("privacy", "records", "--format", "json", *url).stdout)
    assert as_json["third_country_transfers"] == ["Cloudy Inc."]
    assert as_json["retention"]["technical logs"] == "90 days"


def test_retention_run_and_dry_run(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    dry = invoke("retention", "run", "--dry-run", "--json", *url)
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True
    assert [(c["data_class"], c["days"], c["count"]) for c in report["classes"]] == [
        ("unconfirmed_opt_ins", 30, 0),
        ("inactive_leads", 0, 0),
        ("touchpoints", 0, 0),
        ("tracking", 395, 0),
        ("logs", 90, 0),
    ]
    table = invoke("retention", "run", *url)
    assert table.exit_code == 0, table.output
    assert "unconfirmed_opt_ins" in table.stdout
