"""Data subject rights over the API: export as ZIP, erasure, restriction, objection; the
scope privacy:manage; a sales-only key is refused."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.types import Scope
from leadwerk.consent.models import Suppression
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer


def _lead(client: TestClient, headers: dict[str, str]) -> int:
    created = client.post(
        "/api/v1/leads",
        json={"email": "erika@example.de", "phone": "030 1234599", "country": "DE"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_export_zip(client: TestClient, headers: dict[str, str]) -> None:
    lead_id = _lead(client, headers)
    answer = client.get(f"/api/v1/leads/{lead_id}/export", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert {"person.json", "lead.csv", "touchpoints.csv", "consent-evidence.json"} <= set(
        archive.namelist()
    )
    assert json.loads(archive.read("person.json"))["lead"][0]["email"] == "erika@example.de"


def test_erase_restrict_object(client: TestClient, headers: dict[str, str], db: Database) -> None:
    lead_id = _lead(client, headers)
    restricted = client.post(f"/api/v1/leads/{lead_id}:restrict", headers=headers)
    assert restricted.json() == {
        "lead_id": lead_id,
        "restricted": True,
        "profiling_objected": False,
    }
    lifted = client.post(
        f"/api/v1/leads/{lead_id}:restrict", json={"restricted": False}, headers=headers
    )
    assert lifted.json()["restricted"] is False
    objected = client.post(
        f"/api/v1/leads/{lead_id}:object", json={"to": "profiling"}, headers=headers
    )
    assert objected.json()["profiling_objected"] is True
    erased = client.post(f"/api/v1/leads/{lead_id}:erase", headers=headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["touchpoints"] == 1
    assert client.get(f"/api/v1/leads/{lead_id}", headers=headers).status_code == 404
    with db.read() as session:
        assert sorted(session.scalars(select(Suppression.kind))) == ["email", "phone"]
    again = client.post(f"/api/v1/leads/{lead_id}:erase", headers=headers)
    assert again.status_code == 404


def test_privacy_needs_its_scope(client: TestClient, headers: dict[str, str], db: Database) -> None:
    lead_id = _lead(client, headers)
    writer = bearer(db, Scope.LEADS_READ, Scope.LEADS_WRITE)
    refused = client.post(f"/api/v1/leads/{lead_id}:erase", headers=writer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This API key lacks the scope privacy:manage."
    bad = client.post(f"/api/v1/leads/{lead_id}:object", json={"to": "everything"}, headers=headers)
    assert bad.status_code == 422
