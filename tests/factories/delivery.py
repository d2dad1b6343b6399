"""Factories for webhooks and outbox messages, a controllable clock, and a real HTTP receiver
on 127.0.0.1 that checks signatures the way docs/webhooks.md tells receivers to."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.delivery import rules
from leadwerk.delivery import service as delivery
from leadwerk.delivery.models import OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import MessageKind, MessageStatus
from leadwerk.storage.base import utcnow

_seq = itertools.count(1)
T0 = datetime(2030, 3, 4, 10, 0, 0, tzinfo=UTC)


def make_endpoint(
    session: Session,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    return delivery.create_endpoint(
        session,
        url=url or f"https://hooks{next(_seq)}.example.com/in",
        event_types=event_types or ["lead.*"],
        description=description,
        actor="test",
    )


def make_message(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    event_type: str = "lead.created",
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> OutboxMessage:
    """One outbox row for `endpoint` alone, shaped as `publish` shapes them; `fields` override."""
    event_id = str(uuid.uuid4())
    now = utcnow()
    values: dict[str, Any] = {
        "kind": MessageKind.WEBHOOK,
        "event_type": event_type,
        "endpoint_id": endpoint.id,
        "idempotency_key": f"{event_id}:{endpoint.id}",
        "payload": {
            "id": event_id,
            "type": event_type,
            "occurred_at": now.isoformat(),
            "data": data or {"id": next(_seq)},
        },
        "status": MessageStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    message = OutboxMessage(**{**values, **fields})
    session.add(message)
    session.flush()
    return message


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@dataclass
class Clock:
    """A worker clock that moves only when told to."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: verifies each request's signature with `secret`
    (if set) and answers `status` when it is valid, 401 when not."""

    secret: str | None = None
    status: int = 204
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/leadwerk"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} of {count} webhooks arrived")
                self._arrived.wait(left)
            return list(self.received)

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        valid = self.secret is None or rules.verify(
            self.secret, headers.get(rules.SIGNATURE_HEADER, ""), body, now=int(time.time())
        )
        with self._arrived:
            self.received.append(Received(path, headers, body, valid))
            self._arrived.notify_all()
        return self.status if valid else 401

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver._handle(self.path, dict(self.headers.items()), body)
                reply = b"accepted" if status < 300 else b"signature check failed"
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if status != 204:
                    self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
