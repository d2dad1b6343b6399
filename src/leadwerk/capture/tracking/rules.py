"""Pure rules of capture.tracking: no I/O.

A request carries `{"visitor_id": "...", "events": [{...}, ...]}`. Each event is checked on its
own: a bad one is refused with its index and a message per field, the others go on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from leadwerk.capture import rules as capture_rules
from leadwerk.capture.rules import (  # shared with the other channels, re-exported
    normalise_origin as normalise_origin,
)
from leadwerk.capture.rules import (
    origin_allowed as origin_allowed,
)
from leadwerk.capture.tracking.types import (
    EventType,
    Identity,
    ParsedBatch,
    Rejection,
    TrackedEvent,
)
from leadwerk.capture.types import Intake
from leadwerk.errors import ValidationFailed

VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
EVENT_NAME = re.compile(r"[A-Za-z0-9_.:\- ]{1,100}")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_URL = 2000
NUL_MESSAGE = "Must not contain NUL characters."
MAX_TITLE = 300
MAX_UTM = 200
MAX_PROPERTIES_BYTES = 4096
MAX_CART_ITEMS = 200
MAX_CART_VALUE = 1_000_000_000
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
IDENTITY_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "job_title",
    "country",
    "language",
)
_EVENT_KEYS = frozenset({"type", "name", "url", "referrer", "title", "ts", "props"})

# Lower-case fragments of user agents that announce a robot, a crawler, a link preview, a
# monitor or a script. A person's browser carries none of them.
BOT_MARKERS = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "pagespeed",
    "facebookexternalhit",
    "embedly",
    "preview",
    "pingdom",
    "uptime",
    "monitor",
    "curl/",
    "wget/",
    "python-requests",
    "python-httpx",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "scrapy",
)


def is_bot(user_agent: str | None) -> bool:
    """An obvious robot: no user agent at all, or one that names itself as a robot or script."""
    agent = (user_agent or "").strip().lower()
    if not agent:
        return True
    return any(marker in agent for marker in BOT_MARKERS)


def _web_url(value: Any, field: str, errors: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[field] = "Must be a text (a URL)."
        return None
    if "\x00" in value:
        errors[field] = NUL_MESSAGE
        return None
    if len(value) > MAX_URL:
        errors[field] = f"At most {MAX_URL} characters, not {len(value)}."
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname  # raises on a broken [IPv6] host
    except ValueError:
        host = None
    if host is None or parts.scheme.lower() not in ("http", "https"):
        errors[field] = "Must be an http or https URL."
        return None
    return value


def utm_from_url(url: str | None) -> dict[str, str | None]:
    """The UTM parameters of a page URL (a Google Ads click id counts as google / cpc)."""
    found: dict[str, str | None] = dict.fromkeys(UTM_FIELDS)
    if not url:
        return found
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=False))
    for name in UTM_FIELDS:
        value = (query.get(name) or "").strip()
        found[name] = value[:MAX_UTM] or None
    if found["utm_source"] is None and found["utm_medium"] is None and query.get("gclid"):
        found["utm_source"], found["utm_medium"] = "google", "cpc"
    return found


def clamp_time(value: Any, now: datetime, skew: timedelta) -> datetime | str:
    """Milliseconds since the epoch → a time within [now - skew, now]; a message if unusable."""
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "Must be a number: milliseconds since 1970-01-01 UTC."
    try:
        at = datetime.fromtimestamp(value / 1000.0, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return "Must be a number: milliseconds since 1970-01-01 UTC."
    return min(max(at, now - skew), now)


def _properties(value: Any, errors: dict[str, str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["props"] = "Must be an object."
        return {}
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        errors["props"] = "Numbers must be finite (no NaN or Infinity)."
        return {}
    if "\\u0000" in text or "\x00" in text:
        errors["props"] = NUL_MESSAGE
        return {}
    size = len(text.encode())
    if size > MAX_PROPERTIES_BYTES:
        errors["props"] = f"At most {MAX_PROPERTIES_BYTES} bytes of JSON, not {size}."
        return {}
    return value


def identity_of(props: Mapping[str, Any], errors: dict[str, str]) -> Identity | None:
    """The person `props` names, checked with the intake pipeline's own normalisers."""
    values: dict[str, str | None] = {}
    for name in IDENTITY_FIELDS:
        value = props.get(name)
        if value is None or value == "":
            values[name] = None
        elif isinstance(value, str):
            values[name] = value
        else:
            errors[f"props.{name}"] = "Must be a text."
    if any(k.startswith("props.") for k in errors):
        return None
    _clean, problems = capture_rules.normalise(Intake(**values))  # type: ignore[arg-type]
    for name, message in problems.items():
        errors[f"props.{name}"] = message
    return None if problems else Identity(**values)


def _cart(props: dict[str, Any], errors: dict[str, str]) -> Identity | None:
    value = props.get("cart_value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors["props.cart_value"] = "Must be a number: the value of the cart."
    elif not 0 <= value <= MAX_CART_VALUE:
        errors["props.cart_value"] = f"Must be between 0 and {MAX_CART_VALUE}."
    currency = props.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        errors["props.currency"] = "Must be a currency code of three capital letters, e.g. EUR."
    items = props.get("items")
    if items is not None and (not isinstance(items, list) or len(items) > MAX_CART_ITEMS):
        errors["props.items"] = f"Must be a list of at most {MAX_CART_ITEMS} items."
    if not props.get("email"):
        return None
    return identity_of(props, errors)


def parse_event(
    raw: Any,
    anonymous_id: str,
    *,
    now: datetime,
    skew: timedelta,
) -> TrackedEvent | dict[str, str]:
    """One event of a batch: the validated event, or field → message."""
    if not isinstance(raw, dict):
        return {"event": "Must be an object."}
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - _EVENT_KEYS)
    if unknown:
        errors[unknown[0]] = "This field is unknown; check its spelling against docs/tracking.md."
    try:
        kind = EventType(str(raw.get("type")))
    except ValueError:
        allowed = ", ".join(t.value for t in EventType)
        return {**errors, "type": f"Must be one of {allowed}."}
    name = raw.get("name")
    if kind is EventType.EVENT:
        if not isinstance(name, str) or not EVENT_NAME.fullmatch(name):
            errors["name"] = "Must be 1 to 100 letters, digits, spaces or _ . : -."
    elif name is not None:
        errors["name"] = "Only custom events (type event) have a name."
    url = _web_url(raw.get("url"), "url", errors)
    if kind is EventType.PAGE_VIEW and url is None and "url" not in errors:
        errors["url"] = "A page view needs the page's URL."
    referrer = _web_url(raw.get("referrer"), "referrer", errors)
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        errors["title"] = "Must be a text."
    elif isinstance(title, str) and "\x00" in title:
        errors["title"] = NUL_MESSAGE
    occurred = clamp_time(raw.get("ts"), now, skew)
    if isinstance(occurred, str):
        errors["ts"] = occurred
    props = _properties(raw.get("props"), errors)
    identity = None
    if kind is EventType.IDENTIFY and "props" not in errors:
        identity = identity_of(props, errors)
        props = {k: v for k, v in props.items() if k not in IDENTITY_FIELDS}
    elif kind is EventType.CART_ABANDONED and "props" not in errors:
        identity = _cart(props, errors)
        props = {k: v for k, v in props.items() if k not in IDENTITY_FIELDS}
    if errors or isinstance(occurred, str):
        return errors
    if isinstance(title, str) and title.strip():
        props = {**props, "title": title.strip()[:MAX_TITLE]}
    utm = utm_from_url(url)
    own_host = urlsplit(url).hostname if url else None
    return TrackedEvent(
        anonymous_id=anonymous_id,
        type=kind,
        name=name if kind is EventType.EVENT else None,
        url=url,
        referrer=referrer,
        utm_source=utm["utm_source"],
        utm_medium=utm["utm_medium"],
        utm_campaign=utm["utm_campaign"],
        utm_term=utm["utm_term"],
        utm_content=utm["utm_content"],
        channel=capture_rules.classify_channel(
            utm["utm_source"], utm["utm_medium"], referrer, own_host
        ),
        occurred_at=occurred,
        received_at=now,
        properties=props,
        identity=identity,
    )


def parse_batch(payload: Any, *, now: datetime, skew: timedelta, max_events: int) -> ParsedBatch:
    """Split a request's events into valid and refused ones. A body that is not a batch at
    all (no object, a bad visitor id, no or too many events) raises `ValidationFailed`."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "Must be an object with visitor_id and events."})
    errors: dict[str, str] = {}
    visitor = payload.get("visitor_id")
    if not isinstance(visitor, str) or not VISITOR_ID.fullmatch(visitor):
        errors["visitor_id"] = "Must be 8 to 64 letters, digits, _ or -."
    events = payload.get("events")
    if not isinstance(events, list) or not events:
        errors["events"] = "Must be a list of at least one event."
    elif len(events) > max_events:
        errors["events"] = f"At most {max_events} events per request, not {len(events)}."
    unknown = sorted(set(payload) - {"visitor_id", "events"})
    if unknown:
        errors[unknown[0]] = "This field is unknown; check its spelling against docs/tracking.md."
    if errors:
        raise ValidationFailed(errors, "The batch was not accepted.")
    assert isinstance(visitor, str)
    assert isinstance(events, list)
    accepted: list[TrackedEvent] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(events):
        outcome = parse_event(raw, visitor, now=now, skew=skew)
        if isinstance(outcome, TrackedEvent):
            accepted.append(outcome)
        else:
            rejected.append(Rejection(index, outcome))
    return ParsedBatch(accepted, rejected)


def decode_body(body: bytes) -> Any:
    """The JSON of a request body (sendBeacon sends it as text/plain); raises on garbage."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            {"body": f"The body is not valid UTF-8 (byte {exc.start})."}
        ) from exc
    except json.JSONDecodeError as exc:
        raise ValidationFailed({"body": f"The body is not valid JSON: {exc.msg}."}) from exc
