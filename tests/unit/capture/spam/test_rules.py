"""The pure spam rules: each check with exact values, bucket names, window maths."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadwerk.capture.spam import rules
from leadwerk.capture.spam.types import Rejection, SpamPolicy, SubmissionSignals

T0 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)

POLICY = SpamPolicy(
    min_fill_seconds=3.0,
    max_fill_seconds=86_400.0,
    per_ip_limit=10,
    per_ip_window_seconds=600,
    per_form_limit=300,
    per_form_window_seconds=60,
    reject_disposable=True,
)

HUMAN = SubmissionSignals(
    form_key="contact",
    ip="203.0.113.7",
    honeypot="",
    rendered_at=T0,
    submitted_at=T0 + timedelta(seconds=12),
    email="anna@example.de",
    challenge_token=None,
)


def test_a_human_passes() -> None:
    assert rules.screen_signals(HUMAN, POLICY) is None


@pytest.mark.parametrize(
    ("honeypot", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\t\n", None),
        ("x", Rejection.HONEYPOT),
        ("https://spam.example", Rejection.HONEYPOT),
        (" 0 ", Rejection.HONEYPOT),
    ],
)
def test_honeypot(honeypot: str | None, expected: Rejection | None) -> None:
    assert rules.screen_signals(replace(HUMAN, honeypot=honeypot), POLICY) is expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-5.0, Rejection.TOO_FAST),  # rendered "in the future"
        (0.0, Rejection.TOO_FAST),
        (2.999999, Rejection.TOO_FAST),
        (3.0, None),  # exactly the minimum is enough
        (3.000001, None),
        (86_400.0, None),  # exactly the maximum still counts
        (86_400.000001, Rejection.EXPIRED),
        (7 * 86_400.0, Rejection.EXPIRED),
    ],
)
def test_fill_time(seconds: float, expected: Rejection | None) -> None:
    signals = replace(HUMAN, submitted_at=T0 + timedelta(seconds=seconds))
    assert rules.screen_signals(signals, POLICY) is expected


def test_no_render_time_is_too_fast() -> None:
    assert rules.screen_signals(replace(HUMAN, rendered_at=None), POLICY) is Rejection.TOO_FAST


def test_fill_time_checks_can_be_turned_off() -> None:
    off = replace(POLICY, min_fill_seconds=0.0, max_fill_seconds=0.0)
    assert rules.screen_signals(replace(HUMAN, rendered_at=None), off) is None
    late = replace(HUMAN, submitted_at=T0 + timedelta(days=400))
    assert rules.screen_signals(late, off) is None
    instant = replace(HUMAN, submitted_at=T0)
    assert rules.screen_signals(instant, off) is None


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("anna@example.de", None),
        ("anna@gmail.com", None),
        ("bot@mailinator.com", Rejection.DISPOSABLE_EMAIL),
        ("bot@MAILINATOR.COM", Rejection.DISPOSABLE_EMAIL),
        ("bot@eu.mailinator.com", Rejection.DISPOSABLE_EMAIL),  # a subdomain of a listed one
        ("bot@mailinator.com.", Rejection.DISPOSABLE_EMAIL),  # the root dot changes nothing
        ("bot@guerrillamail.com", Rejection.DISPOSABLE_EMAIL),
        ("bot@leadwerkmailinator.com", None),  # a shared suffix is not a subdomain
        ("bot@mailinator.com.example.org", None),
        (None, None),
        ("", None),
        ("no-at-sign", None),
        ("trailing@", None),
    ],
)
def test_disposable_address(email: str | None, expected: Rejection | None) -> None:
    assert rules.screen_signals(replace(HUMAN, email=email), POLICY) is expected


def test_disposable_addresses_pass_when_allowed() -> None:
    allowed = replace(POLICY, reject_disposable=False)
    assert rules.screen_signals(replace(HUMAN, email="bot@mailinator.com"), allowed) is None


def test_the_first_failing_check_wins() -> None:
    everything = replace(
        HUMAN, honeypot="x", submitted_at=T0, email="bot@mailinator.com", rendered_at=T0
    )
    assert rules.screen_signals(everything, POLICY) is Rejection.HONEYPOT
    assert rules.screen_signals(replace(everything, honeypot=None), POLICY) is Rejection.TOO_FAST
    expired = replace(everything, honeypot=None, submitted_at=T0 + timedelta(days=2))
    assert rules.screen_signals(expired, POLICY) is Rejection.EXPIRED


@pytest.mark.parametrize(
    ("ip", "bucket"),
    [
        ("203.0.113.7", "form-ip:203.0.113.7"),
        (" 203.0.113.7 ", "form-ip:203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "form-ip:2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "form-ip:2001:db8:1:2::/64"),  # same /64
        ("2001:DB8:1:3::1", "form-ip:2001:db8:1:3::/64"),  # the next /64 is another bucket
        ("::ffff:198.51.100.4", "form-ip:198.51.100.4"),  # IPv4-mapped counts as IPv4
        ("fe80::1%eth0", "form-ip:fe80::/64"),
        ("::1", "form-ip:::/64"),
        ("not-an-ip", "form-ip:not-an-ip"),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_ip_bucket(ip: str | None, bucket: str | None) -> None:
    assert rules.ip_bucket(ip) == bucket


def test_long_keys_are_hashed_to_fit_the_column() -> None:
    assert rules.form_bucket("kontakt") == "form:kontakt"
    long_key = "x" * 300
    bucket = rules.form_bucket(long_key)
    assert bucket == (
        "form:sha256:0d4e2ca9e9cbced7a7a5380eb29e1a3783b9b6d0db72de36a1051038e1c1fbc7"
    )
    assert rules.form_bucket("y" * 300) != bucket
    assert rules.form_bucket("x" * 195) == "form:" + "x" * 195  # 200 characters still fit


@pytest.mark.parametrize(
    ("now", "window", "start"),
    [
        (datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC), 60, datetime(2026, 11, 22, 10, 0, 0)),
        (datetime(2026, 11, 22, 10, 0, 59, 999999, tzinfo=UTC), 60, datetime(2026, 11, 22, 10)),
        (datetime(2026, 11, 22, 10, 1, 0, tzinfo=UTC), 60, datetime(2026, 11, 22, 10, 1)),
        (datetime(2026, 11, 22, 10, 17, 3, tzinfo=UTC), 600, datetime(2026, 11, 22, 10, 10)),
        (datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC), 86_400, datetime(2026, 11, 22)),
    ],
)
def test_window_start(now: datetime, window: int, start: datetime) -> None:
    assert rules.window_start(now, window) == start.replace(tzinfo=UTC)


def test_window_start_in_another_time_zone_is_the_same_instant() -> None:
    berlin = datetime(2026, 11, 22, 11, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert rules.window_start(berlin, 60) == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_seconds must be positive, not 0"):
        rules.window_start(T0, 0)


@pytest.mark.parametrize(
    ("current", "previous", "elapsed", "over"),
    [
        # fixed window only (no previous hits): limit 10
        (9, 0, 30.0, False),
        (10, 0, 30.0, False),
        (11, 0, 30.0, True),
        # 10 hits just before the edge weigh fully right after it
        (1, 10, 0.0, True),
        # half way through the window they weigh half: 5 + 5 = 10 is still allowed
        (5, 10, 30.0, False),
        (6, 10, 30.0, True),
        # three quarters through: 10 * 0.25 = 2.5, so 7 + 2.5 = 9.5 passes, 8 + 2.5 does not
        (7, 10, 45.0, False),
        (8, 10, 45.0, True),
        # at the very end of the window the previous one no longer counts
        (10, 10, 60.0, False),
    ],
)
def test_sliding_estimate(current: int, previous: int, elapsed: float, over: bool) -> None:
    assert rules.over_limit(current, previous, timedelta(seconds=elapsed), 60, 10) is over


def test_sliding_estimate_is_exact_at_the_limit() -> None:
    # a third into the window the previous 6 hits weigh 6 * 2/3 = 4 (not 3.9999...)
    assert rules.over_limit(6, 6, timedelta(seconds=20), 60, 10) is False  # 6 + 4 = 10
    assert rules.over_limit(7, 6, timedelta(seconds=20), 60, 10) is True


@pytest.mark.parametrize(
    ("form", "token"),
    [
        ({"cf-turnstile-response": "t1"}, "t1"),
        ({"h-captcha-response": "h1", "g-recaptcha-response": "h1"}, "h1"),
        ({"g-recaptcha-response": "g1"}, "g1"),
        ({"cf-turnstile-response": "", "g-recaptcha-response": "g2"}, "g2"),
        ({"email": "a@example.de"}, None),
        ({}, None),
    ],
)
def test_challenge_token_from_any_provider(form: dict[str, str], token: str | None) -> None:
    assert rules.challenge_token(form) == token
