"""A lead posted to the API reaches a real HTTP receiver on 127.0.0.1, signed, through the
worker embedded in the app: intake → outbox → commit → wake-up → POST → delivery log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk import __version__
from leadwerk.app import create_app
from leadwerk.auth.types import Scope
from leadwerk.delivery import rules
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage
from leadwerk.delivery.types import MessageStatus
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET
from tests.factories.auth import make_api_key
from tests.factories.delivery import Receiver, make_endpoint, wait_until


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Database]:
    db = Database.from_url(fresh_database_url, pool_size=2)
    yield db
    db.dispose()


def test_a_new_lead_is_delivered_signed_to_the_receiver(
    fresh_database_url: str, database: Database
) -> None:
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        api_key_cache_seconds=0,
        log_format="console",
        worker_poll_seconds=60,  # only the wake-up after the commit can be this quick
    )
    with Receiver() as receiver:
        with database.transaction() as s:
            endpoint = make_endpoint(s, url=receiver.url, event_types=["lead.created"])
            key = make_api_key(s, Scope.LEADS_WRITE)
        receiver.secret = endpoint.secret
        app = create_app(settings, embedded_worker=True)
        with TestClient(app) as client:
            r = client.post(
                "/api/v1/leads",
                json={"email": "Jonas.Weber@Example.org", "first_name": "Jonas"},
                headers={"Authorization": f"Bearer {key.secret}"},
            )
            assert r.status_code == 201, r.text
            lead_id = r.json()["id"]
            [received] = receiver.wait_for(1, timeout=10)

            def delivered() -> bool:
                with database.read() as s:
                    status = s.scalar(select(OutboxMessage.status))
                return status is MessageStatus.DELIVERED

            wait_until(delivered, timeout=10)

    assert received.signature_valid is True
    assert received.path == "/hooks/leadwerk"
    envelope = json.loads(received.body)
    assert set(envelope) == {"id", "type", "occurred_at", "data"}
    assert envelope["type"] == "lead.created"
    assert (envelope["data"]["id"], envelope["data"]["email"], envelope["data"]["first_name"]) == (
        lead_id,
        "Jonas.Weber@example.org",
        "Jonas",
    )
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == f"Leadwerk/{__version__}"
    assert headers["leadwerk-event"] == "lead.created"
    assert headers["leadwerk-delivery"] == f"{envelope['id']}:{endpoint.id}"
    assert rules.verify(
        endpoint.secret,
        headers["leadwerk-signature"],
        received.body,
        now=int(headers["leadwerk-signature"].split(",")[0][2:]),
    )
    with database.read() as s:
        message = s.scalars(select(OutboxMessage)).one()
        assert (message.idempotency_key, message.attempts) == (headers["leadwerk-delivery"], 1)
        [attempt] = s.scalars(select(DeliveryAttempt))
        assert attempt.worker.startswith("embedded@")
        assert (attempt.succeeded, attempt.status_code, attempt.error) == (True, 204, None)


def test_a_receiver_that_rejects_the_signature_leaves_a_failed_attempt(
    fresh_database_url: str, database: Database
) -> None:
    """The receiver checks with a different secret, as after a rotation it missed."""
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        api_key_cache_seconds=0,
        log_format="console",
        worker_poll_seconds=60,
    )
    with Receiver(secret="whsec_stale") as receiver:
        with database.transaction() as s:
            make_endpoint(s, url=receiver.url)
            key = make_api_key(s, Scope.LEADS_WRITE)
        with TestClient(create_app(settings, embedded_worker=True)) as client:
            r = client.post(
                "/api/v1/leads",
                json={"email": "a@example.org"},
                headers={"Authorization": f"Bearer {key.secret}"},
            )
            assert r.status_code == 201
            [received] = receiver.wait_for(1, timeout=10)

            def attempted() -> bool:
                with database.read() as s:
                    return s.scalar(select(DeliveryAttempt.id)) is not None

            wait_until(attempted, timeout=10)
    assert received.signature_valid is False
    with database.read() as s:
        message = s.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts, message.last_error) == (
            MessageStatus.PENDING,
            1,
            "HTTP 401: signature check failed",
        )
        [attempt] = s.scalars(select(DeliveryAttempt))
        assert (attempt.succeeded, attempt.status_code, attempt.response_excerpt) == (
            False,
            401,
            "signature check failed",
        )
