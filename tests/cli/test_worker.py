"""`leadwerk worker`: delivers due messages with --once, upgrades SQLite / refuses PostgreSQL
behind head, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from leadwerk import schema
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage
from leadwerk.delivery.types import MessageStatus
from leadwerk.storage.engine import Database, make_engine
from tests.cli.conftest import Invoke
from tests.factories.delivery import Receiver, make_endpoint, make_message


@pytest.fixture(autouse=True)
def _keep_root_logging() -> Iterator[None]:
    """The command configures logging for its process; put the test run's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Database]:
    db = Database.from_url(fresh_database_url, pool_size=1)
    yield db
    db.dispose()


# what --once prints of the scheduled jobs when there is nothing to do
HOUSEKEEPING = (
    "consent.housekeeping: 0 double opt-in reminders sent, 0 requests expired\n"
    "retention: unconfirmed_opt_ins 0, tracking 0, logs 0\n"
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_once_delivers_what_is_due_and_exits(
    invoke: Invoke, fresh_database_url: str, database: Database
) -> None:
    with Receiver() as receiver:
        with database.transaction() as s:
            endpoint = make_endpoint(s, url=receiver.url)
            key = make_message(s, endpoint).idempotency_key
        receiver.secret = endpoint.secret
        r = invoke("worker", "--once", "--name", "cron-1", "--database-url", fresh_database_url)
        assert r.exit_code == 0, r.output
        assert r.stdout == "Processed 1 outbox messages.\n" + HOUSEKEEPING
        [received] = receiver.wait_for(1, timeout=1)
    assert received.signature_valid is True
    assert received.headers["Leadwerk-Delivery"] == key
    with database.read() as s:
        assert s.scalar(select(OutboxMessage.status)) is MessageStatus.DELIVERED
        assert s.execute(select(DeliveryAttempt.worker, DeliveryAttempt.status_code)).all() == [
            ("cron-1", 204)
        ]


def test_once_schedules_a_retry_when_the_receiver_is_down(
    invoke: Invoke, fresh_database_url: str, database: Database
) -> None:
    with database.transaction() as s:
        make_message(s, make_endpoint(s, url=f"http://127.0.0.1:{_closed_port()}/in"))
    r = invoke("worker", "--once", "--database-url", fresh_database_url)
    assert r.exit_code == 0, r.output
    assert r.stdout == "Processed 1 outbox messages.\n" + HOUSEKEEPING
    r = invoke("worker", "--once", "--database-url", fresh_database_url)
    assert r.stdout == "Processed 0 outbox messages.\n" + HOUSEKEEPING  # retry in 30 s
    with database.read() as s:
        message = s.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
        assert message.last_error is not None
        assert message.last_error.startswith("ConnectError: ")
        [attempt] = s.scalars(select(DeliveryAttempt))
    assert attempt.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert attempt.error == message.last_error


def test_refuses_postgresql_behind_head_and_upgrades_sqlite(
    invoke: Invoke, fresh_database_url: str
) -> None:
    engine = make_engine(fresh_database_url, pool_size=1)
    schema.downgrade(engine, "base")
    r = invoke("worker", "--once", "--database-url", fresh_database_url)
    try:
        if fresh_database_url.startswith("sqlite"):
            assert r.exit_code == 0, r.output
            assert r.stdout == "Processed 0 outbox messages.\n" + HOUSEKEEPING
            assert schema.status(engine).at_head
        else:
            assert r.exit_code == 1
            assert f"this Leadwerk needs {schema.head_revision()}" in r.output
            assert "run `leadwerk db upgrade`" in r.output
            assert schema.current_revision(engine) is None
    finally:
        engine.dispose()


def test_help_describes_every_option(invoke: Invoke) -> None:
    r = invoke("worker", "--help")
    assert r.exit_code == 0
    for option in ("--database-url", "--name", "--once"):
        assert option in r.stdout


def test_sigterm_stops_a_running_worker_cleanly(tmp_sqlite_url: str) -> None:
    env = {
        **os.environ,
        "LEADWERK_ENVIRONMENT": "dev",
        "LEADWERK_LOG_FORMAT": "json",
        "LEADWERK_WORKER_POLL_SECONDS": "0.1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadwerk",
            "worker",
            "--database-url",
            tmp_sqlite_url,
            "--name",
            "signalled",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            if not line or json.loads(line)["message"] == "worker started":
                break
        assert json.loads(lines[-1])["message"] == "worker started", lines
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    messages = [json.loads(line)["message"] for line in rest.splitlines()]
    assert messages == [
        "SIGTERM received: stopping after the current delivery (send it again to stop at once)",
        "worker stopped",
    ]
    assert Path(tmp_sqlite_url.removeprefix("sqlite:///")).exists()
