"""The outbox worker: claims due messages, delivers them outside any transaction, logs each try.

One round (`run_once`):

1. claim — one short write transaction marks up to `batch_size` due messages as ours for a
   lease (`claimed_by`, `claimed_until`) and counts the attempt. On PostgreSQL the candidates are
   locked with `FOR UPDATE SKIP LOCKED`, so workers on any number of machines take disjoint
   batches without waiting on each other; on SQLite write transactions begin IMMEDIATE, which
   serialises claims.
2. send — each message is POSTed with no database transaction open.
3. record — one short transaction per message appends to the delivery log and moves the message
   to delivered, back to pending with the next backoff time, or to dead after the last attempt.

A worker that dies between 1 and 3 leaves claims that expire with their lease; another worker
(or the same one, restarted) then claims them again. Receivers may therefore see a delivery more
than once — at least once, never lost — and drop repeats by the `Leadwerk-Delivery` id.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from leadwerk.delivery import rules
from leadwerk.delivery.mail import Email, MailTransport, build_message
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.ports import EXCERPT_CHARS, SendResult, WebhookSender
from leadwerk.delivery.types import OUTBOX_WRITTEN, MessageKind, MessageStatus
from leadwerk.errors import ConfigurationError
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.worker")

# Renew the batch's lease when less than this is left beyond one request's timeout.
_LEASE_MARGIN_SECONDS = 5.0
# Longest pause after the database failed, however often it failed in a row.
_MAX_ERROR_PAUSE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    poll_seconds: float = 1.0
    batch_size: int = 50
    lease_seconds: float = 60.0
    max_attempts: int = 12
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 6 * 3600.0
    backoff_jitter: float = 0.1
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.max_attempts < 1:
            raise ConfigurationError(
                "LEADWERK_WORKER_BATCH_SIZE and LEADWERK_OUTBOX_MAX_ATTEMPTS must be at least 1."
            )
        if self.poll_seconds <= 0:
            raise ConfigurationError("LEADWERK_WORKER_POLL_SECONDS must be more than 0.")
        if self.lease_seconds <= self.timeout_seconds + _LEASE_MARGIN_SECONDS:
            raise ConfigurationError(
                "LEADWERK_WORKER_LEASE_SECONDS must exceed LEADWERK_WEBHOOK_TIMEOUT_SECONDS by "
                f"more than {_LEASE_MARGIN_SECONDS:g} s, or a slow receiver could let another "
                "worker claim a message that is still being sent."
            )


@dataclass(frozen=True, slots=True)
class Claim:
    """A message this worker holds, with what sending it needs."""

    message_id: int
    kind: MessageKind
    attempt: int
    event_type: str
    delivery_id: str
    payload: dict[str, Any]
    endpoint_id: int | None
    url: str | None
    secret: str | None
    endpoint_active: bool

    @property
    def undeliverable(self) -> str | None:
        """Why this message cannot be sent at all (it goes to the dead-letter state), or None."""
        if self.kind is MessageKind.EMAIL:
            return None
        if self.kind is not MessageKind.WEBHOOK:
            return f"Leadwerk cannot deliver messages of kind {self.kind.value!r}."
        if self.url is None or self.secret is None:
            return "The webhook no longer exists."
        if not self.endpoint_active:
            return "Not sent: the webhook is paused. Retry the message after resuming it."
        return None


def encode_body(payload: dict[str, Any]) -> bytes:
    """The envelope as compact UTF-8 JSON: the exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def webhook_headers(
    *, secret: str, timestamp: int, body: bytes, event_type: str, delivery_id: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        rules.EVENT_HEADER: event_type,
        rules.DELIVERY_HEADER: delivery_id,
        rules.SIGNATURE_HEADER: rules.sign(secret, timestamp, body),
    }


class SendPolicy(Protocol):
    """The check at send time of an email, handed in by the wiring code (delivery knows no
    domain): why the message must not go out now (consent withdrawn, the person erased, …),
    or None."""

    def refusal(self, lead_id: int | None, purpose: str | None) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Mailer:
    """How the worker sends email: the transport, the From address, the send-time check."""

    transport: MailTransport
    sender: str
    policy: SendPolicy | None = None


class Worker:
    """Delivers the outbox of one database. `run_once()` for one round; `start()`/`stop()` to
    keep delivering in a background thread."""

    def __init__(
        self,
        name: str,
        db: Database,
        config: WorkerConfig,
        sender: WebhookSender,
        *,
        mailer: Mailer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.name = name
        self.db = db
        self.config = config
        self.sender = sender
        self.mailer = mailer
        self.clock = clock
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: _OutboxCommitListener | None = None
        # Rounds the background loop has finished (for health checks and tests).
        self.rounds = 0

    # --- one round ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim due messages and deliver them; returns how many were processed.

        Stops early when a stop is requested and hands the messages it did not get to back.
        """
        claims, lease_until = self._claim()
        if claims:
            log.debug("claimed %d outbox messages", len(claims), extra={"worker": self.name})
        processed = 0
        for index, claim in enumerate(claims):
            if self._stopping.is_set():
                self._release(claims[index:])
                break
            lease_until = self._keep_lease(claims[index:], lease_until)
            try:
                self._deliver(claim)
            except Exception:
                # The claim expires with its lease and the message is tried again then.
                log.exception(
                    "recording the delivery of message %d failed",
                    claim.message_id,
                    extra={"worker": self.name, "message_id": claim.message_id},
                )
            processed += 1
        return processed

    def drain(self) -> int:
        """Run rounds until nothing is due (or a stop is requested); returns the total."""
        total = 0
        while not self._stopping.is_set():
            processed = self.run_once()
            total += processed
            if processed < self.config.batch_size:
                break
        return total

    def _claim(self) -> tuple[list[Claim], datetime]:
        now = self.clock()
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.config.batch_size)
        )
        if self.db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(
                claimed_by=self.name,
                claimed_until=lease_until,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        with self.db.transaction() as session:
            ids = list(session.scalars(claim))
            if not ids:
                return [], lease_until
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.kind,
                    OutboxMessage.attempts,
                    OutboxMessage.event_type,
                    OutboxMessage.idempotency_key,
                    OutboxMessage.payload,
                    OutboxMessage.endpoint_id,
                    WebhookEndpoint.url,
                    WebhookEndpoint.secret,
                    WebhookEndpoint.is_active,
                )
                .outerjoin(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
                .where(OutboxMessage.id.in_(ids))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            ).all()
        claims = [
            Claim(
                message_id=r.id,
                kind=r.kind,
                attempt=r.attempts,
                event_type=r.event_type,
                delivery_id=r.idempotency_key,
                payload=r.payload,
                endpoint_id=r.endpoint_id,
                url=r.url,
                secret=r.secret,
                endpoint_active=bool(r.is_active),
            )
            for r in rows
        ]
        return claims, lease_until

    def _keep_lease(self, claims: Sequence[Claim], lease_until: datetime) -> datetime:
        """Extend the lease of the claims still to send before it runs short."""
        needed = timedelta(seconds=self.config.timeout_seconds + _LEASE_MARGIN_SECONDS)
        now = self.clock()
        if lease_until - now > needed:
            return lease_until
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([c.message_id for c in claims]),
                    OutboxMessage.claimed_by == self.name,
                    OutboxMessage.status == MessageStatus.PENDING,
                )
                .values(claimed_until=lease_until)
                .execution_options(synchronize_session=False)
            )
        return lease_until

    def _release(self, claims: Sequence[Claim]) -> None:
        """Hand claimed but unsent messages back, due at once, without counting an attempt."""
        with self.db.transaction() as session:
            for c in claims:
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == c.message_id,
                        OutboxMessage.claimed_by == self.name,
                        OutboxMessage.attempts == c.attempt,
                        OutboxMessage.status == MessageStatus.PENDING,
                    )
                    .values(claimed_by=None, claimed_until=None, attempts=c.attempt - 1)
                    .execution_options(synchronize_session=False)
                )
        log.info("handed back %d unsent messages", len(claims), extra={"worker": self.name})

    # --- one message -------------------------------------------------------------------------

    def _deliver(self, claim: Claim) -> None:
        started_at = self.clock()
        if claim.kind is MessageKind.EMAIL:
            self._deliver_email(claim, started_at)
            return
        refusal = claim.undeliverable
        if refusal is not None or claim.url is None or claim.secret is None:
            self._record(claim, started_at, 0, SendResult(error=refusal))
            return
        body = encode_body(claim.payload)
        headers = webhook_headers(
            secret=claim.secret,
            timestamp=int(started_at.timestamp()),
            body=body,
            event_type=claim.event_type,
            delivery_id=claim.delivery_id,
        )
        began = time.perf_counter()
        try:
            result = self.sender.send(claim.url, body, headers)
        except Exception as exc:
            log.exception("webhook sender failed", extra={"message_id": claim.message_id})
            result = SendResult(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        duration_ms = round((time.perf_counter() - began) * 1000)
        self._record(claim, started_at, duration_ms, result)

    def _deliver_email(self, claim: Claim, started_at: datetime) -> None:
        if self.mailer is None:
            self._record(claim, started_at, 0, SendResult(error="No mail transport is set up."))
            return
        payload = claim.payload
        policy = self.mailer.policy
        refusal = policy.refusal(payload.get("lead_id"), payload.get("purpose")) if policy else None
        if refusal is not None:
            self._record(claim, started_at, 0, SendResult(error=refusal), dropped=True)
            return
        message = build_message(
            Email.from_dict(payload["email"]),
            sender=self.mailer.sender,
            message_key=claim.delivery_id,
            now=started_at,
        )
        began = time.perf_counter()
        try:
            result = self.mailer.transport.send(message)
        except Exception as exc:
            log.exception("mail transport failed", extra={"message_id": claim.message_id})
            result = SendResult(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        duration_ms = round((time.perf_counter() - began) * 1000)
        self._record(claim, started_at, duration_ms, result)

    def _record(
        self,
        claim: Claim,
        started_at: datetime,
        duration_ms: int,
        result: SendResult,
        *,
        dropped: bool = False,
    ) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            message = session.scalars(
                select(OutboxMessage).where(OutboxMessage.id == claim.message_id).with_for_update()
            ).one_or_none()
            if message is None:
                log.info(
                    "message %d is gone (its webhook was deleted); nothing recorded",
                    claim.message_id,
                    extra={"worker": self.name, "message_id": claim.message_id},
                )
                return
            session.add(
                DeliveryAttempt(
                    message_id=claim.message_id,
                    attempt=claim.attempt,
                    started_at=started_at,
                    duration_ms=duration_ms,
                    worker=self.name[:100],
                    succeeded=result.ok,
                    status_code=result.status_code,
                    error=None if result.ok else result.describe(),
                    response_excerpt=result.excerpt,
                )
            )
            self._settle(session, message, claim, result, now, dropped=dropped)

    def _settle(
        self,
        session: Session,
        message: OutboxMessage,
        claim: Claim,
        result: SendResult,
        now: datetime,
        *,
        dropped: bool = False,
    ) -> None:
        still_ours = (
            message.status is MessageStatus.PENDING
            and message.claimed_by == self.name
            and message.attempts == claim.attempt
        )
        extra = {
            "worker": self.name,
            "message_id": message.id,
            "endpoint_id": message.endpoint_id,
            "attempt": claim.attempt,
            "status_code": result.status_code,
        }
        if result.ok:
            # Delivered is true whoever holds the claim now; a later failure must not undo it.
            if message.status is not MessageStatus.DELIVERED:
                message.status = MessageStatus.DELIVERED
                message.delivered_at = now
                message.last_error = None
                message.claimed_by = message.claimed_until = None
            log.info("delivered message %d", message.id, extra=extra)
            return
        if not still_ours:
            log.warning(
                "message %d was claimed again or retried while this attempt ran; the attempt "
                "is logged, its state left alone",
                message.id,
                extra=extra,
            )
            return
        message.last_error = result.describe()
        message.claimed_by = message.claimed_until = None
        if dropped:
            message.status = MessageStatus.DROPPED
            log.info("message %d dropped: %s", message.id, message.last_error, extra=extra)
            return
        if (
            claim.undeliverable
            or result.permanent
            or rules.is_dead(message.attempts, self.config.max_attempts)
        ):
            message.status = MessageStatus.DEAD
            log.warning("message %d is dead: %s", message.id, message.last_error, extra=extra)
            return
        message.next_attempt_at = rules.next_attempt_at(
            now,
            message.attempts,
            base=self.config.backoff_base_seconds,
            cap=self.config.backoff_max_seconds,
            jitter=self.config.backoff_jitter,
        )
        log.warning(
            "delivering message %d failed (attempt %d of %d): %s",
            message.id,
            claim.attempt,
            self.config.max_attempts,
            message.last_error,
            extra=extra,
        )

    # --- background thread -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Deliver in a background thread until `stop()`; wakes at once after a commit in this
        process that wrote outbox messages, and polls for the rest."""
        if self.running:
            raise RuntimeError(f"worker {self.name} runs already")
        self._stopping.clear()
        self._listener = _OutboxCommitListener(self.db, self.wake)
        self._listener.install()
        self._thread = threading.Thread(
            target=self._loop, name=f"leadwerk-worker-{self.name}", daemon=True
        )
        self._thread.start()
        log.info("worker started", extra={"worker": self.name})

    def wake(self) -> None:
        """Look for due messages now instead of at the next poll."""
        self._wake.set()

    def request_stop(self) -> None:
        """Ask the worker to stop after the message it is sending; safe in a signal handler."""
        self._stopping.set()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop and wait: the message being sent is finished and recorded, the rest of the
        batch handed back. Closes the sender."""
        self.request_stop()
        if self._listener is not None:
            self._listener.remove()
            self._listener = None
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout if timeout is not None else self.config.timeout_seconds * 3)
            if thread.is_alive():
                log.error("worker did not stop in time", extra={"worker": self.name})
                return
        self.sender.close()
        log.info("worker stopped", extra={"worker": self.name})

    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                processed = self.drain()
                failures = 0
            except Exception:
                failures += 1
                log.exception("worker round failed", extra={"worker": self.name})
                pause = min(self.config.poll_seconds * 2**failures, _MAX_ERROR_PAUSE_SECONDS)
                self._stopping.wait(pause)
                continue
            self.rounds += 1
            if processed:
                log.debug("round done", extra={"worker": self.name, "processed": processed})
            self._wake.wait(self.config.poll_seconds)


class _OutboxCommitListener:
    """Calls `callback` after a session on `db` commits a transaction that added outbox rows.

    Only sessions of this process are seen; other processes' messages wait for the poll.
    """

    def __init__(self, db: Database, callback: Callable[[], None]) -> None:
        self._pool = db.engine.pool
        self._callback = callback
        self._key = f"leadwerk_outbox_written_{id(self)}"
        self._seen_key = f"leadwerk_outbox_seen_{id(self)}"
        # One bound object each, so `event.remove` finds what `event.listen` registered.
        self._after_flush = self.after_flush
        self._after_commit = self.after_commit
        self._after_rollback = self.after_rollback

    def install(self) -> None:
        event.listen(Session, "after_flush", self._after_flush)
        event.listen(Session, "after_commit", self._after_commit)
        event.listen(Session, "after_rollback", self._after_rollback)

    def remove(self) -> None:
        event.remove(Session, "after_flush", self._after_flush)
        event.remove(Session, "after_commit", self._after_commit)
        event.remove(Session, "after_rollback", self._after_rollback)

    def after_flush(self, session: Session, _context: object) -> None:
        if any(isinstance(obj, OutboxMessage) for obj in session.new):
            session.info[self._key] = True

    def after_commit(self, session: Session) -> None:
        # Rows come as ORM objects (seen at flush) or from publish(), which counts them in
        # session.info; each listener remembers how many of those it has seen.
        written = session.info.get(OUTBOX_WRITTEN, 0)
        fresh = written > session.info.get(self._seen_key, 0)
        session.info[self._seen_key] = written
        if (session.info.pop(self._key, False) or fresh) and self._ours(session):
            self._callback()

    def after_rollback(self, session: Session) -> None:
        session.info.pop(self._key, None)
        session.info[self._seen_key] = session.info.get(OUTBOX_WRITTEN, 0)

    def _ours(self, session: Session) -> bool:
        bind = session.get_bind()
        engine = getattr(bind, "engine", bind)
        return getattr(engine, "pool", None) is self._pool
