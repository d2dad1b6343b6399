"""/api/v1/webhooks and /api/v1/outbox through the whole app, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.models import AuditEntry
from leadwerk.auth.types import Scope
from leadwerk.delivery.models import OutboxMessage, WebhookEndpoint
from leadwerk.delivery.ports import FakeWebhookSender, SendResult
from leadwerk.delivery.types import MessageStatus
from leadwerk.delivery.worker import Worker, WorkerConfig
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.delivery import make_endpoint, make_message

HOOK = {
    "url": "https://crm.example.com/hooks/leadwerk",
    "event_types": ["lead.created", "lead.updated"],
    "description": "CRM sync",
}


def _create(client: TestClient, headers: dict[str, str], **overrides: object) -> dict:
    r = client.post("/api/v1/webhooks", json={**HOOK, **overrides}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _actions(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.subject_id)
            .where(AuditEntry.subject_type.in_(["webhook", "outbox_message", "outbox"]))
            .order_by(AuditEntry.id)
        ).all()
    return [(a, sid) for a, sid in rows]


# --- webhooks --------------------------------------------------------------------------------


def test_create_shows_the_secret_once(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    r = client.post("/api/v1/webhooks", json=HOOK, headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["location"] == f"/api/v1/webhooks/{created['id']}"
    with db.read() as s:
        stored = s.get(WebhookEndpoint, created["id"])
        assert stored is not None
        secret = stored.secret
    assert created == {
        "id": created["id"],
        "url": "https://crm.example.com/hooks/leadwerk",
        "description": "CRM sync",
        "event_types": ["lead.created", "lead.updated"],
        "active": True,
        "secret": secret,
        "secret_hint": "…" + secret[-4:],
        "created_at": created["created_at"],
        "created_by": created["created_by"],
    }
    assert created["created_by"].startswith("api_key:")
    assert datetime.fromisoformat(created["created_at"]).tzinfo is not None

    one = client.get(f"/api/v1/webhooks/{created['id']}", headers=headers).json()
    listed = client.get("/api/v1/webhooks", headers=headers).json()
    assert "secret" not in one
    assert one == {k: v for k, v in created.items() if k != "secret"}
    assert listed == [one]
    assert _actions(db) == [("webhook.created", str(created["id"]))]


def test_invalid_webhooks_are_refused_naming_each_field(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/webhooks",
        json={"url": "ftp://example.com", "event_types": ["lead.exploded"]},
        headers=headers,
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {"field": "url", "message": "The URL must start with https:// (or http://)."},
        {
            "field": "event_types",
            "message": "Unknown event type 'lead.exploded'; choose from *, lead.*, "
            "import.*, lead.created, lead.updated, lead.merged, lead.unmerged, import.completed.",
        },
    ]
    r = client.post(
        "/api/v1/webhooks", json={"url": "https://x.example", "secret": "mine"}, headers=headers
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"event_types", "secret"}
    assert client.get("/api/v1/webhooks", headers=headers).json() == []


def test_patch_changes_the_given_fields(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    created = _create(client, headers)
    url = f"/api/v1/webhooks/{created['id']}"
    r = client.patch(
        url, json={"event_types": ["*"], "active": False, "description": None}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["url"], body["event_types"], body["active"], body["description"]) == (
        HOOK["url"],
        ["*"],
        False,
        None,
    )
    r = client.patch(url, json={"url": "not a url"}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "url", "message": "The URL must not contain spaces or control characters."}
    ]
    r = client.patch(url, json={"active": True, "unknown": 1}, headers=headers)
    assert r.status_code == 422
    assert client.get(url, headers=headers).json()["active"] is False
    assert _actions(db) == [
        ("webhook.created", str(created["id"])),
        ("webhook.updated", str(created["id"])),
        ("webhook.deactivated", str(created["id"])),
    ]


def test_rotate_secret_returns_the_new_secret(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    created = _create(client, headers)
    r = client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", headers=headers)
    assert r.status_code == 200
    rotated = r.json()
    assert rotated["secret"] != created["secret"]
    assert rotated["secret"].startswith("whsec_")
    with db.read() as s:
        stored = s.get(WebhookEndpoint, created["id"])
        assert stored is not None
        assert stored.secret == rotated["secret"]
    one = client.get(f"/api/v1/webhooks/{created['id']}", headers=headers).json()
    assert one["secret_hint"] == "…" + rotated["secret"][-4:]


def test_delete_removes_the_webhook(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    created = _create(client, headers)
    url = f"/api/v1/webhooks/{created['id']}"
    r = client.delete(url, headers=headers)
    assert (r.status_code, r.content) == (204, b"")
    r = client.get(url, headers=headers)
    assert r.status_code == 404
    assert r.json()["detail"] == f"There is no webhook with id {created['id']}."
    assert client.delete(url, headers=headers).status_code == 404
    assert _actions(db)[-1] == ("webhook.deleted", str(created["id"]))


def test_event_types_are_listed(client: TestClient, headers: dict[str, str]) -> None:
    r = client.get("/api/v1/webhooks/event-types", headers=headers)
    assert r.json() == {
        "event_types": [
            "lead.created",
            "lead.updated",
            "lead.merged",
            "lead.unmerged",
            "import.completed",
        ],
        "patterns": ["*", "lead.*", "import.*"],
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks/1"),
        ("PATCH", "/api/v1/webhooks/1"),
        ("DELETE", "/api/v1/webhooks/1"),
        ("POST", "/api/v1/webhooks/1/rotate-secret"),
        ("GET", "/api/v1/outbox"),
        ("GET", "/api/v1/outbox/counts"),
        ("POST", "/api/v1/outbox/retry-dead"),
        ("GET", "/api/v1/outbox/1"),
        ("POST", "/api/v1/outbox/1/retry"),
    ],
)
def test_each_route_needs_its_scope(
    client: TestClient, db: Database, method: str, path: str
) -> None:
    needed = Scope.OUTBOX_MANAGE if "/outbox" in path else Scope.WEBHOOKS_MANAGE
    other = Scope.WEBHOOKS_MANAGE if needed is Scope.OUTBOX_MANAGE else Scope.OUTBOX_MANAGE
    body = HOOK if (method, path) == ("POST", "/api/v1/webhooks") else None
    assert client.request(method, path, json=body).status_code == 401
    r = client.request(method, path, json=body, headers=bearer(db, Scope.LEADS_WRITE, other))
    assert r.status_code == 403
    assert r.json()["detail"] == f"This API key lacks the scope {needed.value}."
    r = client.request(method, path, json=body, headers=bearer(db, needed))
    assert r.status_code not in (401, 403)


def test_bad_ids_are_named(client: TestClient, headers: dict[str, str]) -> None:
    r = client.get("/api/v1/webhooks/abc", headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "endpoint_id"
    r = client.get("/api/v1/outbox/0", headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "message_id"
    r = client.get(f"/api/v1/outbox/{2**63}", headers=headers)
    assert r.status_code == 422
    r = client.get("/api/v1/outbox", params={"status": "lost", "limit": 500}, headers=headers)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"status", "limit"}


# --- outbox ----------------------------------------------------------------------------------


def _failing_round(db: Database) -> None:
    """One worker round whose receiver answers 500, with a single attempt allowed."""
    sender = FakeWebhookSender(respond=lambda r: SendResult(status_code=500, excerpt="down"))
    Worker("api-test", db, WorkerConfig(max_attempts=1), sender).run_once()


def test_outbox_list_pages_and_filters(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        endpoint = make_endpoint(s)
        ids = [make_message(s, endpoint).id for _ in range(3)]
        dead = make_message(s, endpoint, status=MessageStatus.DEAD, attempts=8).id
    page1 = client.get("/api/v1/outbox", params={"limit": 2}, headers=headers).json()
    assert [m["id"] for m in page1["items"]] == [dead, ids[2]]
    assert page1["next_before_id"] == ids[2]
    page2 = client.get(
        "/api/v1/outbox", params={"limit": 2, "before_id": ids[2]}, headers=headers
    ).json()
    assert ([m["id"] for m in page2["items"]], page2["next_before_id"]) == ([ids[1], ids[0]], None)
    only_dead = client.get("/api/v1/outbox", params={"status": "dead"}, headers=headers).json()
    assert [(m["id"], m["status"], m["attempts"]) for m in only_dead["items"]] == [
        (dead, "dead", 8)
    ]
    by_endpoint = client.get(
        "/api/v1/outbox", params={"endpoint_id": endpoint.id + 1}, headers=headers
    ).json()
    assert by_endpoint == {"items": [], "next_before_id": None}
    assert client.get("/api/v1/outbox/counts", headers=headers).json() == {
        "pending": 3,
        "delivered": 0,
        "dead": 1,
    }


def test_a_dead_lead_event_is_shown_with_its_log_and_retried(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    hook = _create(client, headers, event_types=["lead.*"])
    lead = client.post("/api/v1/leads", json={"email": "eva@example.org"}, headers=headers).json()
    _failing_round(db)
    with db.read() as s:
        message_id = s.scalars(select(OutboxMessage.id)).one()

    r = client.get(f"/api/v1/outbox/{message_id}", headers=headers)
    assert r.status_code == 200
    detail = r.json()
    assert (detail["status"], detail["attempts"], detail["last_error"], detail["claimed_by"]) == (
        "dead",
        1,
        "HTTP 500: down",
        None,
    )
    assert (detail["kind"], detail["event_type"], detail["endpoint_id"]) == (
        "webhook",
        "lead.created",
        hook["id"],
    )
    assert detail["delivery_id"] == f"{detail['payload']['id']}:{hook['id']}"
    assert detail["payload"]["data"]["id"] == lead["id"]
    assert [
        (
            a["attempt"],
            a["worker"],
            a["succeeded"],
            a["status_code"],
            a["error"],
            a["response_excerpt"],
        )
        for a in detail["delivery_log"]
    ] == [(1, "api-test", False, 500, "HTTP 500: down", "down")]

    r = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["attempts"]) == ("pending", 0)
    assert client.get("/api/v1/outbox/counts", headers=headers).json() == {
        "pending": 1,
        "delivered": 0,
        "dead": 0,
    }
    assert _actions(db)[-1] == ("outbox.retried", str(message_id))


def test_retry_refuses_delivered_and_unknown_messages(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        delivered = make_message(s, make_endpoint(s), status=MessageStatus.DELIVERED).id
    r = client.post(f"/api/v1/outbox/{delivered}/retry", headers=headers)
    assert r.status_code == 409
    assert r.json()["detail"] == (
        f"Message {delivered} was delivered already; it is not sent again."
    )
    r = client.post(f"/api/v1/outbox/{delivered + 1}/retry", headers=headers)
    assert r.status_code == 404
    assert client.get(f"/api/v1/outbox/{delivered + 1}", headers=headers).status_code == 404


def test_retry_dead_for_all_or_one_webhook(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        a, b = make_endpoint(s), make_endpoint(s)
        for endpoint in (a, a, b):
            make_message(s, endpoint, status=MessageStatus.DEAD, attempts=8)
    r = client.post("/api/v1/outbox/retry-dead", json={"endpoint_id": b.id}, headers=headers)
    assert r.json() == {"retried": 1}
    r = client.post("/api/v1/outbox/retry-dead", headers=headers)
    assert r.json() == {"retried": 2}
    r = client.post("/api/v1/outbox/retry-dead", json={"endpoint_id": 0}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "endpoint_id"
