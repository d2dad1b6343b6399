"""POST /api/v1/leads with an Idempotency-Key: a retry gets the first answer and changes
nothing; the same key with another body is refused."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.auth.models import AuditEntry
from leadwerk.capture.models import IdempotencyKey
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer

BODY = {"email": "retry@example.com", "first_name": "Rita", "country": "DE"}


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_same_key_and_body_replays_the_first_answer(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    h = {**headers, "Idempotency-Key": "3f0c6a2e-order-1"}
    first = client.post("/api/v1/leads", json=BODY, headers=h)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = client.post("/api/v1/leads", json=BODY, headers=h)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == f"/api/v1/leads/{first.json()['id']}"
    assert (_count(db, Lead), _count(db, Touchpoint), _count(db, IdempotencyKey)) == (1, 1, 1)
    with db.read() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "lead.created")
            )
            == 1
        )


def test_same_key_other_body_is_a_409_and_changes_nothing(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    h = {**headers, "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/leads", json=BODY, headers=h).status_code == 201
    r = client.post("/api/v1/leads", json={**BODY, "first_name": "Other"}, headers=h)
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "The Idempotency-Key 'k-1' was used before with a different body; "
        "use a new key for a new request."
    )
    with db.read() as s:
        assert s.scalars(select(Lead.first_name)).all() == ["Rita"]


def test_keys_belong_to_their_api_key(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    other = bearer(db)
    assert (
        client.post(
            "/api/v1/leads", json=BODY, headers={**headers, "Idempotency-Key": "shared"}
        ).status_code
        == 201
    )
    # Another client's key of the same name is its own: the intake runs (and finds the lead).
    r = client.post("/api/v1/leads", json=BODY, headers={**other, "Idempotency-Key": "shared"})
    assert r.status_code == 200
    assert "idempotent-replayed" not in r.headers
    assert _count(db, IdempotencyKey) == 2


def test_a_refused_body_stores_no_key(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    h = {**headers, "Idempotency-Key": "k-bad"}
    assert client.post("/api/v1/leads", json={"email": "nope"}, headers=h).status_code == 422
    assert _count(db, IdempotencyKey) == 0
    assert client.post("/api/v1/leads", json=BODY, headers=h).status_code == 201


def test_invalid_key_is_named(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/api/v1/leads", json=BODY, headers={**headers, "Idempotency-Key": "x" * 201})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
