"""The consent API: purposes with their text ids, a lead's statuses and history, and the
signed evidence bundle (which `leadwerk consent check-bundle` accepts unchanged only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient
from typer.testing import CliRunner

from leadwerk.auth.types import Scope
from leadwerk.cli.main import app as cli
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer


def _claim_lead(client: TestClient, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    purposes = client.get("/api/v1/consent/purposes", headers=headers).json()["items"]
    by_name = {p["name"]: p for p in purposes}
    sales = next(t for t in by_name["sales_contact"]["texts"] if t["language"] == "de")
    created = client.post(
        "/api/v1/leads",
        json={
            "email": "anna@example.de",
            "consents": [
                {"purpose": "sales_contact", "text_id": sales["id"], "ip": "192.0.2.8"},
                {"purpose": "profiling", "action": "withdraw"},
            ],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], by_name


def test_purposes_list_their_texts(client: TestClient, headers: dict[str, str]) -> None:
    _, by_name = _claim_lead(client, headers)
    assert sorted(by_name) == ["marketing_email", "newsletter", "profiling", "sales_contact"]
    newsletter = by_name["newsletter"]
    assert newsletter["double_opt_in"] is True
    assert [(t["language"], t["version"]) for t in newsletter["texts"]] == [("de", 1), ("en", 1)]


def test_a_leads_statuses_and_history(client: TestClient, headers: dict[str, str]) -> None:
    lead_id, _ = _claim_lead(client, headers)
    answer = client.get(f"/api/v1/leads/{lead_id}/consents", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(s["purpose"], s["status"]) for s in body["statuses"]] == [
        ("profiling", "withdrawn"),
        ("sales_contact", "granted"),
    ]
    assert [(h["seq"], h["kind"], h["method"]) for h in body["history"]] == [
        (2, "withdrawn", "api"),
        (1, "granted", "api"),
    ]
    assert body["history"][1]["ip"] == "192.0.2.8"
    assert len(body["history"][1]["chain_hash"]) == 64
    missing = client.get("/api/v1/leads/999999/consents", headers=headers)
    assert missing.status_code == 404


def test_the_evidence_bundle_is_signed(
    client: TestClient, headers: dict[str, str], tmp_path: Path, settings: Settings
) -> None:
    lead_id, _ = _claim_lead(client, headers)
    answer = client.get(f"/api/v1/leads/{lead_id}/consents/evidence", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="consent-evidence-lead-{lead_id}.json"'
    )
    document = answer.json()
    assert document["format"] == "leadwerk.consent-evidence/1"
    assert document["lead"]["email"] == "anna@example.de"
    assert [e["seq"] for e in document["entries"]] == [1, 2]
    assert document["texts"][0]["text"].startswith("Ja, der Vertrieb darf mich")
    assert document["ledger"]["last_seq"] == 2
    assert document["signature"]["algorithm"] == "HMAC-SHA256"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document), encoding="utf-8")
    bad = tmp_path / "bad.json"
    document["entries"][0]["content"]["ip"] = "192.0.2.99"
    bad.write_text(json.dumps(document), encoding="utf-8")
    env = {
        "LEADWERK_ENVIRONMENT": "dev",
        "LEADWERK_SECRET_KEY": settings.secret_key,
        "LEADWERK_DATABASE_URL": settings.database_url,
    }
    runner = CliRunner()
    accepted = runner.invoke(cli, ["consent", "check-bundle", str(good)], env=env)
    assert accepted.exit_code == 0, accepted.output
    assert "is unchanged: 2 ledger entries" in " ".join(accepted.output.split())
    refused = runner.invoke(cli, ["consent", "check-bundle", str(bad)], env=env)
    assert refused.exit_code == 1
    assert "is not an unchanged evidence bundle of this server" in " ".join(refused.output.split())


def test_consent_needs_the_read_scope(client: TestClient, db: Database) -> None:
    writer = bearer(db, Scope.LEADS_WRITE)
    answer = client.get("/api/v1/consent/purposes", headers=writer)
    assert answer.status_code == 403
