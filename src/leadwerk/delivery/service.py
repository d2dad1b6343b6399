"""Use cases of delivery: writing to the outbox inside the caller's transaction (workers
deliver after the commit), managing webhook endpoints, and looking after the outbox and its
delivery log (list, inspect, retry).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from sqlalchemy import (
    ColumnElement,
    Insert,
    String,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    type_coerce,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.delivery import rules
from leadwerk.delivery.mail import Email
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from leadwerk.delivery.types import OUTBOX_WRITTEN, MessageKind, MessageStatus
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.storage.base import utcnow

_outbox = cast(Table, OutboxMessage.__table__)
_endpoints = cast(Table, WebhookEndpoint.__table__)


def _subscribed_to(dialect: str, patterns: list[str]) -> ColumnElement[bool]:
    """SQL for "the endpoint's event_types hold one of `patterns`" (JSON on both engines)."""
    if dialect == "postgresql":
        event_types = type_coerce(_endpoints.c.event_types, JSONB)
        has_any: ColumnElement[bool] = event_types.has_any(postgresql.array(patterns))
        return has_any
    each = func.json_each(_endpoints.c.event_types).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(patterns)))


@lru_cache(maxsize=64)
def _fan_out(dialect: str, patterns: tuple[str, ...]) -> Insert:
    """INSERT INTO outbox (...) SELECT ... FROM webhook_endpoints WHERE active AND subscribed:
    the lookup of the subscribers and the writing of their rows in one statement."""
    columns = _outbox.c
    rows = (
        select(
            bindparam("kind", type_=columns.kind.type),
            bindparam("event_type", type_=columns.event_type.type),
            _endpoints.c.id,
            bindparam("event_id", type_=String()) + ":" + sql_cast(_endpoints.c.id, String()),
            bindparam("payload", type_=columns.payload.type),
            bindparam("status", type_=columns.status.type),
            literal(0),
            bindparam("now", type_=columns.next_attempt_at.type),
            bindparam("now", type_=columns.created_at.type),
        )
        .where(_endpoints.c.is_active.is_(True), _subscribed_to(dialect, list(patterns)))
        .order_by(_endpoints.c.id)
    )
    names = [
        "kind",
        "event_type",
        "endpoint_id",
        "idempotency_key",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    return insert(_outbox).from_select(names, rows).returning(columns.idempotency_key)


def publish(session: Session, event_type: str, data: dict[str, Any]) -> list[str]:
    """Fan an event out to every active webhook subscribed to it: one outbox row each.

    The event id is shared by the rows; each row's idempotency key (returned, in endpoint
    order) is what receivers see as the delivery id, so a retried delivery carries the same id
    as the first. Runs on every intake, so it is one statement, without the ORM's unit of
    work; it flushes what is pending first (as autoflush would, so endpoints changed in this
    session count).
    """
    if session.autoflush:
        session.flush()
    event_id = str(uuid.uuid4())
    now = utcnow()
    envelope = {"id": event_id, "type": event_type, "occurred_at": now.isoformat(), "data": data}
    connection = session.connection()
    # Built once per engine kind and event type: constructing the statement costs more CPU
    # than running it.
    statement = _fan_out(connection.dialect.name, tuple(rules.patterns_matching(event_type)))
    keys = list(
        connection.execute(
            statement,
            {
                "kind": MessageKind.WEBHOOK,
                "event_type": event_type,
                "event_id": event_id,
                "payload": envelope,
                "status": MessageStatus.PENDING,
                "now": now,
            },
        ).scalars()
    )
    if keys:
        session.info[OUTBOX_WRITTEN] = session.info.get(OUTBOX_WRITTEN, 0) + len(keys)
    return sorted(keys, key=lambda key: int(key.rsplit(":", 1)[1]))


def queue_email(
    session: Session,
    email: Email,
    *,
    event_type: str,
    lead_id: int | None,
    purpose: str | None,
) -> str:
    """One email into the outbox, sent after the commit. `purpose` is the consent purpose it
    is sent for (None: transactional, such as a double opt-in confirmation); the worker asks
    the send-time check with it and `lead_id` before sending, so a withdrawal in between drops
    the message. Returns the message's key."""
    key = str(uuid.uuid4())
    now = utcnow()
    session.add(
        OutboxMessage(
            kind=MessageKind.EMAIL,
            event_type=event_type,
            idempotency_key=key,
            endpoint_id=None,
            payload={"email": email.to_dict(), "lead_id": lead_id, "purpose": purpose},
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    session.flush()
    session.info[OUTBOX_WRITTEN] = session.info.get(OUTBOX_WRITTEN, 0) + 1
    return key


# --- webhook endpoints -----------------------------------------------------------------------

# Event types a webhook can subscribe to, and the patterns that stand for several of them.
EVENT_TYPES: tuple[str, ...] = (
    "lead.created",
    "lead.updated",
    "lead.merged",
    "lead.unmerged",
    "import.completed",
)
EVENT_PATTERNS: tuple[str, ...] = ("*", "lead.*", "import.*")
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not a secret
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200


def _clean_url(url: str | None) -> tuple[str | None, str | None]:
    """(url, None) when usable, else (None, why not)."""
    url = (url or "").strip()
    if not url:
        return None, "A webhook needs a URL."
    if len(url) > MAX_URL_LENGTH:
        return None, f"The URL is longer than {MAX_URL_LENGTH} characters."
    if any(ch.isspace() or _is_control(ch) for ch in url):
        return None, "The URL must not contain spaces or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        httpx.URL(url)  # what the sender will make of it, international host names included
    except (ValueError, httpx.InvalidURL):
        return None, "The URL cannot be parsed."
    if parts.scheme.lower() not in ("http", "https"):
        return None, "The URL must start with https:// (or http://)."
    if not parts.hostname:
        return None, "The URL has no host name."
    return url, None


def _clean_event_types(event_types: list[str] | None) -> tuple[list[str] | None, str | None]:
    known = EVENT_PATTERNS + EVENT_TYPES
    cleaned: list[str] = []
    for value in event_types or []:
        value = value.strip()
        if value not in known:
            return None, f"Unknown event type {value[:64]!r}; choose from {', '.join(known)}."
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        return None, "Choose at least one event type."
    return cleaned, None


def _clean_description(description: str | None) -> tuple[str | None, str | None]:
    description = (description or "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        return None, f"The description is longer than {MAX_DESCRIPTION_LENGTH} characters."
    if description is not None and any(_is_control(ch) for ch in description):
        return None, "The description must not contain control characters."
    return description, None


def _is_control(ch: str) -> bool:
    return ord(ch) < 32 or 127 <= ord(ch) < 160


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_endpoint(
    session: Session,
    *,
    url: str,
    event_types: list[str],
    description: str | None,
    actor: str,
) -> WebhookEndpoint:
    """Register a receiver. Its secret is on the returned row; show it to the admin once."""
    clean_url, url_problem = _clean_url(url)
    clean_types, types_problem = _clean_event_types(event_types)
    clean_description, description_problem = _clean_description(description)
    errors = {
        f: p
        for f, p in (
            ("url", url_problem),
            ("event_types", types_problem),
            ("description", description_problem),
        )
        if p is not None
    }
    if errors or clean_url is None or clean_types is None:
        raise ValidationFailed(errors, "The webhook was not saved: some fields are invalid.")
    endpoint = WebhookEndpoint(
        url=clean_url,
        event_types=clean_types,
        description=clean_description,
        secret=_new_secret(),
        is_active=True,
        created_at=utcnow(),
        created_by=actor[:64],
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="webhook.created",
        subject_type="webhook",
        subject_id=endpoint.id,
        details={"url": clean_url, "event_types": clean_types},
    )
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"There is no webhook with id {endpoint_id}.")
    return endpoint


def set_endpoint_active(
    session: Session, endpoint_id: int, active: bool, *, actor: str
) -> WebhookEndpoint:
    """Pause or resume a webhook. While paused, no new messages are written for it, and the
    worker moves its due messages to the dead-letter state (retry them after resuming)."""
    endpoint = get_endpoint(session, endpoint_id)
    if endpoint.is_active != active:
        endpoint.is_active = active
        audit.record(
            session,
            actor=actor,
            action="webhook.activated" if active else "webhook.deactivated",
            subject_type="webhook",
            subject_id=endpoint.id,
        )
    return endpoint


def update_endpoint(
    session: Session, endpoint_id: int, changes: Mapping[str, Any], *, actor: str
) -> WebhookEndpoint:
    """Change the given fields: `url`, `event_types`, `description`, `active`."""
    unknown = set(changes) - {"url", "event_types", "description", "active"}
    if unknown:
        raise ValidationFailed({name: "This field cannot be changed." for name in sorted(unknown)})
    endpoint = get_endpoint(session, endpoint_id)
    errors: dict[str, str] = {}
    new: dict[str, Any] = {}
    if "url" in changes:
        new["url"], problem = _clean_url(changes["url"])
        if problem:
            errors["url"] = problem
    if "event_types" in changes:
        new["event_types"], problem = _clean_event_types(changes["event_types"])
        if problem:
            errors["event_types"] = problem
    if "description" in changes:
        new["description"], problem = _clean_description(changes["description"])
        if problem:
            errors["description"] = problem
    if "active" in changes and not isinstance(changes["active"], bool):
        errors["active"] = "Use true or false."
    if errors:
        raise ValidationFailed(errors, "The webhook was not saved: some fields are invalid.")
    changed = {k: v for k, v in new.items() if getattr(endpoint, k) != v}
    for name, value in changed.items():
        setattr(endpoint, name, value)
    if changed:
        audit.record(
            session,
            actor=actor,
            action="webhook.updated",
            subject_type="webhook",
            subject_id=endpoint.id,
            details={"changes": changed},
        )
    if "active" in changes:
        set_endpoint_active(session, endpoint_id, changes["active"], actor=actor)
    return endpoint


def delete_endpoint(session: Session, endpoint_id: int, *, actor: str) -> None:
    """Remove a webhook together with its outbox messages and their delivery log."""
    endpoint = get_endpoint(session, endpoint_id)
    audit.record(
        session,
        actor=actor,
        action="webhook.deleted",
        subject_type="webhook",
        subject_id=endpoint.id,
        details={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    session.execute(delete(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.flush()


def rotate_secret(session: Session, endpoint_id: int, *, actor: str) -> WebhookEndpoint:
    """A new signing secret, effective for every delivery from now on (retries included)."""
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.secret = _new_secret()
    audit.record(
        session,
        actor=actor,
        action="webhook.secret_rotated",
        subject_type="webhook",
        subject_id=endpoint.id,
    )
    return endpoint


# --- outbox and delivery log -----------------------------------------------------------------

MAX_MESSAGE_PAGE = 500


def list_messages(
    session: Session,
    *,
    status: MessageStatus | None = None,
    limit: int = 100,
    before_id: int | None = None,
    endpoint_id: int | None = None,
) -> list[OutboxMessage]:
    """Newest first; pass the last id seen as `before_id` for the next page."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if before_id is not None:
        query = query.where(OutboxMessage.id < before_id)
    if endpoint_id is not None:
        query = query.where(OutboxMessage.endpoint_id == endpoint_id)
    return list(session.scalars(query.limit(max(1, min(limit, MAX_MESSAGE_PAGE)))))


def get_message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"There is no outbox message with id {message_id}.")
    return message


def list_attempts(session: Session, message_id: int) -> list[DeliveryAttempt]:
    """The message's delivery log, oldest attempt first."""
    return list(
        session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_id == message_id)
            .order_by(DeliveryAttempt.started_at, DeliveryAttempt.id)
        )
    )


def retry_message(session: Session, message_id: int, *, actor: str) -> OutboxMessage:
    """Send a dead (or failing) message again, now, with a full set of attempts.

    The delivery log keeps the earlier attempts. Refused for delivered messages, for a message
    a worker is sending right now, and while its webhook is paused.
    """
    message = get_message(session, message_id)
    now = utcnow()
    _check_retryable(session, message, now)
    before = {"status": message.status.value, "attempts": message.attempts}
    _reset_for_retry(message, now)
    audit.record(
        session,
        actor=actor,
        action="outbox.retried",
        subject_type="outbox_message",
        subject_id=message.id,
        details=before,
    )
    return message


def retry_dead_messages(session: Session, *, actor: str, endpoint_id: int | None = None) -> int:
    """Retry every dead message (of one webhook, if given) whose webhook is active."""
    query = (
        select(OutboxMessage)
        .join(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
        .where(OutboxMessage.status == MessageStatus.DEAD, WebhookEndpoint.is_active.is_(True))
        .order_by(OutboxMessage.id)
    )
    if endpoint_id is not None:
        query = query.where(OutboxMessage.endpoint_id == endpoint_id)
    now = utcnow()
    messages = list(session.scalars(query))
    for message in messages:
        _reset_for_retry(message, now)
    if messages:
        audit.record(
            session,
            actor=actor,
            action="outbox.dead_retried",
            subject_type="webhook" if endpoint_id is not None else "outbox",
            subject_id=endpoint_id if endpoint_id is not None else "*",
            details={"count": len(messages), "first_id": messages[0].id},
        )
    return len(messages)


def _check_retryable(session: Session, message: OutboxMessage, now: datetime) -> None:
    if message.status is MessageStatus.DELIVERED:
        raise Conflict(f"Message {message.id} was delivered already; it is not sent again.")
    in_flight = message.claimed_until is not None and message.claimed_until > now
    if message.status is MessageStatus.PENDING and in_flight:
        raise Conflict(
            f"Message {message.id} is being delivered right now; look again in a moment."
        )
    if message.endpoint_id is not None:
        endpoint = session.get(WebhookEndpoint, message.endpoint_id)
        if endpoint is not None and not endpoint.is_active:
            raise Conflict(
                f"The webhook of message {message.id} is paused; activate it before retrying."
            )


def _reset_for_retry(message: OutboxMessage, now: datetime) -> None:
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_by = None
    message.claimed_until = None


def counts_by_status(session: Session) -> dict[MessageStatus, int]:
    """How many messages are in each state; every state is present, zero or not."""
    counts = dict.fromkeys(MessageStatus, 0)
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    for status, count in rows:
        counts[MessageStatus(status)] = int(count)
    return counts
