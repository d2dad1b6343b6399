"""Pure rules of delivery: the retry schedule and the webhook signature."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta

SIGNATURE_HEADER = "Leadwerk-Signature"
EVENT_HEADER = "Leadwerk-Event"
DELIVERY_HEADER = "Leadwerk-Delivery"
SIGNATURE_VERSION = "v1"
# Receivers should refuse signatures older than this (replay protection).
SIGNATURE_TOLERANCE_SECONDS = 300


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float = 0.0) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base·2^(n-1), capped.

    `jitter` in [0, 1) spreads retries of many messages that failed together.
    """
    delay: float = min(cap, base * 2.0 ** max(0, attempt - 1))
    if jitter:
        delay *= 1 + random.uniform(-jitter, jitter)  # noqa: S311 - not for secrets
    return delay


def next_attempt_at(
    now: datetime, attempt: int, *, base: float, cap: float, jitter: float = 0.1
) -> datetime:
    return now + timedelta(seconds=backoff_delay(attempt, base=base, cap=cap, jitter=jitter))


def is_dead(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, now: int, tolerance: int = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """What a receiver does; used by our tests and shown in docs/webhooks.md."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields[SIGNATURE_VERSION]
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split(f"{SIGNATURE_VERSION}=", 1)[1]
    return hmac.compare_digest(expected, given)


def patterns_matching(event_type: str) -> list[str]:
    """Every subscription that receives `event_type`: itself, `*`, and a `prefix.*` for each
    level ("lead.created" → ["*", "lead.created", "lead.*"])."""
    parts = event_type.split(".")
    return ["*", event_type, *(".".join(parts[:n]) + ".*" for n in range(1, len(parts)))]


def subscribed(event_types: list[str], event_type: str) -> bool:
    """`*` subscribes to everything, `lead.*` to every lead event."""
    matching = patterns_matching(event_type)
    return any(pattern in matching for pattern in event_types)
