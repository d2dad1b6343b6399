"""The worker in background threads on a database of the test's own (real commits): prompt
wake-up after a commit, survival of failed rounds, clean stops, and several workers sharing
one outbox without sending anything twice or losing anything."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage
from leadwerk.delivery.ports import FakeWebhookSender, SendResult, SentRequest
from leadwerk.delivery.types import MessageStatus
from leadwerk.delivery.worker import Worker, WorkerConfig
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database
from tests.factories.delivery import make_endpoint, make_message, wait_until

WAIT_SECONDS = 20.0


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Database]:
    db = Database.from_url(fresh_database_url, pool_size=4)
    yield db
    db.dispose()


def _statuses(db: Database) -> dict[MessageStatus, int]:
    with db.read() as s:
        rows = s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {MessageStatus(status): int(n) for status, n in rows}


def _publish(db: Database, count: int) -> list[str]:
    with db.transaction() as s:
        endpoint = make_endpoint(s)
        return [make_message(s, endpoint).idempotency_key for _ in range(count)]


def test_a_commit_with_outbox_rows_wakes_the_idle_worker(database: Database) -> None:
    sender = FakeWebhookSender()
    worker = Worker("bg", database, WorkerConfig(poll_seconds=60), sender)
    worker.start()
    try:
        wait_until(lambda: worker.rounds >= 1)  # idle now, with a minute to the next poll
        [key] = _publish(database, 1)
        wait_until(lambda: len(sender.sent) == 1, timeout=10)
        assert sender.sent[0].headers["Leadwerk-Delivery"] == key
        wait_until(lambda: _statuses(database) == {MessageStatus.DELIVERED: 1})
    finally:
        worker.stop()
    assert worker.running is False
    assert sender.closed is True


def test_a_commit_of_published_events_wakes_the_idle_worker(database: Database) -> None:
    """publish() writes its rows with Core; the commit still wakes the worker at once."""
    sender = FakeWebhookSender()
    worker = Worker("bg", database, WorkerConfig(poll_seconds=60), sender)
    with database.transaction() as s:
        make_endpoint(s, event_types=["*"])
    worker.start()
    try:
        wait_until(lambda: worker.rounds >= 1)
        with database.transaction() as s:
            [key] = delivery.publish(s, "lead.created", {"id": 1})
        wait_until(lambda: len(sender.sent) == 1, timeout=10)
        assert sender.sent[0].headers["Leadwerk-Delivery"] == key
    finally:
        worker.stop()


def _publish_then_fail(db: Database) -> None:
    with db.transaction() as s:
        make_message(s, make_endpoint(s))
        raise RuntimeError("abandon")


def test_a_rolled_back_transaction_does_not_wake_the_worker(database: Database) -> None:
    worker = Worker("bg", database, WorkerConfig(poll_seconds=60), FakeWebhookSender())
    worker.start()
    try:
        wait_until(lambda: worker.rounds >= 1)
        with pytest.raises(RuntimeError, match="abandon"):
            _publish_then_fail(database)
        with database.transaction() as s:
            make_endpoint(s)  # a commit without outbox rows
        time.sleep(0.3)
        assert worker.rounds == 1
    finally:
        worker.stop()


def test_the_loop_survives_a_failed_round(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    calls = {"n": 0}

    def clock_that_fails_once() -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("database unreachable")
        return utcnow()

    _publish(database, 2)
    sender = FakeWebhookSender()
    worker = Worker(
        "bg",
        database,
        WorkerConfig(poll_seconds=0.05),
        sender,
        clock=clock_that_fails_once,  # type: ignore[arg-type]
    )
    with caplog.at_level(logging.ERROR, logger="leadwerk.worker"):
        worker.start()
        try:
            wait_until(lambda: _statuses(database) == {MessageStatus.DELIVERED: 2})
        finally:
            worker.stop()
    failures = [r for r in caplog.records if r.getMessage() == "worker round failed"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert str(failures[0].exc_info[1]) == "database unreachable"


def test_stop_finishes_the_current_delivery_and_hands_back_the_rest(database: Database) -> None:
    keys = _publish(database, 4)
    sending, proceed = threading.Event(), threading.Event()

    def slow(request: SentRequest) -> SendResult:
        sending.set()
        assert proceed.wait(WAIT_SECONDS)
        return SendResult(status_code=200)

    sender = FakeWebhookSender(respond=slow)
    worker = Worker("bg", database, WorkerConfig(poll_seconds=60), sender)
    worker.start()
    assert sending.wait(WAIT_SECONDS)
    worker.request_stop()
    proceed.set()
    worker.stop()

    assert [r.headers["Leadwerk-Delivery"] for r in sender.sent] == keys[:1]
    with database.read() as s:
        rows = s.execute(
            select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.claimed_by).order_by(
                OutboxMessage.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (MessageStatus.DELIVERED, 1, None),
        (MessageStatus.PENDING, 0, None),
        (MessageStatus.PENDING, 0, None),
        (MessageStatus.PENDING, 0, None),
    ]


def test_several_workers_deliver_every_message_exactly_once(fresh_database_url: str) -> None:
    """Each worker has its own engine, like separate processes. A barrier holds every worker's
    first send until all of them have claimed a batch, so the claims really overlap in time."""
    workers_count, messages_count = 3, 200
    setup = Database.from_url(fresh_database_url, pool_size=2)
    keys = _publish(setup, messages_count)
    barrier = threading.Barrier(workers_count, timeout=WAIT_SECONDS)
    waited: set[str] = set()
    lock = threading.Lock()

    def record(request: SentRequest) -> SendResult:
        me = threading.current_thread().name
        with lock:
            first = me not in waited
            waited.add(me)
        if first:
            barrier.wait()
        return SendResult(status_code=200)

    sender = FakeWebhookSender(respond=record)
    databases = [Database.from_url(fresh_database_url, pool_size=2) for _ in range(workers_count)]
    config = WorkerConfig(poll_seconds=0.05, batch_size=10)
    workers = [Worker(f"w{i}", db, config, sender) for i, db in enumerate(databases)]
    try:
        for worker in workers:
            worker.start()
        wait_until(lambda: _statuses(setup) == {MessageStatus.DELIVERED: messages_count}, 60)
    finally:
        for worker in workers:
            worker.stop()
        for db in databases:
            db.dispose()

    sent = Counter(r.headers["Leadwerk-Delivery"] for r in sender.sent)
    assert sorted(sent) == sorted(keys)
    assert set(sent.values()) == {1}
    assert waited == {f"leadwerk-worker-w{i}" for i in range(workers_count)}
    with setup.read() as s:
        assert set(s.scalars(select(OutboxMessage.attempts))) == {1}
        attempts = s.execute(
            select(DeliveryAttempt.worker, func.count()).group_by(DeliveryAttempt.worker)
        ).all()
        assert sum(n for _, n in attempts) == messages_count
        assert {w for w, _ in attempts} == {f"w{i}" for i in range(workers_count)}
        assert (
            s.scalar(
                select(func.count())
                .select_from(DeliveryAttempt)
                .where(DeliveryAttempt.succeeded.is_(False))
            )
            == 0
        )
    setup.dispose()
