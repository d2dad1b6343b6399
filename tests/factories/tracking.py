"""Factories for site tracking: raw events as the snippet sends them, and validated ones."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking.types import TrackedEvent

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SKEW = timedelta(minutes=10)
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
_seq = itertools.count(1)


def visitor_id() -> str:
    return f"visitor-{next(_seq):08d}"


def page_view(url: str = "https://www.example.com/", **extra: Any) -> dict[str, Any]:
    return {"type": "page_view", "url": url, **extra}


def custom(name: str, props: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "name": name,
        "url": "https://www.example.com/",
        "props": props or {},
        **extra,
    }


def identify(email: str, **traits: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "url": "https://www.example.com/",
        "props": {"email": email, **traits},
    }


def cart(value: float = 99.5, currency: str = "EUR", **props: Any) -> dict[str, Any]:
    return {
        "type": "cart_abandoned",
        "url": "https://shop.example.com/cart",
        "props": {"cart_value": value, "currency": currency, "items": [{"sku": "A-1"}], **props},
    }


def tracked(raw: dict[str, Any], anonymous_id: str, now: datetime | None = None) -> TrackedEvent:
    """A raw event through the real validation; fails the test if it is refused."""
    outcome = rules.parse_event(raw, anonymous_id, now=now or datetime.now(UTC), skew=SKEW)
    assert isinstance(outcome, TrackedEvent), outcome
    return outcome


def page_views(anonymous_id: str, count: int, now: datetime | None = None) -> list[TrackedEvent]:
    return [
        tracked(page_view(f"https://www.example.com/p/{i}"), anonymous_id, now)
        for i in range(count)
    ]
