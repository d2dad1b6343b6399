"""Use cases of the lead core: read a lead the caller may see, its timeline, apply edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth.models import AuditEntry, Team, User
from leadwerk.auth.rules import can_see_lead
from leadwerk.auth.types import Principal
from leadwerk.errors import NotFound, ValidationFailed
from leadwerk.leads import rules
from leadwerk.leads.models import Lead, StageChange, Touchpoint
from leadwerk.leads.types import Stage
from leadwerk.storage.base import utcnow

# Fields an edit may change; identity fields arrive here already normalised by capture.
EDITABLE_FIELDS = frozenset(
    {
        "email",
        "email_key",
        "first_name",
        "last_name",
        "name_key",
        "sound_key",
        "phone",
        "phone_key",
        "company",
        "company_key",
        "domain",
        "job_title",
        "email_status",
        "phone_status",
        "seniority",
        "job_function",
        "country",
        "language",
        "stage",
        "temperature",
        "owner_id",
        "team_id",
        "attributes",
    }
)
# Edits may change these but not empty them.
REQUIRED_FIELDS = ("stage", "temperature")
TIMELINE_LIMIT = 200


def get_visible_lead(session: Session, principal: Principal, lead_id: int) -> Lead:
    """The lead, or NotFound, also when it exists but the caller may not see it (no leak)."""
    lead = session.get(Lead, lead_id)
    if lead is None or not can_see_lead(principal, lead.owner_id, lead.team_id):
        raise NotFound(f"There is no lead {lead_id}.")
    return lead


def lead_exists(session: Session, lead_id: int) -> bool:
    return session.get(Lead, lead_id) is not None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str  # touchpoint | stage_change | audit
    title: str
    details: dict[str, Any]


def timeline(session: Session, lead_id: int) -> list[TimelineEntry]:
    """Touchpoints, stage changes and audit entries of one lead, newest first."""
    entries: list[TimelineEntry] = []
    for tp in session.scalars(
        select(Touchpoint)
        .where(Touchpoint.lead_id == lead_id)
        .order_by(Touchpoint.occurred_at.desc())
        .limit(TIMELINE_LIMIT)
    ):
        entries.append(
            TimelineEntry(
                tp.occurred_at,
                "touchpoint",
                tp.type.value,
                {
                    "channel": tp.channel.value,
                    "source": tp.source,
                    "utm_campaign": tp.utm_campaign,
                    "url": tp.url,
                    "properties": tp.properties,
                },
            )
        )
    for sc in session.scalars(
        select(StageChange)
        .where(StageChange.lead_id == lead_id)
        .order_by(StageChange.changed_at.desc())
        .limit(TIMELINE_LIMIT)
    ):
        entries.append(
            TimelineEntry(
                sc.changed_at,
                "stage_change",
                sc.to_stage.value,
                {
                    "from": sc.from_stage.value if sc.from_stage else None,
                    "to": sc.to_stage.value,
                    "actor": sc.actor,
                    "reason": sc.reason,
                },
            )
        )
    for ae in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "lead", AuditEntry.subject_id == str(lead_id))
        .order_by(AuditEntry.occurred_at.desc())
        .limit(TIMELINE_LIMIT)
    ):
        entries.append(
            TimelineEntry(ae.occurred_at, "audit", ae.action, {"actor": ae.actor, **ae.details})
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:TIMELINE_LIMIT]


def change_stage(
    session: Session, lead: Lead, to_stage: Stage, *, actor: str, reason: str | None
) -> None:
    if lead.stage == to_stage:
        return
    session.add(
        StageChange(
            lead_id=lead.id,
            from_stage=lead.stage,
            to_stage=to_stage,
            changed_at=utcnow(),
            actor=actor,
            reason=reason,
        )
    )
    lead.stage = to_stage


def _check_owner(session: Session, changes: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    owner_id = changes.get("owner_id")
    if owner_id is not None and session.get(User, owner_id) is None:
        errors["owner_id"] = f"There is no user {owner_id}."
    team_id = changes.get("team_id")
    if team_id is not None and session.get(Team, team_id) is None:
        errors["team_id"] = f"There is no team {team_id}."
    if errors:
        raise ValidationFailed(errors)


def apply_changes(
    session: Session, lead: Lead, changes: dict[str, Any], *, actor: str, reason: str | None = None
) -> dict[str, Any]:
    """Apply an edit; records the stage history and an audit entry with before and after."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed({name: "This field cannot be edited." for name in sorted(unknown)})
    required = {
        name: "A lead always has one; choose a value."
        for name in REQUIRED_FIELDS
        if name in changes and changes[name] is None
    }
    if required:
        raise ValidationFailed(required)
    if "attributes" in changes and changes["attributes"] is None:
        changes = {**changes, "attributes": {}}  # clearing the attributes empties them
    _check_owner(session, changes)
    diff: dict[str, Any] = {}
    for name, value in changes.items():
        before = getattr(lead, name)
        if before == value:
            continue
        diff[name] = {"from": _plain(before), "to": _plain(value)}
        if name == "stage":
            change_stage(session, lead, value, actor=actor, reason=reason or "edited")
        else:
            setattr(lead, name, value)
    if diff:
        refresh_search_text(lead)
        lead.updated_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="lead.updated",
            subject_type="lead",
            subject_id=lead.id,
            details={"changes": diff},
        )
    return diff


def refresh_search_text(lead: Lead) -> None:
    lead.search_text = rules.search_text(lead.first_name, lead.last_name, lead.email, lead.company)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def to_document(lead: Lead) -> dict[str, Any]:
    """The lead as plain JSON data, for webhooks and exports."""
    return {
        "id": lead.id,
        "email": lead.email,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "phone": lead.phone,
        "company": lead.company,
        "job_title": lead.job_title,
        "country": lead.country,
        "language": lead.language,
        "source": lead.source,
        "utm_source": lead.utm_source,
        "utm_medium": lead.utm_medium,
        "utm_campaign": lead.utm_campaign,
        "utm_term": lead.utm_term,
        "utm_content": lead.utm_content,
        "channel": lead.channel.value,
        "email_status": _value(lead.email_status),
        "phone_status": _value(lead.phone_status),
        "seniority": _value(lead.seniority),
        "job_function": _value(lead.job_function),
        "stage": lead.stage.value,
        "temperature": lead.temperature.value,
        "score": lead.score,
        "fit_score": lead.fit_score,
        "engagement_score": lead.engagement_score,
        "grade": lead.grade,
        "owner_id": lead.owner_id,
        "team_id": lead.team_id,
        "account_id": lead.account_id,
        "attributes": lead.attributes,
        "created_at": lead.created_at.isoformat(),
        "updated_at": lead.updated_at.isoformat(),
    }
