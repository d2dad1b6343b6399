"""What spam screening takes in (the signals of one submission, the policy) and what it answers
(`None` to accept, or a `Rejection`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadwerk.settings import Settings


class Rejection(StrEnum):
    """Why a submission was not taken. Stored as `.value`; `.label` is for staff (the list of
    rejected submissions). A visitor is never told which check failed (docs/spam.md)."""

    HONEYPOT = "honeypot"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"  # not spam: a person who left the page open; asked to send again
    RATE_LIMITED_IP = "rate_limited_ip"
    RATE_LIMITED_FORM = "rate_limited_form"
    DISPOSABLE_EMAIL = "disposable_email"
    CHALLENGE_FAILED = "challenge_failed"

    @property
    def label(self) -> str:
        return _REJECTION_LABELS[self]


_REJECTION_LABELS = {
    Rejection.HONEYPOT: "Hidden trap field filled in",
    Rejection.TOO_FAST: "Sent faster than a person can fill in the form",
    Rejection.EXPIRED: "Form was open too long before it was sent",
    Rejection.RATE_LIMITED_IP: "Too many submissions from one network",
    Rejection.RATE_LIMITED_FORM: "Too many submissions to this form",
    Rejection.DISPOSABLE_EMAIL: "Disposable email address",
    Rejection.CHALLENGE_FAILED: "Bot check not passed",
}

# A msgid, translated where it is shown (locale/de/LC_MESSAGES/spam.po): what a visitor sees
# for Rejection.EXPIRED, with the form shown again with their entries and a fresh render time.
EXPIRED_MESSAGE = "This form was open for a long time. Please check your entries and send it again."


@dataclass(frozen=True, slots=True)
class SpamPolicy:
    """The thresholds of spam screening. A limit or a fill time of 0 turns that check off.

    A render older than `max_fill_seconds` is not spam: it is answered with
    `Rejection.EXPIRED`, and the form is shown again with the visitor's entries and a fresh
    render time. It bounds how long one harvested render token can be replayed.
    """

    min_fill_seconds: float
    max_fill_seconds: float
    per_ip_limit: int
    per_ip_window_seconds: int
    per_form_limit: int
    per_form_window_seconds: int
    reject_disposable: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> SpamPolicy:
        return cls(
            min_fill_seconds=settings.form_min_fill_seconds,
            max_fill_seconds=settings.form_max_fill_seconds,
            per_ip_limit=settings.form_ip_limit,
            per_ip_window_seconds=settings.form_ip_window_seconds,
            per_form_limit=settings.form_limit,
            per_form_window_seconds=settings.form_window_seconds,
            reject_disposable=settings.form_reject_disposable,
        )


@dataclass(frozen=True, slots=True)
class SubmissionSignals:
    """What the edge knows about one form submission, apart from the answers themselves.

    `rendered_at` is the render time the form page signed into a hidden field; `None` means
    it was missing or its signature did not verify (then there is no proof the form was ever
    shown, and the fill-time check rejects it as too fast).
    """

    form_key: str
    ip: str | None
    honeypot: str | None
    rendered_at: datetime | None
    submitted_at: datetime
    email: str | None
    challenge_token: str | None
