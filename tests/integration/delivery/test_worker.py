"""The worker on a real database, one round at a time, with a fake sender and a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadwerk.delivery import rules
from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.ports import FakeWebhookSender, SendResult, SentRequest
from leadwerk.delivery.types import MessageStatus
from leadwerk.delivery.worker import Worker, WorkerConfig, encode_body
from leadwerk.storage.engine import Database
from tests.factories.delivery import T0, Clock, make_endpoint, make_message

CONFIG = WorkerConfig(
    batch_size=10,
    lease_seconds=60,
    max_attempts=4,
    backoff_base_seconds=30,
    backoff_max_seconds=3600,
    backoff_jitter=0.0,
    timeout_seconds=10,
)


def _answer(status: int, excerpt: str | None = None) -> Callable[[SentRequest], SendResult]:
    return lambda _request: SendResult(status_code=status, excerpt=excerpt)


def _worker(
    db: Database, clock: Clock, sender: FakeWebhookSender, name: str = "w1", **config: float
) -> Worker:
    return Worker(name, db, replace(CONFIG, **config), sender, clock=clock)


def _setup(
    db: Database, count: int = 1, **endpoint: object
) -> tuple[WebhookEndpoint, list[OutboxMessage]]:
    with db.transaction() as s:
        ep = make_endpoint(s, **endpoint)  # type: ignore[arg-type]
        messages = [make_message(s, ep, next_attempt_at=T0) for _ in range(count)]
    return ep, messages


def _message(db: Database, message_id: int) -> OutboxMessage:
    with db.read() as s:
        return delivery.get_message(s, message_id)


def _log(db: Database, message_id: int) -> list[tuple[object, ...]]:
    with db.read() as s:
        return [
            (a.attempt, a.worker, a.succeeded, a.status_code, a.error, a.started_at)
            for a in delivery.list_attempts(s, message_id)
        ]


def test_a_due_message_is_signed_sent_and_logged(db: Database) -> None:
    endpoint, [message] = _setup(db)
    clock, sender = Clock(T0 + timedelta(seconds=5)), FakeWebhookSender()
    worker = _worker(db, clock, sender)

    assert worker.run_once() == 1

    [sent] = sender.sent
    assert sent.url == endpoint.url
    # PostgreSQL's JSONB orders keys its own way: the body is what the database holds.
    assert sent.body == encode_body(_message(db, message.id).payload)
    assert json.loads(sent.body) == message.payload
    assert {k: v for k, v in sent.headers.items() if k != "Leadwerk-Signature"} == {
        "Content-Type": "application/json",
        "Leadwerk-Event": "lead.created",
        "Leadwerk-Delivery": message.idempotency_key,
    }
    stamp = int(clock.now.timestamp())
    assert sent.headers["Leadwerk-Signature"] == rules.sign(endpoint.secret, stamp, sent.body)
    assert rules.verify(endpoint.secret, sent.headers["Leadwerk-Signature"], sent.body, stamp)
    stored = _message(db, message.id)
    assert (
        stored.status,
        stored.attempts,
        stored.delivered_at,
        stored.claimed_by,
        stored.claimed_until,
        stored.last_error,
    ) == (MessageStatus.DELIVERED, 1, clock.now, None, None, None)
    with db.read() as s:
        [attempt] = s.scalars(select(DeliveryAttempt))
        assert (
            attempt.message_id,
            attempt.attempt,
            attempt.worker,
            attempt.succeeded,
            attempt.status_code,
            attempt.error,
            attempt.response_excerpt,
            attempt.started_at,
        ) == (message.id, 1, "w1", True, 200, None, "ok", clock.now)
        assert attempt.duration_ms >= 0
    assert worker.run_once() == 0
    assert len(sender.sent) == 1


def test_messages_not_yet_due_wait(db: Database) -> None:
    _, [message] = _setup(db)
    sender = FakeWebhookSender()
    assert _worker(db, Clock(T0 - timedelta(seconds=1)), sender).run_once() == 0
    assert sender.sent == []
    assert _message(db, message.id).attempts == 0


def test_failures_back_off_exponentially_then_go_dead(db: Database) -> None:
    _, [message] = _setup(db)
    clock = Clock(T0)
    sender = FakeWebhookSender(respond=_answer(503, "maintenance"))
    worker = _worker(db, clock, sender)
    schedule = []
    for _ in range(3):
        assert worker.run_once() == 1
        stored = _message(db, message.id)
        assert (stored.status, stored.last_error, stored.claimed_by) == (
            MessageStatus.PENDING,
            "HTTP 503: maintenance",
            None,
        )
        delay = (stored.next_attempt_at - clock.now).total_seconds()
        schedule.append((stored.attempts, delay))
        clock.advance(delay - 1)
        assert worker.run_once() == 0
        clock.advance(1)
    assert schedule == [(1, 30.0), (2, 60.0), (3, 120.0)]

    assert worker.run_once() == 1
    dead = _message(db, message.id)
    assert (dead.status, dead.attempts, dead.last_error, dead.delivered_at) == (
        MessageStatus.DEAD,
        4,
        "HTTP 503: maintenance",
        None,
    )
    clock.advance(86_400)
    assert worker.run_once() == 0
    assert [row[:5] for row in _log(db, message.id)] == [
        (n, "w1", False, 503, "HTTP 503: maintenance") for n in (1, 2, 3, 4)
    ]
    assert [row[5] for row in _log(db, message.id)] == [
        T0,
        T0 + timedelta(seconds=30),
        T0 + timedelta(seconds=90),
        T0 + timedelta(seconds=210),
    ]


def test_a_retried_dead_message_is_delivered_and_keeps_its_history(db: Database) -> None:
    _, [message] = _setup(db)
    clock = Clock(T0)
    sender = FakeWebhookSender(respond=_answer(500))
    worker = _worker(db, clock, sender, max_attempts=1)
    assert worker.run_once() == 1
    assert _message(db, message.id).status is MessageStatus.DEAD

    with db.transaction() as s:
        delivery.retry_message(s, message.id, actor="user:1")
    sender.respond = _answer(200)
    clock.advance(3600)  # any time after the retry: the message is due at once
    assert worker.run_once() == 1
    stored = _message(db, message.id)
    assert (stored.status, stored.attempts, stored.last_error) == (MessageStatus.DELIVERED, 1, None)
    assert [row[:4] for row in _log(db, message.id)] == [
        (1, "w1", False, 500),
        (1, "w1", True, 200),
    ]
    assert [r.headers["Leadwerk-Delivery"] for r in sender.sent] == [message.idempotency_key] * 2


class Crash(BaseException):
    """Stands for the process dying mid-delivery (not an error the worker may catch)."""


def test_a_crashed_workers_claim_is_taken_over_after_the_lease(db: Database) -> None:
    _, [message] = _setup(db)
    clock = Clock(T0)

    def crash(_request: SentRequest) -> SendResult:
        raise Crash

    with pytest.raises(Crash):
        _worker(db, clock, FakeWebhookSender(respond=crash), name="doomed").run_once()
    held = _message(db, message.id)
    assert (held.status, held.attempts, held.claimed_by, held.claimed_until) == (
        MessageStatus.PENDING,
        1,
        "doomed",
        T0 + timedelta(seconds=60),
    )

    rescuer_sender = FakeWebhookSender()
    rescuer = _worker(db, clock, rescuer_sender, name="rescuer")
    clock.advance(60)
    assert rescuer.run_once() == 0  # the lease holds until it has passed
    clock.advance(1)
    assert rescuer.run_once() == 1
    stored = _message(db, message.id)
    assert (stored.status, stored.attempts, stored.claimed_by) == (MessageStatus.DELIVERED, 2, None)
    assert [row[:4] for row in _log(db, message.id)] == [(2, "rescuer", True, 200)]


def test_a_paused_webhook_sends_nothing_and_its_messages_go_dead(db: Database) -> None:
    endpoint, [message] = _setup(db)
    with db.transaction() as s:
        delivery.set_endpoint_active(s, endpoint.id, False, actor="t")
    sender = FakeWebhookSender()
    assert _worker(db, Clock(T0), sender).run_once() == 1
    assert sender.sent == []
    stored = _message(db, message.id)
    reason = "Not sent: the webhook is paused. Retry the message after resuming it."
    assert (stored.status, stored.attempts, stored.last_error) == (MessageStatus.DEAD, 1, reason)
    assert _log(db, message.id) == [(1, "w1", False, None, reason, T0)]


def test_an_exception_in_one_delivery_does_not_stop_the_others(db: Database) -> None:
    _, [first, second] = _setup(db, count=2)

    def flaky(request: SentRequest) -> SendResult:
        if request.headers["Leadwerk-Delivery"] == first.idempotency_key:
            raise RuntimeError("sender bug")
        return SendResult(status_code=200)

    assert _worker(db, Clock(T0), FakeWebhookSender(respond=flaky)).run_once() == 2
    failed, delivered = _message(db, first.id), _message(db, second.id)
    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        MessageStatus.PENDING,
        "RuntimeError: sender bug",
        T0 + timedelta(seconds=30),
    )
    assert delivered.status is MessageStatus.DELIVERED


def test_batches_follow_the_due_order(db: Database) -> None:
    with db.transaction() as s:
        ep = make_endpoint(s)
        late = make_message(s, ep, next_attempt_at=T0)
        early = make_message(s, ep, next_attempt_at=T0 - timedelta(minutes=5))
        middle = make_message(s, ep, next_attempt_at=T0 - timedelta(minutes=1))
    sender = FakeWebhookSender()
    worker = _worker(db, Clock(T0), sender, batch_size=2)
    assert worker.run_once() == 2
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert [r.headers["Leadwerk-Delivery"] for r in sender.sent] == [
        early.idempotency_key,
        middle.idempotency_key,
        late.idempotency_key,
    ]


def test_drain_processes_everything_due(db: Database) -> None:
    _setup(db, count=5)
    sender = FakeWebhookSender()
    assert _worker(db, Clock(T0), sender, batch_size=2).drain() == 5
    assert len(sender.sent) == 5


def test_a_stop_request_hands_the_rest_of_the_batch_back(db: Database) -> None:
    _, messages = _setup(db, count=3)
    sender = FakeWebhookSender()
    worker = _worker(db, Clock(T0), sender)

    def stop_after_this(_request: SentRequest) -> SendResult:
        worker.request_stop()
        return SendResult(status_code=200)

    sender.respond = stop_after_this
    assert worker.run_once() == 1
    states = [_message(db, m.id) for m in messages]
    assert [(m.status, m.attempts, m.claimed_by, m.claimed_until) for m in states] == [
        (MessageStatus.DELIVERED, 1, None, None),
        (MessageStatus.PENDING, 0, None, None),
        (MessageStatus.PENDING, 0, None, None),
    ]
    other = FakeWebhookSender()
    assert _worker(db, Clock(T0), other, name="w2").run_once() == 2


def test_the_lease_is_renewed_before_it_runs_short(db: Database) -> None:
    _, messages = _setup(db, count=3)
    clock = Clock(T0)
    seen: list[object] = []

    def slow(request: SentRequest) -> SendResult:
        seen.append(_message(db, messages[2].id).claimed_until)
        clock.advance(6)
        return SendResult(status_code=200)

    worker = _worker(db, clock, FakeWebhookSender(respond=slow), lease_seconds=20)
    assert worker.run_once() == 3
    # 20 s lease, 10 s timeout + 5 s margin: renewed when 15 s or less are left, so before
    # message 2 (14 s left at T0+6) and before message 3 (14 s left at T0+12).
    assert seen == [
        T0 + timedelta(seconds=20),
        T0 + timedelta(seconds=26),
        T0 + timedelta(seconds=32),
    ]


def test_a_late_result_does_not_override_a_newer_claim(db: Database) -> None:
    _, [message] = _setup(db)
    clock = Clock(T0)
    rescuer = _worker(db, clock, FakeWebhookSender(), name="rescuer")

    def slow_failure(_request: SentRequest) -> SendResult:
        clock.advance(61)  # the lease runs out while this request hangs ...
        assert rescuer.run_once() == 1  # ... and another worker delivers the message
        return SendResult(error="timed out after 10 s (ReadTimeout)")

    assert _worker(db, clock, FakeWebhookSender(respond=slow_failure), name="slow").run_once() == 1
    stored = _message(db, message.id)
    assert (stored.status, stored.attempts, stored.last_error) == (MessageStatus.DELIVERED, 2, None)
    assert [row[:4] for row in _log(db, message.id)] == [
        (1, "slow", False, None),
        (2, "rescuer", True, 200),
    ]


def test_a_message_whose_webhook_was_deleted_meanwhile_is_skipped(db: Database) -> None:
    endpoint, [message] = _setup(db)

    def delete_first(_request: SentRequest) -> SendResult:
        with db.transaction() as s:
            delivery.delete_endpoint(s, endpoint.id, actor="t")
        return SendResult(status_code=200)

    assert _worker(db, Clock(T0), FakeWebhookSender(respond=delete_first)).run_once() == 1
    with db.read() as s:
        assert s.get(OutboxMessage, message.id) is None
        assert list(s.scalars(select(DeliveryAttempt))) == []
