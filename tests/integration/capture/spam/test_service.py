"""`screen` and the rate limits on a real database (SQLite and PostgreSQL), time passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.capture.spam.models import RateLimit
from leadwerk.capture.spam.ports import FakeChallenge
from leadwerk.capture.spam.service import (
    hit_rate_limit,
    screen,
    screen_before_limits,
    screen_rate_limits,
    sweep_rate_limits,
)
from leadwerk.capture.spam.types import Rejection, SpamPolicy, SubmissionSignals
from leadwerk.storage.engine import Database

T0 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)  # a window edge for 60 s and 600 s windows

POLICY = SpamPolicy(
    min_fill_seconds=3.0,
    max_fill_seconds=86_400.0,
    per_ip_limit=2,
    per_ip_window_seconds=600,
    per_form_limit=3,
    per_form_window_seconds=60,
    reject_disposable=True,
)


def signals(
    ip: str | None = "203.0.113.7", at: datetime = T0 + timedelta(seconds=10), **changes: object
) -> SubmissionSignals:
    base = SubmissionSignals(
        form_key="kontakt",
        ip=ip,
        honeypot="",
        rendered_at=at - timedelta(seconds=20),
        submitted_at=at,
        email="anna@example.de",
        challenge_token=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def counters(session: Session) -> list[tuple[str, datetime, int, datetime]]:
    rows = session.execute(
        select(
            RateLimit.bucket, RateLimit.window_start, RateLimit.count, RateLimit.expires_at
        ).order_by(RateLimit.bucket, RateLimit.window_start)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_human_is_accepted_and_counted_once_per_bucket(db: Database) -> None:
    with db.transaction() as s:
        assert screen(s, signals(), POLICY) is None
        assert counters(s) == [
            ("form-ip:203.0.113.7", T0, 1, T0 + timedelta(seconds=1200)),
            ("form:kontakt", T0, 1, T0 + timedelta(seconds=120)),
        ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"honeypot": "http://spam.example"}, Rejection.HONEYPOT),
        ({"rendered_at": T0 + timedelta(seconds=8)}, Rejection.TOO_FAST),  # 2 s to fill
        ({"rendered_at": None}, Rejection.TOO_FAST),
        ({"rendered_at": T0 - timedelta(days=2)}, Rejection.EXPIRED),
        ({"email": "bot@yopmail.com"}, Rejection.DISPOSABLE_EMAIL),
    ],
)
def test_rejections_before_the_limits_are_not_counted(
    db: Database, changes: dict[str, Any], expected: Rejection
) -> None:
    with db.transaction() as s:
        assert screen(s, signals(**changes), POLICY) is expected
        assert counters(s) == []


def test_challenge(db: Database) -> None:
    fake = FakeChallenge(["passed-token"])
    with db.transaction() as s:
        rejected = screen(s, signals(challenge_token="forged"), POLICY, fake)
        assert rejected is Rejection.CHALLENGE_FAILED
        assert screen(s, signals(challenge_token=None), POLICY, fake) is Rejection.CHALLENGE_FAILED
        assert counters(s) == []
        assert screen(s, signals(challenge_token="passed-token"), POLICY, fake) is None
    assert fake.calls == [
        ("forged", "203.0.113.7"),
        (None, "203.0.113.7"),
        ("passed-token", "203.0.113.7"),
    ]


def test_the_challenge_is_not_asked_for_a_bot_caught_earlier(db: Database) -> None:
    fake = FakeChallenge(["passed-token"])
    with db.transaction() as s:
        assert screen(s, signals(honeypot="x"), POLICY, fake) is Rejection.HONEYPOT
    assert fake.calls == []


def test_per_ip_limit_keeps_an_ipv6_64_together(db: Database) -> None:
    with db.transaction() as s:
        assert screen(s, signals(ip="2001:db8:1:2::1"), POLICY) is None
        assert screen(s, signals(ip="2001:db8:1:2::2"), POLICY) is None
        third = screen(s, signals(ip="2001:db8:1:2:ffff::9"), POLICY)
        assert third is Rejection.RATE_LIMITED_IP
        assert screen(s, signals(ip="2001:db8:1:3::1"), POLICY) is None  # the next /64
        ip_rows = [(b, c) for b, _w, c, _e in counters(s) if b.startswith("form-ip:")]
        assert ip_rows == [("form-ip:2001:db8:1:2::/64", 3), ("form-ip:2001:db8:1:3::/64", 1)]


def test_per_form_limit_counts_all_visitors_but_not_ip_limited_ones(db: Database) -> None:
    with db.transaction() as s:
        assert screen(s, signals(ip="198.51.100.1"), POLICY) is None
        assert screen(s, signals(ip="198.51.100.1"), POLICY) is None
        # over the per-IP limit: rejected before the form's counter is touched
        limited = screen(s, signals(ip="198.51.100.1"), POLICY)
        assert limited is Rejection.RATE_LIMITED_IP
        assert screen(s, signals(ip="198.51.100.2"), POLICY) is None  # form: 3 of 3
        assert screen(s, signals(ip="198.51.100.3"), POLICY) is Rejection.RATE_LIMITED_FORM
        assert screen(s, signals(ip=None), POLICY) is Rejection.RATE_LIMITED_FORM
        # another form has its own counter
        assert screen(s, signals(ip="198.51.100.4", form_key="newsletter"), POLICY) is None
        assert [(b, c) for b, _w, c, _e in counters(s)] == [
            ("form-ip:198.51.100.1", 3),
            ("form-ip:198.51.100.2", 1),
            ("form-ip:198.51.100.3", 1),
            ("form-ip:198.51.100.4", 1),
            ("form:kontakt", 5),
            ("form:newsletter", 1),
        ]


def test_limits_of_zero_are_off(db: Database) -> None:
    off = replace(POLICY, per_ip_limit=0, per_form_limit=0)
    with db.transaction() as s:
        for _ in range(5):
            assert screen(s, signals(), off) is None
        assert counters(s) == []


def test_hits_at_limit_minus_one_limit_and_limit_plus_one(db: Database) -> None:
    now = T0 + timedelta(seconds=30)
    with db.transaction() as s:
        answers = [hit_rate_limit(s, "b", 5, 60, now) for _ in range(7)]
        assert answers == [False, False, False, False, False, True, True]
        assert counters(s) == [("b", T0, 7, T0 + timedelta(seconds=120))]


def test_window_roll_over(db: Database) -> None:
    with db.transaction() as s:
        assert [hit_rate_limit(s, "b", 3, 60, T0 + timedelta(seconds=1)) for _ in range(4)] == [
            False,
            False,
            False,
            True,
        ]
        # two windows later the old one no longer counts at all
        later = T0 + timedelta(seconds=120)
        assert [hit_rate_limit(s, "b", 3, 60, later) for _ in range(4)] == [
            False,
            False,
            False,
            True,
        ]
        assert [(w, c) for _b, w, c, _e in counters(s)] == [
            (T0, 4),
            (T0 + timedelta(seconds=120), 4),
        ]


def test_sliding_estimate_at_a_window_edge(db: Database) -> None:
    """10 per minute: 10 hits just before the edge cannot be followed by 10 more right after
    it (a fixed window would allow 20 within a second)."""
    with db.transaction() as s:
        burst = [hit_rate_limit(s, "b", 10, 60, T0 + timedelta(seconds=59.5)) for _ in range(10)]
        assert burst == [False] * 10
        edge = T0 + timedelta(seconds=60)
        assert hit_rate_limit(s, "b", 10, 60, edge) is True  # 1 + 10 * 1.0 = 11
        # half way: the previous 10 weigh 5; the refused hit above counts too (current = 1)
        half = T0 + timedelta(seconds=90)
        answers = [hit_rate_limit(s, "b", 10, 60, half) for _ in range(5)]
        assert answers == [False, False, False, False, True]  # current 2..5 pass, 6 + 5 > 10
        # at the end of the window almost nothing of the previous one counts: 6 + 10 * 1/60
        end = T0 + timedelta(seconds=119)
        assert hit_rate_limit(s, "b", 10, 60, end) is False  # 7 + 0.1666 = 7.17
        assert [(w, c) for _b, w, c, _e in counters(s)] == [
            (T0, 10),
            (T0 + timedelta(seconds=60), 7),
        ]


def test_sweep_deletes_only_windows_that_no_longer_matter(db: Database) -> None:
    with db.transaction() as s:
        hit_rate_limit(s, "old", 5, 60, T0)  # matters until T0 + 120 s
        hit_rate_limit(s, "prev", 5, 60, T0 + timedelta(seconds=60))  # until T0 + 180 s
        hit_rate_limit(s, "long", 5, 600, T0)  # until T0 + 1200 s
        assert sweep_rate_limits(s, T0 + timedelta(seconds=119)) == 0
        assert sweep_rate_limits(s, T0 + timedelta(seconds=120)) == 1
        assert [b for b, *_ in counters(s)] == ["long", "prev"]
        assert sweep_rate_limits(s, T0 + timedelta(seconds=1200)) == 2
        assert counters(s) == []


def test_a_new_form_window_sweeps_old_counters(db: Database) -> None:
    with db.transaction() as s:
        assert screen(s, signals(ip="192.0.2.1"), POLICY) is None
        assert screen(s, signals(ip="192.0.2.2", at=T0 + timedelta(seconds=70)), POLICY) is None
        assert len(counters(s)) == 4  # nothing expired yet
        # 21 minutes later the form opens a new window: everything above has expired
        later = T0 + timedelta(minutes=21)
        assert screen(s, signals(ip="192.0.2.3", at=later), POLICY) is None
        assert [(b, w, c) for b, w, c, _e in counters(s)] == [
            ("form-ip:192.0.2.3", T0 + timedelta(minutes=20), 1),
            ("form:kontakt", T0 + timedelta(minutes=21), 1),
        ]


def test_the_two_halves_of_screen_can_run_apart(db: Database) -> None:
    """The challenge (a network call) outside the transaction, the counters inside."""
    fake = FakeChallenge(["passed-token"])
    assert screen_before_limits(signals(challenge_token="nope"), POLICY, fake) is (
        Rejection.CHALLENGE_FAILED
    )
    assert screen_before_limits(signals(challenge_token="passed-token"), POLICY, fake) is None
    assert screen_before_limits(signals(honeypot="x"), POLICY, fake) is Rejection.HONEYPOT
    assert len(fake.calls) == 2
    with db.transaction() as s:
        assert screen_rate_limits(s, signals(), POLICY) is None
        assert screen_rate_limits(s, signals(), POLICY) is None
        assert screen_rate_limits(s, signals(), POLICY) is Rejection.RATE_LIMITED_IP
        assert [(b, c) for b, _w, c, _e in counters(s)] == [
            ("form-ip:203.0.113.7", 3),
            ("form:kontakt", 2),
        ]
