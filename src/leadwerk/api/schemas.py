"""Request and response models of the API. Separate from the tables on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leadwerk.capture.types import Intake
from leadwerk.consent.types import ClaimAction, ConsentClaim
from leadwerk.leads.types import (
    Channel,
    EmailStatus,
    JobFunction,
    PhoneStatus,
    Seniority,
    Stage,
    Temperature,
)

# Ids are 64-bit on PostgreSQL and SQLite; a larger number can only be a mistake (a 422).
ID_MAX = 2**63 - 1

_Str100 = Field(default=None, max_length=100)
_Str200 = Field(default=None, max_length=200)


class ConsentClaimIn(BaseModel):
    """A person's decision for a consent purpose, as the client witnessed it."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(max_length=64, description="newsletter, marketing_email, …")
    action: Literal["grant", "withdraw"] = "grant"
    text_id: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        description="The exact text version the person saw (required for a grant).",
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When the person decided (default: now); with a time zone."
    )
    ip: str | None = Field(default=None, max_length=64, description="The person's IP address.")
    user_agent: str | None = Field(default=None, max_length=500)
    source: str | None = Field(
        default=None, max_length=200, description="Where, e.g. 'webinar landing page'."
    )

    def to_claim(self) -> ConsentClaim:
        return ConsentClaim(
            purpose=self.purpose,
            action=ClaimAction(self.action),
            text_id=self.text_id,
            occurred_at=self.occurred_at,
            ip=self.ip,
            user_agent=self.user_agent,
            source=self.source,
        )


class LeadIn(BaseModel):
    """A lead as a client sends it. Either `email` or `phone` is required."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "anna.mueller@example.de",
                    "first_name": "Anna",
                    "last_name": "Müller",
                    "company": "Müller Maschinenbau GmbH",
                    "country": "DE",
                    "utm_source": "google",
                    "utm_medium": "cpc",
                    "utm_campaign": "spring-webinar",
                }
            ]
        },
    )

    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = _Str100
    last_name: str | None = _Str100
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = _Str200
    job_title: str | None = _Str200
    country: str | None = Field(default=None, max_length=60)
    language: str | None = Field(default=None, max_length=16)
    source: str | None = _Str100
    utm_source: str | None = _Str200
    utm_medium: str | None = _Str200
    utm_campaign: str | None = _Str200
    utm_term: str | None = _Str200
    utm_content: str | None = _Str200
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)
    consents: list[ConsentClaimIn] = Field(
        default_factory=list,
        max_length=20,
        description="Consent decisions to record in the ledger; a grant for a purpose with "
        "double opt-in starts the opt-in instead.",
    )

    def to_intake(self) -> Intake:
        values = self.model_dump(exclude={"consents"})
        return Intake(**values, consents=tuple(c.to_claim() for c in self.consents))


class LeadPatch(BaseModel):
    """Fields to change; absent fields stay as they are, `null` clears a field."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = _Str100
    last_name: str | None = _Str100
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = _Str200
    job_title: str | None = _Str200
    country: str | None = Field(default=None, max_length=60)
    language: str | None = Field(default=None, max_length=16)
    stage: Stage | None = None
    temperature: Temperature | None = None
    owner_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    team_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    attributes: dict[str, Any] | None = Field(default=None, max_length=100)


class LeadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    company: str | None
    job_title: str | None
    country: str | None
    language: str | None
    source: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    channel: Channel
    email_status: EmailStatus | None = Field(
        description="valid, role (info@, vertrieb@), disposable, or no_mx (MX check on)"
    )
    phone_status: PhoneStatus | None = Field(
        description="The line type: mobile, landline, voip, toll_free, other, unverified"
    )
    seniority: Seniority | None = Field(description="From the job title")
    job_function: JobFunction | None = Field(description="From the job title")
    stage: Stage
    temperature: Temperature
    score: int
    fit_score: int
    engagement_score: int
    grade: str | None
    owner_id: int | None
    team_id: int | None
    account_id: int | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    title: str
    details: dict[str, Any]


class LeadDetailOut(LeadOut):
    timeline: list[TimelineEntryOut]


class LeadPageOut(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


MAX_BATCH = 1000


class LeadBatchIn(BaseModel):
    """Up to 1,000 leads; each item is checked on its own, so one bad item fails alone."""

    model_config = ConfigDict(extra="forbid")

    leads: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Objects shaped like the body of `POST /api/v1/leads`.",
    )


class FieldError(BaseModel):
    field: str
    message: str


class LeadBatchItemOut(BaseModel):
    index: int = Field(description="The item's position in `leads`, from 0")
    status: int = Field(description="201 created, 200 updated (same email), 422 invalid")
    lead: LeadOut | None = None
    errors: list[FieldError] | None = None


class LeadBatchOut(BaseModel):
    created: int
    updated: int
    failed: int
    items: list[LeadBatchItemOut]
