"""Consent's statuses and values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from leadwerk.settings import Settings


class EventKind(StrEnum):
    """What one ledger entry records."""

    GRANTED = "granted"  # consent given (for a purpose without double opt-in: in force)
    CONFIRMATION_REQUESTED = "confirmation_requested"  # double opt-in: the email went out
    CONFIRMED = "confirmed"  # double opt-in: the link was followed; in force
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # an unconfirmed request ran out

    @property
    def label(self) -> str:
        return {
            "granted": "Granted",
            "confirmation_requested": "Confirmation requested",
            "confirmed": "Confirmed",
            "withdrawn": "Withdrawn",
            "expired": "Expired",
        }[self.value]


class Method(StrEnum):
    """How an event came about."""

    FORM = "form"
    IMPORT = "import"
    API = "api"
    DOUBLE_OPT_IN = "double_opt_in"
    PREFERENCE_CENTER = "preference_center"
    UNSUBSCRIBE = "unsubscribe"
    OPERATOR = "operator"  # a user in the UI or the command line
    RETENTION = "retention"  # the scheduler: an unconfirmed request expired

    @property
    def label(self) -> str:
        return {
            "form": "Form",
            "import": "File import",
            "api": "API",
            "double_opt_in": "Double opt-in link",
            "preference_center": "Preference center",
            "unsubscribe": "Unsubscribe link",
            "operator": "By a user",
            "retention": "Retention",
        }[self.value]


class ConsentStatus(StrEnum):
    """Where a person stands with one purpose."""

    GRANTED = "granted"  # in force
    PENDING = "pending"  # double opt-in requested, not confirmed yet
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            "granted": "Granted",
            "pending": "Waiting for confirmation",
            "withdrawn": "Withdrawn",
            "expired": "Expired unconfirmed",
        }[self.value]


class RequestStatus(StrEnum):
    """A double opt-in request."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the person withdrew (or objected) before confirming

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for confirmation",
            "confirmed": "Confirmed",
            "expired": "Expired",
            "withdrawn": "Withdrawn",
        }[self.value]


class ClaimAction(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


@dataclass(frozen=True, slots=True)
class ConsentClaim:
    """What a channel says a person decided for a purpose: granted (with the exact text they
    saw) or withdrawn, when and from where. Intake turns it into ledger entries; a grant for
    a purpose with double opt-in starts the opt-in instead."""

    purpose: str
    action: ClaimAction = ClaimAction.GRANT
    text_id: int | None = None
    occurred_at: datetime | None = None
    ip: str | None = None
    user_agent: str | None = None
    source: str | None = None  # where, in the channel's words: "webinar landing page"
    confirm: bool = False  # ask for confirmation by email even if the purpose does not need it


@dataclass(frozen=True, slots=True)
class EventContent:
    """What a ledger entry proves, and what its hash covers: who (the address and phone the
    consent is for, as given), for what (purpose and the exact text version), what happened,
    how, when, and from where. The lead it belongs to is a pointer outside the hash, so
    moving the event with a merge leaves the chain intact."""

    kind: EventKind
    purpose: str
    text_id: int | None
    method: Method
    occurred_at: datetime
    email: str | None = None
    phone: str | None = None
    method_ref: str | None = None  # the form and its version, the import, the API key, …
    ip: str | None = None
    user_agent: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "purpose": self.purpose,
            "text_id": self.text_id,
            "method": self.method.value,
            "method_ref": self.method_ref,
            # in UTC, as it is stored and read back (a claim may come with another offset)
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
            "email": self.email,
            "phone": self.phone,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One ledger entry as the chain check sees it; `content` is None once redacted (the
    person was erased): then only its stored content hash can be chained."""

    seq: int
    content: dict[str, Any] | None
    content_hash: str
    chain_hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    events: int
    broken_at: int | None  # the sequence number of the first entry that does not fit
    problem: str | None
    redacted: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None


@dataclass(frozen=True, slots=True)
class ConsentLinks:
    """What writing a link into an email needs: where Leadwerk is reached, the secret the
    links are signed with, and how long a confirmation link holds (`confirm_hours`; one
    reminder after `reminder_hours`)."""

    base_url: str
    secret_key: str
    confirm_hours: int = 72
    reminder_hours: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsentLinks:
        return cls(
            base_url=settings.public_url,
            secret_key=settings.secret_key,
            confirm_hours=settings.consent_confirm_hours,
            reminder_hours=settings.consent_reminder_hours,
        )


class ImportedRow(NamedTuple):
    """A row saying yes: its number in the file, and the address and number it gave (the
    consent is theirs, even when the row joined a person known by another address). A named
    tuple: an import's worker processes send one back per row that says yes."""

    number: int
    email: str | None
    email_key: str | None
    phone: str | None
