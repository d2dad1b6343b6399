from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking.types import EventType, Identity, TrackedEvent
from leadwerk.errors import ValidationFailed
from leadwerk.leads.types import Channel
from tests.factories.tracking import BROWSER_UA, NOW, SKEW, cart, custom, identify, page_view

VID = "abcdef0123456789"


def parse(raw: Any) -> TrackedEvent | dict[str, str]:
    return rules.parse_event(raw, VID, now=NOW, skew=SKEW)


def ok(raw: Any) -> TrackedEvent:
    outcome = parse(raw)
    assert isinstance(outcome, TrackedEvent), outcome
    return outcome


def test_page_view_takes_utm_from_the_url_and_classifies_the_channel() -> None:
    ev = ok(
        page_view(
            "https://www.example.com/pricing?utm_source=google&utm_medium=cpc"
            "&utm_campaign=spring&utm_term=crm&utm_content=ad1",
            referrer="https://www.google.de/",
            title="  Pricing  ",
        )
    )
    assert ev.type is EventType.PAGE_VIEW
    assert (ev.utm_source, ev.utm_medium, ev.utm_campaign, ev.utm_term, ev.utm_content) == (
        "google",
        "cpc",
        "spring",
        "crm",
        "ad1",
    )
    assert ev.channel is Channel.PAID_SEARCH
    assert ev.properties == {"title": "Pricing"}
    assert ev.occurred_at == NOW
    assert ev.received_at == NOW
    assert ev.anonymous_id == VID


@pytest.mark.parametrize(
    ("url", "referrer", "channel"),
    [
        ("https://www.example.com/", None, Channel.DIRECT),
        ("https://www.example.com/", "https://www.google.com/search?q=x", Channel.ORGANIC_SEARCH),
        ("https://www.example.com/", "https://www.linkedin.com/feed", Channel.ORGANIC_SOCIAL),
        ("https://www.example.com/", "https://blog.partner.de/post", Channel.REFERRAL),
        ("https://www.example.com/b", "https://www.example.com/a", Channel.DIRECT),
        ("https://www.example.com/?utm_source=newsletter&utm_medium=email", None, Channel.EMAIL),
        (
            "https://www.example.com/?utm_source=fb&utm_medium=paid_social",
            None,
            Channel.PAID_SOCIAL,
        ),
        ("https://www.example.com/?gclid=abc", None, Channel.PAID_SEARCH),
    ],
)
def test_channel_grouping(url: str, referrer: str | None, channel: Channel) -> None:
    assert ok(page_view(url, referrer=referrer)).channel is channel


def test_timestamps_are_clamped_to_now_minus_skew_and_now() -> None:
    ms = NOW.timestamp() * 1000
    assert ok(page_view(ts=ms - 60_000)).occurred_at == NOW - timedelta(minutes=1)
    assert ok(page_view(ts=ms + 3_600_000)).occurred_at == NOW
    assert ok(page_view(ts=0)).occurred_at == NOW - SKEW
    assert parse(page_view(ts="yesterday")) == {
        "ts": "Must be a number: milliseconds since 1970-01-01 UTC."
    }
    assert parse(page_view(ts=True))["ts"].startswith("Must be a number")  # type: ignore[index]
    assert parse(page_view(ts=1e300))["ts"].startswith("Must be a number")  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ("x", {"event": "Must be an object."}),
        ({"type": "click"}, {"type": "Must be one of page_view, event, identify, cart_abandoned."}),
        ({"type": "page_view"}, {"url": "A page view needs the page's URL."}),
        (page_view("javascript:alert(1)"), {"url": "Must be an http or https URL."}),
        (page_view("ftp://example.com/x"), {"url": "Must be an http or https URL."}),
        (page_view("http://[::1/x"), {"url": "Must be an http or https URL."}),
        (page_view("https:///path-only"), {"url": "Must be an http or https URL."}),
        (page_view(referrer="data:text/html,x"), {"referrer": "Must be an http or https URL."}),
        (page_view("https://e.com/" + "a" * 2000), {"url": "At most 2000 characters, not 2014."}),
        (page_view(title=5), {"title": "Must be a text."}),
        # PostgreSQL stores no NUL character in text or JSON: refused per event, not per batch.
        (page_view("https://e.com/\x00"), {"url": "Must not contain NUL characters."}),
        (page_view(title="a\x00b"), {"title": "Must not contain NUL characters."}),
        (page_view(props={"k\x00": 1}), {"props": "Must not contain NUL characters."}),
        (
            page_view(props={"x": [float("nan")]}),
            {"props": "Numbers must be finite (no NaN or Infinity)."},
        ),
        (
            identify("a@example.com", company="A\x00G"),
            {"props": "Must not contain NUL characters."},
        ),
        (page_view(props=[1]), {"props": "Must be an object."}),
        (
            page_view(props={"k": "x" * 5000}),
            {"props": "At most 4096 bytes of JSON, not 5008."},
        ),
        (
            page_view(colour="red"),
            {"colour": "This field is unknown; check its spelling against docs/tracking.md."},
        ),
        (page_view(name="x"), {"name": "Only custom events (type event) have a name."}),
        (
            custom("<script>"),
            {"name": "Must be 1 to 100 letters, digits, spaces or _ . : -."},
        ),
        (identify("not-an-address"), {"props.email": "not-an-address is not an email address."}),
        (
            cart(value=-1, currency="euro"),
            {
                "props.cart_value": "Must be between 0 and 1000000000.",
                "props.currency": "Must be a currency code of three capital letters, e.g. EUR.",
            },
        ),
    ],
)
def test_invalid_events_get_a_message_per_field(raw: Any, errors: dict[str, str]) -> None:
    outcome = parse(raw)
    if "props.email" in errors:  # the message comes from the intake pipeline's normaliser
        assert isinstance(outcome, dict)
        assert set(outcome) == {"props.email"}
        return
    assert outcome == errors


def test_custom_event_keeps_name_and_props() -> None:
    ev = ok(custom("signup_started", {"plan": "pro", "seats": 5}))
    assert (ev.type, ev.name, ev.properties) == (
        EventType.EVENT,
        "signup_started",
        {"plan": "pro", "seats": 5},
    )
    assert ev.identity is None


def test_identify_moves_the_person_out_of_the_properties() -> None:
    ev = ok(identify("Anna@Example.de", first_name="Anna", plan="pro"))
    assert ev.identity == Identity(email="Anna@Example.de", first_name="Anna")
    assert ev.properties == {"plan": "pro"}


def test_identify_needs_an_email_or_phone() -> None:
    assert parse({"type": "identify", "props": {"first_name": "Anna"}}) == {
        "props.email": "A lead needs an email address or a phone number."
    }
    assert parse({"type": "identify", "props": {"email": 5}}) == {"props.email": "Must be a text."}


def test_cart_with_and_without_an_address() -> None:
    anonymous = ok(cart(120, "EUR"))
    assert anonymous.identity is None
    assert anonymous.properties == {"cart_value": 120, "currency": "EUR", "items": [{"sku": "A-1"}]}
    known = ok(cart(120, "EUR", email="kim@example.com"))
    assert known.identity == Identity(email="kim@example.com")
    assert "email" not in known.properties


def test_batch_keeps_the_valid_events_and_names_the_refused_indexes() -> None:
    batch = rules.parse_batch(
        {"visitor_id": VID, "events": [page_view(), {"type": "nope"}, custom("x"), page_view("x")]},
        now=NOW,
        skew=SKEW,
        max_events=10,
    )
    assert [e.type for e in batch.events] == [EventType.PAGE_VIEW, EventType.EVENT]
    assert [r.index for r in batch.rejected] == [1, 3]
    assert batch.rejected[1].errors == {"url": "Must be an http or https URL."}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ([], {"body": "Must be an object with visitor_id and events."}),
        (
            {"visitor_id": "short", "events": [page_view()]},
            {"visitor_id": "Must be 8 to 64 letters, digits, _ or -."},
        ),
        ({"visitor_id": VID, "events": []}, {"events": "Must be a list of at least one event."}),
        (
            {"visitor_id": VID, "events": [page_view()] * 3},
            {"events": "At most 2 events per request, not 3."},
        ),
    ],
)
def test_a_body_that_is_no_batch_is_refused_whole(payload: Any, errors: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.parse_batch(payload, now=NOW, skew=SKEW, max_events=2)
    assert dict(caught.value.errors) == errors


@pytest.mark.parametrize(
    ("agent", "bot"),
    [
        (BROWSER_UA, False),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", False),
        (None, True),
        ("", True),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", True),
        ("Mozilla/5.0 (compatible; bingbot/2.0)", True),
        ("Mozilla/5.0 HeadlessChrome/131.0.0.0", True),
        ("curl/8.5.0", True),
        ("python-requests/2.32", True),
        ("facebookexternalhit/1.1", True),
    ],
)
def test_bots(agent: str | None, bot: bool) -> None:
    assert rules.is_bot(agent) is bot


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example.com", True),
        ("https://SHOP.example.com:443", True),
        ("http://localhost:8080", True),
        ("http://shop.example.com", False),
        ("https://evil.example.com", False),
        ("https://shop.example.com.evil.net", False),
        ("null", False),
        ("http://[::1", False),
        (None, False),
    ],
)
def test_origins(origin: str | None, allowed: bool) -> None:
    configured = ["https://shop.example.com/", "http://localhost:8080", "not an origin"]
    assert rules.origin_allowed(origin, configured) is allowed


def test_decode_body() -> None:
    assert rules.decode_body(b'{"a": 1}') == {"a": 1}
    with pytest.raises(ValidationFailed) as caught:
        rules.decode_body(b"\xff")
    assert dict(caught.value.errors) == {"body": "The body is not valid UTF-8 (byte 0)."}
    with pytest.raises(ValidationFailed) as caught:
        rules.decode_body(b"{")
    assert "not valid JSON" in caught.value.errors["body"]


def test_future_events_are_never_in_the_future() -> None:
    now = datetime.now(UTC)
    ev = rules.parse_event(
        page_view(ts=(now + timedelta(days=1)).timestamp() * 1000), VID, now=now, skew=SKEW
    )
    assert isinstance(ev, TrackedEvent)
    assert ev.occurred_at == now


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_field_values = st.one_of(
    _json,
    st.sampled_from(["page_view", "event", "identify", "cart_abandoned"]),
    st.sampled_from(["https://a.example/?utm_source=x", "http://[::1", "javascript:x", ""]),
)
_events = st.dictionaries(
    st.sampled_from(["type", "name", "url", "referrer", "title", "ts", "props", "extra"]),
    _field_values,
    max_size=7,
)


@given(events=st.lists(_events | _json, min_size=1, max_size=5))
def test_any_json_is_either_accepted_or_refused_with_messages(events: list[Any]) -> None:
    batch = rules.parse_batch(
        {"visitor_id": VID, "events": events}, now=NOW, skew=SKEW, max_events=10
    )
    assert len(batch.events) + len(batch.rejected) == len(events)
    assert all(
        r.errors and all(isinstance(m, str) for m in r.errors.values()) for r in batch.rejected
    )
    for ev in batch.events:
        assert NOW - SKEW <= ev.occurred_at <= NOW
        assert ev.url is None or ev.url.startswith(("http://", "https://", "HTTP", "Http"))
