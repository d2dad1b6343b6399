"""Spam screening of one form submission, and rate limits that hold across processes.

`screen` runs the checks in a fixed order and stops at the first that fails: honeypot, fill
time, disposable address, challenge, then the rate limits (per IP, then per form). Only
attempts that reach the rate limits are counted, and each of them is counted, rejected or not,
so a client that keeps sending stays limited.

Call `screen` in a short transaction of its own that commits whatever the answer is, before the
submission's own transaction: the counters must survive a rejected or failed submission, and a
counter row stays locked (PostgreSQL) or the database stays write-locked (SQLite) until that
transaction ends, so a long one would queue every visitor of the form behind it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Executable, Table, bindparam, delete, select
from sqlalchemy.orm import Session

from leadwerk.capture.spam import rules
from leadwerk.capture.spam.models import RateLimit
from leadwerk.capture.spam.ports import ChallengeVerifier
from leadwerk.capture.spam.types import Rejection, SpamPolicy, SubmissionSignals
from leadwerk.storage.engine import upsert_insert


def screen(
    session: Session,
    signals: SubmissionSignals,
    policy: SpamPolicy,
    challenge: ChallengeVerifier | None = None,
) -> Rejection | None:
    """None to accept the submission, else the first reason to reject it.

    The same as `screen_before_limits` and then `screen_rate_limits`. An edge with a challenge
    configured may call the two apart, the first outside any transaction, so the database
    (SQLite's write lock in particular) is not held while the challenge provider answers.
    """
    rejection = screen_before_limits(signals, policy, challenge)
    if rejection is not None:
        return rejection
    return screen_rate_limits(session, signals, policy)


def screen_before_limits(
    signals: SubmissionSignals, policy: SpamPolicy, challenge: ChallengeVerifier | None = None
) -> Rejection | None:
    """The checks that count nothing: honeypot, fill time, disposable address, challenge
    (a network call when one is configured). No database."""
    rejection = rules.screen_signals(signals, policy)
    if rejection is not None:
        return rejection
    if challenge is not None and not challenge.verify(signals.challenge_token, signals.ip):
        return Rejection.CHALLENGE_FAILED
    return None


def screen_rate_limits(
    session: Session, signals: SubmissionSignals, policy: SpamPolicy
) -> Rejection | None:
    """Count the attempt against its IP's limit, then (if that passed) its form's limit."""
    now = signals.submitted_at
    ip_bucket = rules.ip_bucket(signals.ip)
    if (
        ip_bucket is not None
        and policy.per_ip_limit > 0
        and hit_rate_limit(
            session, ip_bucket, policy.per_ip_limit, policy.per_ip_window_seconds, now
        )
    ):
        return Rejection.RATE_LIMITED_IP
    if policy.per_form_limit > 0:
        over, opened_window = _hit(
            session,
            rules.form_bucket(signals.form_key),
            policy.per_form_limit,
            policy.per_form_window_seconds,
            now,
        )
        if opened_window:
            # Once per form and window, so the table stays small without a scheduler.
            sweep_rate_limits(session, now)
        if over:
            return Rejection.RATE_LIMITED_FORM
    return None


def hit_rate_limit(
    session: Session, bucket: str, limit: int, window_seconds: int, now: datetime
) -> bool:
    """Count one hit on `bucket`; True when it is over `limit` hits per `window_seconds`
    (sliding-window estimate, see `rules.over_limit`)."""
    over, _opened = _hit(session, bucket, limit, window_seconds, now)
    return over


def _hit(
    session: Session, bucket: str, limit: int, window_seconds: int, now: datetime
) -> tuple[bool, bool]:
    """(over the limit, this hit opened a new window for the bucket)."""
    start = rules.window_start(now, window_seconds)
    width = timedelta(seconds=window_seconds)
    current = _increment(session, bucket, start, start + 2 * width)
    previous = session.execute(_PREVIOUS, {"bucket": bucket, "start": start - width}).scalar()
    over = rules.over_limit(current, previous or 0, now - start, window_seconds, limit)
    return over, current == 1


def _upsert(dialect: str) -> Executable:
    return cast(
        Executable,
        upsert_insert(dialect, _rate_limits)
        .values(
            bucket=bindparam("bucket"),
            window_start=bindparam("start"),
            count=1,
            expires_at=bindparam("expires_at"),
        )
        .on_conflict_do_update(
            index_elements=[_rate_limits.c.bucket, _rate_limits.c.window_start],
            set_={"count": _rate_limits.c.count + 1},
        )
        .returning(_rate_limits.c.count),
    )


# Built once: a form post runs them twice each, and building costs more than running.
_rate_limits = cast(Table, RateLimit.__table__)
_UPSERT = {dialect: _upsert(dialect) for dialect in ("postgresql", "sqlite")}
_PREVIOUS = select(_rate_limits.c.count).where(
    _rate_limits.c.bucket == bindparam("bucket"), _rate_limits.c.window_start == bindparam("start")
)


def _increment(session: Session, bucket: str, start: datetime, expires_at: datetime) -> int:
    """Add one to the bucket's counter of this window in one atomic statement; the new count.

    Concurrent callers serialise on the row (PostgreSQL) or the write lock (SQLite), so each
    sees a different count and exactly `limit` of them are allowed.
    """
    upsert = _UPSERT[session.get_bind().dialect.name]
    params = {"bucket": bucket, "start": start, "expires_at": expires_at}
    return int(session.execute(upsert, params).scalar_one())


def sweep_rate_limits(session: Session, now: datetime) -> int:
    """Delete the counters that no longer matter (past the end of the window after their
    own); the number deleted."""
    result = session.execute(
        delete(RateLimit)
        .where(RateLimit.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
