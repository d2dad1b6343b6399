"""Delivery use cases on a real database: webhook endpoints, the outbox, retries, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.auth.models import AuditEntry
from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import OUTBOX_WRITTEN, MessageKind, MessageStatus
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.storage.engine import Database
from tests.factories.delivery import T0, make_endpoint, make_message


def _audit(session: Session, subject_type: str = "webhook") -> list[tuple[str, str, str, dict]]:
    rows = session.execute(
        select(AuditEntry.actor, AuditEntry.action, AuditEntry.subject_id, AuditEntry.details)
        .where(AuditEntry.subject_type == subject_type)
        .order_by(AuditEntry.id)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _attempt(message: OutboxMessage, n: int, ok: bool) -> DeliveryAttempt:
    return DeliveryAttempt(
        message_id=message.id,
        attempt=n,
        started_at=T0 + timedelta(minutes=n),
        duration_ms=12,
        worker="w",
        succeeded=ok,
        status_code=200 if ok else 500,
    )


# --- endpoints -----------------------------------------------------------------------------


def test_create_endpoint_stores_a_clean_endpoint_with_a_fresh_secret(db: Database) -> None:
    with db.transaction() as s:
        endpoint = delivery.create_endpoint(
            s,
            url="  https://crm.example.com/hooks/leadwerk?src=lw  ",
            event_types=["lead.created", " lead.created", "lead.*"],
            description="  CRM sync ",
            actor="user:1",
        )
        other = delivery.create_endpoint(
            s, url="http://10.0.0.5:8080/in", event_types=["*"], description="", actor="user:1"
        )
    with db.read() as s:
        stored = s.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        assert (stored.url, stored.event_types, stored.description) == (
            "https://crm.example.com/hooks/leadwerk?src=lw",
            ["lead.created", "lead.*"],
            "CRM sync",
        )
        assert (stored.is_active, stored.created_by) == (True, "user:1")
        assert stored.secret.startswith("whsec_")
        assert len(stored.secret) == 49
        assert other.description is None
        assert other.secret != stored.secret
        assert _audit(s) == [
            (
                "user:1",
                "webhook.created",
                str(endpoint.id),
                {
                    "url": "https://crm.example.com/hooks/leadwerk?src=lw",
                    "event_types": ["lead.created", "lead.*"],
                },
            ),
            (
                "user:1",
                "webhook.created",
                str(other.id),
                {"url": "http://10.0.0.5:8080/in", "event_types": ["*"]},
            ),
        ]


@pytest.mark.parametrize(
    ("url", "event_types", "description", "errors"),
    [
        ("", ["lead.created"], None, {"url": "A webhook needs a URL."}),
        (
            "ftp://example.com/in",
            ["*"],
            None,
            {"url": "The URL must start with https:// (or http://)."},
        ),
        ("example.com/in", ["*"], None, {"url": "The URL must start with https:// (or http://)."}),
        ("https:///in", ["*"], None, {"url": "The URL has no host name."}),
        ("https://example.com:99x/in", ["*"], None, {"url": "The URL cannot be parsed."}),
        ("https://\u2603.com/in", ["*"], None, {"url": "The URL cannot be parsed."}),
        (
            "https://exa mple.com/",
            ["*"],
            None,
            {"url": "The URL must not contain spaces or control characters."},
        ),
        (
            "https://example.com/\x00",
            ["*"],
            None,
            {"url": "The URL must not contain spaces or control characters."},
        ),
        (
            "https://example.com/" + "a" * 2000,
            ["*"],
            None,
            {"url": "The URL is longer than 2000 characters."},
        ),
        ("https://example.com/", [], None, {"event_types": "Choose at least one event type."}),
        (
            "https://example.com/",
            ["lead.deleted"],
            None,
            {
                "event_types": "Unknown event type 'lead.deleted'; choose from *, lead.*, "
                "import.*, lead.created, lead.updated, lead.merged, lead.unmerged, "
                "import.completed."
            },
        ),
        (
            "https://example.com/",
            ["*"],
            "x" * 201,
            {"description": "The description is longer than 200 characters."},
        ),
        (
            "https://example.com/",
            ["*"],
            "bell\x07",
            {"description": "The description must not contain control characters."},
        ),
        (
            "nope",
            ["LEAD.*"],
            None,
            {
                "url": "The URL must start with https:// (or http://).",
                "event_types": "Unknown event type 'LEAD.*'; choose from *, lead.*, "
                "import.*, lead.created, lead.updated, lead.merged, lead.unmerged, "
                "import.completed.",
            },
        ),
    ],
)
def test_create_endpoint_names_every_invalid_field(
    db: Database,
    url: str,
    event_types: list[str],
    description: str | None,
    errors: dict[str, str],
) -> None:
    with db.transaction() as s:
        with pytest.raises(ValidationFailed) as caught:
            delivery.create_endpoint(
                s, url=url, event_types=event_types, description=description, actor="t"
            )
        assert caught.value.errors == errors
        assert s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
        assert _audit(s) == []


@pytest.mark.parametrize(
    "url",
    ["https://müller-maschinenbau.de/hooks", "http://[::1]:8080/in", "https://h.example/?a=1#x"],
)
def test_create_endpoint_accepts_usual_urls(db: Database, url: str) -> None:
    with db.transaction() as s:
        endpoint = delivery.create_endpoint(
            s, url=url, event_types=["*"], description=None, actor="t"
        )
        assert endpoint.url == url


def test_list_and_get_endpoints(db: Database) -> None:
    with db.transaction() as s:
        first, second = make_endpoint(s), make_endpoint(s)
    with db.read() as s:
        assert [e.id for e in delivery.list_endpoints(s)] == [first.id, second.id]
        assert delivery.get_endpoint(s, second.id).url == second.url
        with pytest.raises(NotFound, match=f"no webhook with id {second.id + 1}"):
            delivery.get_endpoint(s, second.id + 1)


def test_pausing_and_resuming_is_audited_once_per_change(db: Database) -> None:
    with db.transaction() as s:
        endpoint = make_endpoint(s)
        delivery.set_endpoint_active(s, endpoint.id, False, actor="user:2")
        delivery.set_endpoint_active(s, endpoint.id, False, actor="user:2")
        assert delivery.set_endpoint_active(s, endpoint.id, True, actor="user:3").is_active
        assert [(a, act) for a, act, _, _ in _audit(s)] == [
            ("test", "webhook.created"),
            ("user:2", "webhook.deactivated"),
            ("user:3", "webhook.activated"),
        ]


def test_update_endpoint_changes_only_what_is_given(db: Database) -> None:
    with db.transaction() as s:
        endpoint = make_endpoint(s, url="https://a.example.com/", description="old")
        secret = endpoint.secret
        delivery.update_endpoint(
            s,
            endpoint.id,
            {
                "url": "https://b.example.com/in",
                "event_types": ["lead.updated"],
                "description": None,
                "active": False,
            },
            actor="user:4",
        )
        delivery.update_endpoint(s, endpoint.id, {"url": "https://b.example.com/in"}, actor="x")
        stored = s.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        assert (stored.url, stored.event_types, stored.description, stored.is_active) == (
            "https://b.example.com/in",
            ["lead.updated"],
            None,
            False,
        )
        assert stored.secret == secret
        assert _audit(s)[1:] == [
            (
                "user:4",
                "webhook.updated",
                str(endpoint.id),
                {
                    "changes": {
                        "url": "https://b.example.com/in",
                        "event_types": ["lead.updated"],
                        "description": None,
                    }
                },
            ),
            ("user:4", "webhook.deactivated", str(endpoint.id), {}),
        ]


def test_update_endpoint_refuses_bad_values_and_changes_nothing(db: Database) -> None:
    with db.transaction() as s:
        endpoint = make_endpoint(s, url="https://a.example.com/")
        with pytest.raises(ValidationFailed) as caught:
            delivery.update_endpoint(
                s,
                endpoint.id,
                {"url": None, "event_types": ["lead.*"], "secret": "x"},
                actor="t",
            )
        assert caught.value.errors == {"secret": "This field cannot be changed."}
        with pytest.raises(ValidationFailed) as caught:
            delivery.update_endpoint(
                s, endpoint.id, {"url": None, "event_types": [], "active": "yes"}, actor="t"
            )
        assert caught.value.errors == {
            "url": "A webhook needs a URL.",
            "event_types": "Choose at least one event type.",
            "active": "Use true or false.",
        }
        assert (endpoint.url, endpoint.event_types) == ("https://a.example.com/", ["lead.*"])


def test_delete_endpoint_removes_its_messages_and_their_log(db: Database) -> None:
    with db.transaction() as s:
        doomed, kept = make_endpoint(s), make_endpoint(s)
        message = make_message(s, doomed)
        make_message(s, kept)
        s.add(_attempt(message, 1, False))
    with db.transaction() as s:
        delivery.delete_endpoint(s, doomed.id, actor="user:5")
    with db.read() as s:
        assert s.get(WebhookEndpoint, doomed.id) is None
        assert list(s.scalars(select(OutboxMessage.endpoint_id))) == [kept.id]
        assert s.scalar(select(func.count()).select_from(DeliveryAttempt)) == 0
        assert _audit(s)[-1] == (
            "user:5",
            "webhook.deleted",
            str(doomed.id),
            {"url": doomed.url, "event_types": ["lead.*"]},
        )
        with pytest.raises(NotFound):
            delivery.delete_endpoint(s, doomed.id, actor="user:5")


def test_rotate_secret_replaces_it(db: Database) -> None:
    with db.transaction() as s:
        endpoint = make_endpoint(s)
        old = endpoint.secret
        rotated = delivery.rotate_secret(s, endpoint.id, actor="user:6")
        assert rotated.secret != old
        assert rotated.secret.startswith("whsec_")
        assert _audit(s)[-1] == ("user:6", "webhook.secret_rotated", str(endpoint.id), {})


# --- publish and the outbox ----------------------------------------------------------------


def test_publish_writes_one_message_per_active_subscriber(db: Database) -> None:
    with db.transaction() as s:
        everything = make_endpoint(s, event_types=["*"])
        created_only = make_endpoint(s, event_types=["lead.created"])
        make_endpoint(s, event_types=["lead.updated"])
        paused = make_endpoint(s, event_types=["*"])
        delivery.set_endpoint_active(s, paused.id, False, actor="t")
        keys = delivery.publish(s, "lead.created", {"id": 42})
        messages = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [m.idempotency_key for m in messages] == keys
        assert s.info[OUTBOX_WRITTEN] == 2
        event_id = messages[0].payload["id"]
        assert [
            (m.endpoint_id, m.idempotency_key, m.kind, m.status, m.attempts) for m in messages
        ] == [
            (
                everything.id,
                f"{event_id}:{everything.id}",
                MessageKind.WEBHOOK,
                MessageStatus.PENDING,
                0,
            ),
            (
                created_only.id,
                f"{event_id}:{created_only.id}",
                MessageKind.WEBHOOK,
                MessageStatus.PENDING,
                0,
            ),
        ]
        assert messages[0].payload == messages[1].payload
        assert set(messages[0].payload) == {"id", "type", "occurred_at", "data"}
        assert (messages[0].payload["type"], messages[0].payload["data"]) == (
            "lead.created",
            {"id": 42},
        )


def test_list_messages_newest_first_with_filters_and_pages(db: Database) -> None:
    with db.transaction() as s:
        a, b = make_endpoint(s), make_endpoint(s)
        m1 = make_message(s, a)
        m2 = make_message(s, b, status=MessageStatus.DEAD)
        m3 = make_message(s, a, status=MessageStatus.DELIVERED)
        m4 = make_message(s, a, status=MessageStatus.DEAD)
    with db.read() as s:

        def ids(**kw: object) -> list[int]:
            return [m.id for m in delivery.list_messages(s, **kw)]  # type: ignore[arg-type]

        assert ids() == [m4.id, m3.id, m2.id, m1.id]
        assert ids(status=MessageStatus.DEAD) == [m4.id, m2.id]
        assert ids(limit=2) == [m4.id, m3.id]
        assert ids(limit=2, before_id=m3.id) == [m2.id, m1.id]
        assert ids(before_id=m1.id) == []
        assert ids(endpoint_id=a.id) == [m4.id, m3.id, m1.id]
        assert ids(status=MessageStatus.DEAD, endpoint_id=b.id) == [m2.id]
        assert delivery.get_message(s, m2.id).status is MessageStatus.DEAD
        with pytest.raises(NotFound, match=f"no outbox message with id {m4.id + 1}"):
            delivery.get_message(s, m4.id + 1)


def test_list_attempts_oldest_first(db: Database) -> None:
    with db.transaction() as s:
        message = make_message(s, make_endpoint(s))
        other = make_message(s, make_endpoint(s))
        s.add_all(
            [_attempt(message, 2, True), _attempt(other, 1, False), _attempt(message, 1, False)]
        )
    with db.read() as s:
        assert [(a.attempt, a.succeeded) for a in delivery.list_attempts(s, message.id)] == [
            (1, False),
            (2, True),
        ]


def test_counts_by_status_names_every_state(db: Database) -> None:
    with db.read() as s:
        assert delivery.counts_by_status(s) == {
            MessageStatus.PENDING: 0,
            MessageStatus.DELIVERED: 0,
            MessageStatus.DEAD: 0,
            MessageStatus.DROPPED: 0,
        }
    with db.transaction() as s:
        endpoint = make_endpoint(s)
        for status in (MessageStatus.DEAD, MessageStatus.DEAD, MessageStatus.PENDING):
            make_message(s, endpoint, status=status)
    with db.read() as s:
        assert delivery.counts_by_status(s) == {
            MessageStatus.PENDING: 1,
            MessageStatus.DELIVERED: 0,
            MessageStatus.DEAD: 2,
            MessageStatus.DROPPED: 0,
        }


# --- retries ---------------------------------------------------------------------------------


def test_retry_brings_a_dead_message_back_with_a_full_set_of_attempts(
    db: Database, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(T0 + timedelta(days=1), tick=False)
    with db.transaction() as s:
        message = make_message(
            s,
            make_endpoint(s),
            status=MessageStatus.DEAD,
            attempts=8,
            next_attempt_at=T0,
            claimed_by=None,
            last_error="HTTP 500: boom",
        )
        s.add(_attempt(message, 8, False))
    with db.transaction() as s:
        retried = delivery.retry_message(s, message.id, actor="user:7")
        assert (retried.status, retried.attempts, retried.next_attempt_at) == (
            MessageStatus.PENDING,
            0,
            T0 + timedelta(days=1),
        )
    with db.read() as s:
        stored = delivery.get_message(s, message.id)
        assert (
            stored.status,
            stored.attempts,
            stored.next_attempt_at,
            stored.claimed_by,
            stored.claimed_until,
            stored.last_error,
        ) == (MessageStatus.PENDING, 0, T0 + timedelta(days=1), None, None, "HTTP 500: boom")
        assert [a.attempt for a in delivery.list_attempts(s, message.id)] == [8]
        assert _audit(s, "outbox_message") == [
            ("user:7", "outbox.retried", str(message.id), {"status": "dead", "attempts": 8})
        ]


def test_retry_makes_a_failing_message_due_now(
    db: Database, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    with db.transaction() as s:
        message = make_message(
            s,
            make_endpoint(s),
            attempts=3,
            next_attempt_at=T0 + timedelta(minutes=4),
            claimed_by="w1",
            claimed_until=T0 - timedelta(seconds=1),
        )
        retried = delivery.retry_message(s, message.id, actor="t")
        assert (retried.status, retried.attempts, retried.next_attempt_at, retried.claimed_by) == (
            MessageStatus.PENDING,
            0,
            T0,
            None,
        )


def test_retry_refuses_delivered_in_flight_and_paused(
    db: Database, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    with db.transaction() as s:
        endpoint, paused = make_endpoint(s), make_endpoint(s)
        delivered = make_message(s, endpoint, status=MessageStatus.DELIVERED, attempts=1)
        in_flight = make_message(
            s, endpoint, attempts=1, claimed_by="w1", claimed_until=T0 + timedelta(seconds=30)
        )
        dead_of_paused = make_message(s, paused, status=MessageStatus.DEAD, attempts=8)
        delivery.set_endpoint_active(s, paused.id, False, actor="t")
    cases = [
        (delivered.id, f"Message {delivered.id} was delivered already; it is not sent again."),
        (
            in_flight.id,
            f"Message {in_flight.id} is being delivered right now; look again in a moment.",
        ),
        (
            dead_of_paused.id,
            f"The webhook of message {dead_of_paused.id} is paused; activate it before retrying.",
        ),
    ]
    for message_id, text in cases:
        with db.transaction() as s, pytest.raises(Conflict) as caught:
            delivery.retry_message(s, message_id, actor="t")
        assert caught.value.message == text
    with db.read() as s:
        assert _audit(s, "outbox_message") == []
        with pytest.raises(NotFound):
            delivery.retry_message(s, dead_of_paused.id + 1, actor="t")


def test_retry_dead_messages_of_active_webhooks(
    db: Database, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    with db.transaction() as s:
        a, b, paused = make_endpoint(s), make_endpoint(s), make_endpoint(s)
        dead_a = make_message(s, a, status=MessageStatus.DEAD, attempts=8)
        dead_b = make_message(s, b, status=MessageStatus.DEAD, attempts=8)
        make_message(s, paused, status=MessageStatus.DEAD, attempts=8)
        make_message(s, a, status=MessageStatus.DELIVERED, attempts=1)
        delivery.set_endpoint_active(s, paused.id, False, actor="t")
    with db.transaction() as s:
        assert delivery.retry_dead_messages(s, actor="user:8", endpoint_id=b.id) == 1
        assert delivery.retry_dead_messages(s, actor="user:8") == 1
        assert delivery.retry_dead_messages(s, actor="user:8") == 0
    with db.read() as s:
        assert delivery.counts_by_status(s) == {
            MessageStatus.PENDING: 2,
            MessageStatus.DELIVERED: 1,
            MessageStatus.DEAD: 1,
            MessageStatus.DROPPED: 0,
        }
        assert {m.id for m in delivery.list_messages(s, status=MessageStatus.PENDING)} == {
            dead_a.id,
            dead_b.id,
        }
        assert [
            (act, typ, sid, det)
            for _, act, sid, det, typ in s.execute(
                select(
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.subject_id,
                    AuditEntry.details,
                    AuditEntry.subject_type,
                )
                .where(AuditEntry.action == "outbox.dead_retried")
                .order_by(AuditEntry.id)
            )
        ] == [
            ("outbox.dead_retried", "webhook", str(b.id), {"count": 1, "first_id": dead_b.id}),
            ("outbox.dead_retried", "outbox", "*", {"count": 1, "first_id": dead_a.id}),
        ]


def test_publish_matches_prefix_patterns_in_sql(db: Database) -> None:
    """The subscription test runs inside the INSERT … SELECT, on JSON of either engine."""
    with db.transaction() as s:
        leads = make_endpoint(s, event_types=["lead.*"])
        make_endpoint(s, event_types=["lead.updated"])
        keys = delivery.publish(s, "lead.created", {"id": 1})
        assert [k.rsplit(":", 1)[1] for k in keys] == [str(leads.id)]
        assert delivery.publish(s, "account.created", {"id": 2}) == []
