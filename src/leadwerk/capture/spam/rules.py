"""Pure rules of capture.spam: the checks that need no database, bucket names, window maths.

The rate limit is a sliding-window estimate over fixed windows (one counter per bucket and
window): the current window's count plus the previous window's count weighted by the part of
the previous window that still lies inside the sliding window. A burst at the end of one window
therefore still counts at the start of the next, so the limit cannot be doubled at the edge.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from leadwerk.capture.rules import is_disposable_domain
from leadwerk.capture.spam.types import Rejection, SpamPolicy, SubmissionSignals

IP_BUCKET_PREFIX = "form-ip:"
FORM_BUCKET_PREFIX = "form:"
BUCKET_MAX_LENGTH = 200
# The form fields the challenge widgets post their token in: Cloudflare Turnstile, hCaptcha,
# Google reCAPTCHA. Turnstile's answer to a reCAPTCHA-compatible setup uses the last one too.
CHALLENGE_FIELDS = ("cf-turnstile-response", "h-captcha-response", "g-recaptcha-response")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = 1_000_000


def honeypot_filled(value: str | None) -> bool:
    """A person never sees the hidden field; any text in it (spaces aside) came from a bot."""
    return bool(value and value.strip())


def fill_time_rejection(
    rendered_at: datetime | None,
    submitted_at: datetime,
    min_fill_seconds: float,
    max_fill_seconds: float,
) -> Rejection | None:
    """TOO_FAST below the minimum fill time (or without a render time to measure it from),
    EXPIRED above the maximum, None in between. A render time in the future is too fast."""
    if rendered_at is None:
        return Rejection.TOO_FAST if min_fill_seconds > 0 else None
    seconds = (submitted_at - rendered_at).total_seconds()
    if seconds < min_fill_seconds:
        return Rejection.TOO_FAST
    if max_fill_seconds > 0 and seconds > max_fill_seconds:
        return Rejection.EXPIRED
    return None


def email_is_disposable(email: str | None) -> bool:
    """True for an address at a throwaway-mail domain (or a subdomain of one)."""
    if not email or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].strip().rstrip(".").lower()
    return bool(domain) and is_disposable_domain(domain)


def screen_signals(signals: SubmissionSignals, policy: SpamPolicy) -> Rejection | None:
    """The checks that need neither the database nor the network, in their order: honeypot,
    fill time, disposable address."""
    if honeypot_filled(signals.honeypot):
        return Rejection.HONEYPOT
    timing = fill_time_rejection(
        signals.rendered_at,
        signals.submitted_at,
        policy.min_fill_seconds,
        policy.max_fill_seconds,
    )
    if timing is not None:
        return timing
    if policy.reject_disposable and email_is_disposable(signals.email):
        return Rejection.DISPOSABLE_EMAIL
    return None


def challenge_token(form: Mapping[str, str]) -> str | None:
    """The challenge widget's token from posted form data, whichever provider sent it."""
    for name in CHALLENGE_FIELDS:
        value = form.get(name)
        if value:
            return value
    return None


def _bucket(prefix: str, key: str) -> str:
    """`prefix + key`, with an over-long key replaced by its SHA-256 so it fits the column."""
    bucket = prefix + key
    if len(bucket) <= BUCKET_MAX_LENGTH:
        return bucket
    return prefix + "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def ip_bucket(ip: str | None) -> str | None:
    """The per-IP bucket. One IPv6 /64 is one bucket (a single subscriber usually holds a whole
    /64, so counting per address would let one visitor rotate through 2**64 of them);
    IPv4-mapped IPv6 counts as the IPv4 address. Text that is no address is used as it is."""
    if ip is None or not ip.strip():
        return None
    text = ip.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return _bucket(IP_BUCKET_PREFIX, text)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _bucket(IP_BUCKET_PREFIX, str(address.ipv4_mapped))
        network = ipaddress.IPv6Network((int(address) >> 64 << 64, 64))
        return _bucket(IP_BUCKET_PREFIX, str(network))
    return _bucket(IP_BUCKET_PREFIX, str(address))


def form_bucket(form_key: str) -> str:
    """The per-form bucket, shared by every visitor of the form."""
    return _bucket(FORM_BUCKET_PREFIX, form_key)


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window `now` falls in; windows are aligned to the Unix epoch."""
    if window_seconds <= 0:
        raise ValueError(f"window_seconds must be positive, not {window_seconds}")
    elapsed = (now - _EPOCH) // timedelta(microseconds=1)
    width = window_seconds * _MICROS
    return _EPOCH + timedelta(microseconds=elapsed - elapsed % width)


def over_limit(
    current: int, previous: int, elapsed: timedelta, window_seconds: int, limit: int
) -> bool:
    """True when `current + previous * (1 - elapsed / window)` exceeds `limit`.

    `current` already includes this hit; `elapsed` is how far into the current window it falls.
    Integer arithmetic in microseconds, so an estimate of exactly `limit` is never pushed over by
    rounding.
    """
    width = window_seconds * _MICROS
    into = max(0, min(width, elapsed // timedelta(microseconds=1)))
    return current * width + previous * (width - into) > limit * width
