"""/api/v1/duplicates and /api/v1/merges through the whole app, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.types import Scope
from leadwerk.delivery.models import OutboxMessage, WebhookEndpoint
from leadwerk.identity.models import DuplicatePair
from leadwerk.identity.types import PairStatus
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.leads import make_lead

EVIDENCE = [
    {"kind": "first_name", "level": "exact", "left": "anna", "right": "anna", "weight": 6.5},
    {"kind": "email", "level": "different", "left": "a@x.de", "right": "b@y.de", "weight": -8.1},
]


def _pairs(db: Database, count: int) -> list[tuple[int, int, int]]:
    """`count` open pairs of two leads each, most likely first: (pair, left, right)."""
    made = []
    with db.transaction() as session:
        for n in range(count):
            left = make_lead(session, email=f"anna{n}@x.de", first_name="Anna").id
            right = make_lead(session, email=f"anna{n}@y.de", first_name="Anna").id
            pair = DuplicatePair(
                left_lead_id=left,
                right_lead_id=right,
                probability=0.95 - n / 100,
                evidence=EVIDENCE,
                status=PairStatus.OPEN,
            )
            session.add(pair)
            session.flush()
            made.append((pair.id, left, right))
    return made


def test_the_queue_pages_most_likely_first(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    made = _pairs(db, 3)
    first = client.get("/api/v1/duplicates", params={"limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [p["id"] for p in body["items"]] == [made[0][0], made[1][0]]
    item = body["items"][0]
    assert (item["left"]["id"], item["right"]["id"], item["probability"]) == (
        made[0][1],
        made[0][2],
        0.95,
    )
    assert item["evidence"] == EVIDENCE
    rest = client.get(
        "/api/v1/duplicates", params={"limit": 2, "cursor": body["next_cursor"]}, headers=headers
    )
    assert [p["id"] for p in rest.json()["items"]] == [made[2][0]]
    assert rest.json()["next_cursor"] is None
    likely = client.get("/api/v1/duplicates", params={"min_probability": 0.94}, headers=headers)
    assert [p["id"] for p in likely.json()["items"]] == [made[0][0], made[1][0]]
    one = client.get(f"/api/v1/duplicates/{made[1][0]}", headers=headers)
    assert one.json()["right"]["email"] == "anna1@y.de"


def test_merge_a_pair_read_the_merge_and_undo_it(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as session:
        session.add(
            WebhookEndpoint(url="https://hooks.example.com/", secret="s" * 32, event_types=["*"])
        )
    (pair_id, left, right), *_ = _pairs(db, 1)
    merged = client.post(
        f"/api/v1/duplicates/{pair_id}:merge", json={"keep": right}, headers=headers
    )
    assert merged.status_code == 201, merged.text
    record = merged.json()
    assert (record["survivor_id"], record["merged_id"], record["reason"]) == (right, left, "review")
    assert record["probability"] == 0.95
    assert merged.headers["location"] == f"/api/v1/merges/{record['id']}"
    gone = client.get(f"/api/v1/leads/{left}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["detail"] == (
        f"Lead {left} was merged into lead {right} (merge {record['id']})."
    )
    again = client.post(f"/api/v1/duplicates/{pair_id}:merge", headers=headers)
    assert again.status_code == 404
    assert client.get(record and merged.headers["location"], headers=headers).json() == record

    undone = client.post(f"/api/v1/merges/{record['id']}:undo", headers=headers)
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_by"].startswith("api_key:")
    assert client.get(f"/api/v1/leads/{left}", headers=headers).status_code == 200
    twice = client.post(f"/api/v1/merges/{record['id']}:undo", headers=headers)
    assert twice.status_code == 409
    assert twice.json()["detail"] == f"Merge {record['id']} was undone already."
    remembered = client.get(
        "/api/v1/duplicates", params={"status": "not_duplicate"}, headers=headers
    )
    assert [(p["left"]["id"], p["right"]["id"]) for p in remembered.json()["items"]] == [
        (left, right)
    ]
    with db.read() as session:
        events = session.scalars(select(OutboxMessage.event_type)).all()
    assert sorted(set(events) & {"lead.merged", "lead.unmerged"}) == [
        "lead.merged",
        "lead.unmerged",
    ]


def test_merge_two_leads_by_id(client: TestClient, db: Database, headers: dict[str, str]) -> None:
    with db.transaction() as session:
        keep = make_lead(session, email="anna@x.de", first_name="Anna").id
        other = make_lead(session, email="anna@y.de", phone="030 1234567", country="DE").id
    result = client.post(
        "/api/v1/merges", json={"keep_lead_id": keep, "other_lead_id": other}, headers=headers
    )
    assert result.status_code == 201, result.text
    decisions = {d["field"]: d for d in result.json()["decisions"]}
    assert decisions["phone"]["kept"] == "+49301234567"
    assert decisions["phone"]["kept_from"] == "merged"
    lead = client.get(f"/api/v1/leads/{keep}", headers=headers).json()
    assert lead["phone"] == "+49301234567"
    titles = [e["title"] for e in lead["timeline"]]
    assert "lead.merged" in titles
    itself = client.post(
        "/api/v1/merges", json={"keep_lead_id": keep, "other_lead_id": keep}, headers=headers
    )
    assert itself.status_code == 422
    assert itself.json()["errors"] == [
        {"field": "other_lead_id", "message": "A lead cannot be merged with itself."}
    ]


def test_dismiss_and_decide_many(client: TestClient, db: Database, headers: dict[str, str]) -> None:
    made = _pairs(db, 3)
    dismissed = client.post(f"/api/v1/duplicates/{made[0][0]}:dismiss", headers=headers)
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "not_duplicate"
    decided = client.post(
        "/api/v1/duplicates:decide",
        json={"pair_ids": [made[0][0], made[1][0], made[2][0]], "decision": "merge"},
        headers=headers,
    )
    assert decided.status_code == 200, decided.text
    items: list[dict[str, Any]] = decided.json()["items"]
    assert [(i["pair_id"], i["ok"]) for i in items] == [
        (made[0][0], False),
        (made[1][0], True),
        (made[2][0], True),
    ]
    assert items[0]["message"] == f"Pair {made[0][0]} was decided already (not_duplicate)."
    assert client.get("/api/v1/duplicates", headers=headers).json()["items"] == []


def test_the_queue_needs_the_merge_scope(client: TestClient, db: Database) -> None:
    reader = bearer(db, Scope.LEADS_READ, Scope.LEADS_WRITE)
    for method, path in (
        ("get", "/api/v1/duplicates"),
        ("post", "/api/v1/merges/1:undo"),
        ("post", "/api/v1/duplicates/1:dismiss"),
    ):
        answer = client.request(method, path, headers=reader)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["detail"] == "This API key lacks the scope leads:merge."
    steward = bearer(db, Scope.LEADS_MERGE)
    missing = client.post("/api/v1/duplicates/999999:dismiss", headers=steward)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "There is no duplicate pair 999999."
    bad = client.get("/api/v1/duplicates", params={"cursor": "nonsense"}, headers=steward)
    assert bad.status_code == 422
