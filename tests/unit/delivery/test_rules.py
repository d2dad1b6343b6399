"""Pure delivery rules: the retry schedule, the webhook signature, subscription patterns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadwerk.delivery import rules

BODY = b'{"id":"evt_1","type":"lead.created"}'
T = 1_700_000_000
# Computed with `openssl dgst -sha256 -hmac whsec_test` over "1700000000." + BODY.
SIGNATURE = "t=1700000000,v1=b05d3640f2b57a63571590bc68c9de40faec2638da1b635f60bd8d02848b23fa"


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [
        (0, 30.0),
        (1, 30.0),
        (2, 60.0),
        (3, 120.0),
        (4, 240.0),
        (5, 480.0),
        (6, 960.0),
        (7, 1920.0),
        (8, 3840.0),
        (10, 15360.0),
        (11, 21600.0),  # 30 · 2^10 = 30720, capped at 6 h
        (40, 21600.0),
    ],
)
def test_backoff_doubles_from_the_base_up_to_the_cap(attempt: int, delay: float) -> None:
    assert rules.backoff_delay(attempt, base=30.0, cap=21600.0) == delay


def test_jitter_spreads_delays_within_its_fraction() -> None:
    delays = [rules.backoff_delay(3, base=30.0, cap=21600.0, jitter=0.1) for _ in range(200)]
    assert min(delays) >= 108.0
    assert max(delays) <= 132.0
    assert len(set(delays)) == 200


def test_next_attempt_at_adds_the_delay_to_now() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    at = rules.next_attempt_at(now, 2, base=30.0, cap=3600.0, jitter=0.0)
    assert at == now + timedelta(seconds=60)


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "dead"),
    [(0, 8, False), (7, 8, False), (8, 8, True), (9, 8, True), (1, 1, True)],
)
def test_is_dead_after_the_last_attempt(attempts: int, max_attempts: int, dead: bool) -> None:
    assert rules.is_dead(attempts, max_attempts) is dead


def test_sign_matches_an_independent_hmac() -> None:
    assert rules.sign("whsec_test", T, BODY) == SIGNATURE


@pytest.mark.parametrize(
    ("secret", "header", "body", "now", "valid"),
    [
        ("whsec_test", SIGNATURE, BODY, T, True),
        ("whsec_test", SIGNATURE, BODY, T + 300, True),
        ("whsec_test", SIGNATURE, BODY, T - 300, True),
        ("whsec_test", SIGNATURE, BODY, T + 301, False),  # replayed too late
        ("whsec_test", SIGNATURE, BODY, T - 301, False),  # from the future
        ("whsec_test", SIGNATURE, BODY.replace(b"created", b"updated"), T, False),
        ("whsec_test", SIGNATURE, BODY + b" ", T, False),
        ("other-secret", SIGNATURE, BODY, T, False),
        ("whsec_test", SIGNATURE.replace("t=1700000000", "t=1700000001"), BODY, T, False),
        ("whsec_test", SIGNATURE.upper(), BODY, T, False),
        ("whsec_test", "", BODY, T, False),
        ("whsec_test", "t=1700000000", BODY, T, False),
        ("whsec_test", "v1=b05d3640", BODY, T, False),
        ("whsec_test", "t=soon,v1=b05d3640", BODY, T, False),
        ("whsec_test", "garbage", BODY, T, False),
    ],
)
def test_verify(secret: str, header: str, body: bytes, now: int, valid: bool) -> None:
    assert rules.verify(secret, header, body, now) is valid


def test_verify_accepts_a_custom_tolerance() -> None:
    assert rules.verify("whsec_test", SIGNATURE, BODY, T + 60, tolerance=60) is True
    assert rules.verify("whsec_test", SIGNATURE, BODY, T + 61, tolerance=60) is False


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "lead.created", True),
        (["*"], "consent.granted", True),
        (["lead.*"], "lead.created", True),
        (["lead.*"], "lead.updated", True),
        (["lead.*"], "leads.created", False),
        (["lead.*"], "lead", False),
        (["lead.created"], "lead.created", True),
        (["lead.created"], "lead.updated", False),
        (["lead.updated", "lead.created"], "lead.created", True),
        ([], "lead.created", False),
    ],
)
def test_subscribed(patterns: list[str], event_type: str, expected: bool) -> None:
    assert rules.subscribed(patterns, event_type) is expected


@pytest.mark.parametrize(
    ("event_type", "patterns"),
    [
        ("lead.created", ["*", "lead.created", "lead.*"]),
        ("ping", ["*", "ping"]),
        ("lead.stage.changed", ["*", "lead.stage.changed", "lead.*", "lead.stage.*"]),
    ],
)
def test_patterns_matching(event_type: str, patterns: list[str]) -> None:
    assert rules.patterns_matching(event_type) == patterns
