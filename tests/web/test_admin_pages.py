"""Deliveries (outbox, delivery log, retry), webhooks, API keys and users: the admin pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.auth.models import ApiKey, AuditEntry
from leadwerk.auth.types import Role
from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import MessageKind, MessageStatus
from leadwerk.storage.engine import Database
from tests.web.conftest import csrf_token, page_token, signed_in, user

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _endpoint(db: Database, url: str = "https://crm.example.com/hooks/in") -> WebhookEndpoint:
    with db.transaction() as s:
        return delivery.create_endpoint(
            s, url=url, event_types=["lead.*"], description="CRM", actor="test"
        )


def _message(
    db: Database, endpoint_id: int, status: MessageStatus, *, attempts: int = 8, key: str = "k1"
) -> int:
    with db.transaction() as s:
        message = OutboxMessage(
            kind=MessageKind.WEBHOOK,
            event_type="lead.created",
            idempotency_key=key,
            endpoint_id=endpoint_id,
            payload={"id": key, "type": "lead.created", "data": {"id": 7, "company": "<b>X</b>"}},
            status=status,
            attempts=attempts,
            next_attempt_at=T0,
            last_error="HTTP 503 from the receiver"
            if status is not MessageStatus.DELIVERED
            else None,
            created_at=T0,
            delivered_at=T0 if status is MessageStatus.DELIVERED else None,
        )
        s.add(message)
        s.flush()
        for n in range(1, min(attempts, 2) + 1):
            s.add(
                DeliveryAttempt(
                    message_id=message.id,
                    attempt=n,
                    started_at=T0 + timedelta(minutes=n),
                    duration_ms=120 + n,
                    worker="w1",
                    succeeded=False,
                    status_code=503,
                    error="HTTP 503",
                    response_excerpt="<h1>Service Unavailable</h1>",
                )
            )
        return message.id


def test_deliveries_show_counts_and_filter_by_status(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    endpoint = _endpoint(db)
    dead = _message(db, endpoint.id, MessageStatus.DEAD, key="dead-1")
    _message(db, endpoint.id, MessageStatus.DELIVERED, attempts=1, key="ok-1")
    _message(db, endpoint.id, MessageStatus.DELIVERED, attempts=1, key="ok-2")
    r = client.get("/deliveries")
    assert r.status_code == 200
    counts = re.findall(r'<span class="count[^"]*">(\d+)</span>', r.text)
    assert counts == ["3", "0", "2", "1", "0"]  # all, pending, delivered, dead, dropped
    dead_only = client.get("/deliveries?status=dead")
    rows = re.findall(r'<a href="/deliveries/(\d+)">', dead_only.text)
    assert rows == [str(dead)]
    assert "https://crm.example.com/hooks/in" in dead_only.text
    assert "HTTP 503 from the receiver" in dead_only.text
    assert client.get("/deliveries?status=lost").status_code == 422


def test_retry_button_sends_a_dead_message_again(client: TestClient, db: Database) -> None:
    admin = signed_in(client, db)
    endpoint = _endpoint(db)
    dead = _message(db, endpoint.id, MessageStatus.DEAD)
    detail = client.get(f"/deliveries/{dead}")
    assert detail.status_code == 200
    attempts = re.findall(
        r'<th scope="row" data-label="Attempt">(\d+)</th>.*?data-label="HTTP status">(\d+)</td>'
        r'.*?data-label="Duration">(\d+ ms)</td>',
        detail.text,
        flags=re.S,
    )
    assert attempts == [("1", "503", "121 ms"), ("2", "503", "122 ms")]
    assert "&lt;h1&gt;Service Unavailable&lt;/h1&gt;" in detail.text
    assert "&#34;company&#34;: &#34;&lt;b&gt;X&lt;/b&gt;&#34;" in detail.text
    r = client.post(
        f"/deliveries/{dead}/retry",
        data={"csrf_token": page_token(client, f"/deliveries/{dead}")},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, f"/deliveries/{dead}?notice=retried")
    with db.read() as s:
        message = s.get(OutboxMessage, dead)
        assert message is not None
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
        actions = list(
            s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "outbox.retried"))
        )
        assert actions == [f"user:{admin.id}"]
    assert "The message will be sent again in a moment." in client.get(r.headers["location"]).text


def test_a_delivered_message_has_no_retry(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    endpoint = _endpoint(db)
    done = _message(db, endpoint.id, MessageStatus.DELIVERED, attempts=1)
    detail = client.get(f"/deliveries/{done}")
    assert "/retry" not in detail.text
    r = client.post(
        f"/deliveries/{done}/retry", data={"csrf_token": page_token(client, f"/deliveries/{done}")}
    )
    assert r.status_code == 409
    assert f"Message {done} was delivered already; it is not sent again." in r.text


def test_creating_a_webhook_shows_its_secret_once(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    form = client.get("/webhooks")
    assert 'name="event_types" value="lead.created"' in form.text
    r = client.post(
        "/webhooks",
        data={
            "url": "https://crm.example.com/in",
            "description": "CRM <sync>",
            "event_types": ["lead.created", "lead.updated"],
            "csrf_token": csrf_token(form.text),
        },
    )
    assert r.status_code == 200
    with db.read() as s:
        endpoint = s.scalars(select(WebhookEndpoint)).one()
    assert endpoint.event_types == ["lead.created", "lead.updated"]
    assert endpoint.description == "CRM <sync>"
    assert r.text.count(endpoint.secret) == 1
    assert r.headers["cache-control"] == "no-store"
    listing = client.get("/webhooks")
    assert endpoint.secret not in listing.text
    assert "CRM &lt;sync&gt;" in listing.text


def test_an_invalid_webhook_keeps_the_input(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.post(
        "/webhooks",
        data={
            "url": "ftp://files.example.com",
            "description": "x",
            "csrf_token": page_token(client),
        },
    )
    assert r.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>', r.text))
    assert errors == {
        "url": "The URL must start with https:// (or http://).",
        "event_types": "Choose at least one event type.",
    }
    assert 'value="ftp://files.example.com"' in r.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_pause_rotate_and_delete_a_webhook(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    endpoint = _endpoint(db)
    token = page_token(client, "/webhooks")
    r = client.post(
        f"/webhooks/{endpoint.id}/active",
        data={"active": "false", "csrf_token": token},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/webhooks?notice=deactivated")
    assert '<span class="badge badge--paused">Paused</span>' in client.get("/webhooks").text
    rotated = client.post(f"/webhooks/{endpoint.id}/rotate", data={"csrf_token": token})
    with db.read() as s:
        fresh = s.get(WebhookEndpoint, endpoint.id)
        assert fresh is not None
    assert fresh.secret != endpoint.secret
    assert rotated.text.count(fresh.secret) == 1
    confirm = client.get(f"/webhooks/{endpoint.id}/delete")
    assert "<h1>Delete this webhook?</h1>" in confirm.text
    with db.read() as s:
        assert s.get(WebhookEndpoint, endpoint.id) is not None  # asking deletes nothing
    gone = client.post(
        f"/webhooks/{endpoint.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert (gone.status_code, gone.headers["location"]) == (303, "/webhooks?notice=deleted")
    with db.read() as s:
        assert s.get(WebhookEndpoint, endpoint.id) is None
    assert client.get(f"/webhooks/{endpoint.id}/delete").status_code == 404


def test_api_keys_are_shown_once_and_can_be_revoked(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.post(
        "/api-keys",
        data={
            "name": "Website form",
            "scopes": ["leads:write"],
            "csrf_token": page_token(client, "/api-keys"),
        },
    )
    assert r.status_code == 200
    secret = re.findall(
        r'<code id="secret" class="secret__value">(lw_[0-9a-f]+_[A-Za-z0-9-]+)</code>', r.text
    )
    assert len(secret) == 1
    api = client.post(
        "/api/v1/leads",
        json={"email": "from-the-key@example.com"},
        headers={"Authorization": f"Bearer {secret[0]}"},
    )
    assert api.status_code == 201
    with db.read() as s:
        key = s.scalars(select(ApiKey)).one()
    listing = client.get("/api-keys")
    assert secret[0] not in listing.text
    assert f"<code>lw_{key.prefix}_…</code>" in listing.text
    revoke = client.post(
        f"/api-keys/{key.id}/revoke",
        data={"csrf_token": page_token(client, "/api-keys")},
        follow_redirects=False,
    )
    assert (revoke.status_code, revoke.headers["location"]) == (303, "/api-keys?notice=revoked")
    with db.read() as s:
        assert s.get(ApiKey, key.id).revoked_at is not None  # type: ignore[union-attr]


def test_an_api_key_needs_a_name_and_a_scope(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.post("/api-keys", data={"name": " ", "csrf_token": page_token(client, "/api-keys")})
    assert r.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>', r.text))
    assert errors == {
        "name": "Give the key a name that says who uses it.",
        "scopes": "Give the key at least one scope.",
    }


def test_users_page_lists_everyone(client: TestClient, db: Database) -> None:
    other = user(db, Role.SALES, language="de")
    admin = signed_in(client, db)
    r = client.get("/users")
    rows = re.findall(r'<th scope="row" data-label="Name">([^<]+)</th>', r.text)
    assert sorted(rows) == sorted([admin.name, other.name])
    assert '<td data-label="Role">Sales</td>' in r.text
    assert '<td data-label="Language">Deutsch</td>' in r.text


ADMIN_PAGES = ["/deliveries", "/webhooks", "/api-keys", "/users", "/webhooks/1/delete"]


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES])
def test_admin_pages_are_closed_to_other_roles(
    client: TestClient, db: Database, role: Role
) -> None:
    signed_in(client, db, role)
    for path in ADMIN_PAGES:
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Your role does not allow you to open this page." in r.text
    leads = client.get("/leads").text
    nav = re.findall(r'<nav class="main-nav".*?</nav>', leads, flags=re.S)[0]
    # marketing runs the channels (forms, imports, hooks, tracking) and reviews duplicates;
    # sales works the leads
    assert re.findall(r'href="([^"]+)"', nav) == (
        ["/leads", "/duplicates", "/forms", "/imports", "/integrations", "/tracking"]
        if role is Role.MARKETING
        else ["/leads"]
    )
    token = page_token(client, "/leads")
    r = client.post(
        "/webhooks",
        data={"url": "https://evil.example.com", "event_types": "*", "csrf_token": token},
    )
    assert r.status_code == 403
    r = client.post("/api-keys", data={"name": "x", "scopes": "leads:read", "csrf_token": token})
    assert r.status_code == 403
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_an_admin_sees_every_area(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    leads = client.get("/leads").text
    nav = re.findall(r'<nav class="main-nav".*?</nav>', leads, flags=re.S)[0]
    assert re.findall(r'href="([^"]+)"', nav) == [
        "/leads",
        "/duplicates",
        "/forms",
        "/imports",
        "/integrations",
        "/tracking",
        "/consent",
        "/deliveries",
        "/webhooks",
        "/api-keys",
        "/users",
    ]
    assert 'href="/leads" aria-current="page"' in nav
