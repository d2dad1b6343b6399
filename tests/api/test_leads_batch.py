"""POST /api/v1/leads:batch: up to 1,000 leads, one answer per item; invalid items fail alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.auth.types import Scope
from leadwerk.delivery.models import OutboxMessage
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.delivery import make_endpoint

URL = "/api/v1/leads:batch"


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _statuses(body: dict[str, Any]) -> list[int]:
    return [item["status"] for item in body["items"]]


def test_each_item_gets_its_own_answer_and_bad_ones_fail_alone(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        make_endpoint(s, event_types=["lead.*"])
    r = client.post(
        URL,
        json={
            "leads": [
                {"email": "anna@acme.de", "first_name": "anna", "job_title": "Head of Sales"},
                {"email": "not-an-address", "first_name": "Bad"},  # fails in the pipeline
                {"email": "ANNA@acme.de", "company": "Acme GmbH"},  # the first one again
                {"first_name": "Nobody"},  # neither email nor phone
                {"emial": "typo@acme.de"},  # unknown field: refused by the schema
                "just a string",
                {"phone": "030 1234567", "country": "DE"},
            ]
        },
        headers=headers,
    )
    assert r.status_code == 200
    body = r.json()
    assert _statuses(body) == [201, 422, 200, 422, 422, 422, 201]
    assert [i["index"] for i in body["items"]] == list(range(7))
    assert (body["created"], body["updated"], body["failed"]) == (2, 1, 4)
    first, bad, again, nobody, typo, string, phone_only = body["items"]
    assert first["lead"]["first_name"] == "Anna"
    assert (first["lead"]["seniority"], first["lead"]["job_function"]) == ("director", "sales")
    assert again["lead"]["id"] == first["lead"]["id"]
    assert again["lead"]["company"] == "Acme GmbH"
    assert bad["lead"] is None
    assert [e["field"] for e in bad["errors"]] == ["email"]
    assert bad["errors"][0]["message"].startswith("'not-an-address' is not a valid email address")
    assert nobody["errors"] == [
        {"field": "email", "message": "A lead needs an email address or a phone number."}
    ]
    assert typo["errors"] == [
        {
            "field": "emial",
            "message": "This field is unknown; check its spelling against the API documentation.",
        }
    ]
    assert string["errors"] == [{"field": "body", "message": "Each item must be a JSON object."}]
    assert phone_only["lead"]["phone"] == "+49301234567"
    assert phone_only["lead"]["phone_status"] == "landline"
    # what was answered as stored is stored; nothing of the failed items
    assert _count(db, Lead) == 2
    assert _count(db, Touchpoint) == 3
    with db.read() as s:
        events = s.scalars(select(OutboxMessage.event_type)).all()
    assert sorted(events) == ["lead.created", "lead.created", "lead.updated"]


def test_the_batch_size_is_checked(client: TestClient, headers: dict[str, str]) -> None:
    empty = client.post(URL, json={"leads": []}, headers=headers)
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "leads"
    too_many = client.post(
        URL, json={"leads": [{"email": f"a{i}@b.de"} for i in range(1001)]}, headers=headers
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "leads"
    assert "1000" in too_many.json()["errors"][0]["message"]


def test_a_thousand_leads_in_one_request(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    leads = [{"email": f"lead{i}@example.com", "last_name": f"L{i}"} for i in range(1000)]
    r = client.post(URL, json={"leads": leads}, headers=headers)
    assert r.status_code == 200
    assert r.json()["created"] == 1000
    assert _count(db, Lead) == 1000


def test_writing_needs_the_write_scope(client: TestClient, db: Database) -> None:
    r = client.post(
        URL, json={"leads": [{"email": "a@b.de"}]}, headers=bearer(db, Scope.LEADS_READ)
    )
    assert r.status_code == 403
    assert _count(db, Lead) == 0


def test_a_replayed_batch_gets_the_first_answer(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    h = {**headers, "Idempotency-Key": "batch-7"}
    payload = {"leads": [{"email": "a@acme.de"}, {"email": "b@acme.de"}]}
    first = client.post(URL, json=payload, headers=h)
    again = client.post(URL, json=payload, headers=h)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert _count(db, Lead) == 2
    other = client.post(URL, json={"leads": [{"email": "c@acme.de"}]}, headers=h)
    assert other.status_code == 409


def test_unknown_field_names_with_control_characters_are_answered_and_replayed(
    client: TestClient, headers: dict[str, str]
) -> None:
    """A fuzz run found a 500 on PostgreSQL: the answer named the field with its NUL byte,
    and the idempotent answer could not be stored as JSON. A lone surrogate broke the
    request's hash the same way."""
    body = (  # JSON escapes: a NUL and a BEL in one field name, a lone surrogate in another
        '{"leads": [{"email": "nul@acme.de", "x\\u0000y\\u0007": 1},'
        ' {"email": "sur@acme.de", "z\\ud800": 1}]}'
    )
    keyed = {**headers, "Idempotency-Key": "nul-in-a-field-name"}
    keyed["Content-Type"] = "application/json"
    first = client.post(URL, content=body, headers=keyed)
    assert first.status_code == 200
    nul, surrogate = first.json()["items"]
    assert [e["field"] for e in nul["errors"]] == ["x\\u0000y\\u0007"]
    assert surrogate["status"] == 422
    assert "unicode" in surrogate["errors"][0]["message"]
    again = client.post(URL, content=body, headers=keyed)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
