"""The intake pipeline (DESIGN.md §1) and edits that must pass the same normalisation.

Steps that exist so far: normalise → identity (exact email) → persist → touchpoint → audit →
outbox. Later issues insert consent, scoring, qualification, routing and nurturing in order.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth.types import Principal
from leadwerk.capture import rules
from leadwerk.capture.types import Intake, IntakeResult, NormalisedLead
from leadwerk.delivery import service as delivery
from leadwerk.errors import ValidationFailed
from leadwerk.identity import service as identity
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Stage, Temperature
from leadwerk.storage.base import utcnow

# Filled on an existing lead only where it has no value yet; first-touch attribution stays.
_FIRST_TOUCH = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "channel",
)
_IDENTITY = (
    "email",
    "email_key",
    "first_name",
    "last_name",
    "name_key",
    "phone",
    "company",
    "company_key",
    "domain",
    "job_title",
    "country",
    "language",
)


def run_intake(session: Session, intake: Intake, *, actor: str) -> tuple[IntakeResult, Lead]:
    """Store one lead from any channel, inside the caller's transaction."""
    clean, errors = rules.normalise(intake)
    if clean is None:
        raise ValidationFailed(errors, "The lead was not accepted: some fields are invalid.")
    now = utcnow()
    occurred_at = intake.occurred_at or now
    lead = identity.find_existing(session, clean.email_key)
    created = lead is None
    if lead is None:
        lead = _new_lead(clean, now)
        session.add(lead)
        session.flush()
        changes: dict[str, Any] = {}
    else:
        changes = _merge_into(lead, clean)
        lead.updated_at = now
    leads.refresh_search_text(lead)
    lead.last_activity_at = max(lead.last_activity_at or occurred_at, occurred_at)
    session.add(
        Touchpoint(
            lead_id=lead.id,
            type=intake.touchpoint_type,
            channel=clean.channel,
            source=clean.source,
            utm_source=clean.utm_source,
            utm_medium=clean.utm_medium,
            utm_campaign=clean.utm_campaign,
            utm_term=clean.utm_term,
            utm_content=clean.utm_content,
            url=intake.url,
            occurred_at=occurred_at,
            properties={},
        )
    )
    audit.record(
        session,
        actor=actor,
        action="lead.created" if created else "lead.updated",
        subject_type="lead",
        subject_id=lead.id,
        details={"via": intake.touchpoint_type.value, **({"changes": changes} if changes else {})},
    )
    delivery.publish(
        session, "lead.created" if created else "lead.updated", leads.to_document(lead)
    )
    return IntakeResult(lead_id=lead.id, created=created), lead


def _new_lead(clean: NormalisedLead, now: Any) -> Lead:
    values = {f.name: getattr(clean, f.name) for f in dc_fields(clean)}
    return Lead(
        **values,
        phone_key=clean.phone,
        stage=Stage.LEAD,
        temperature=Temperature.COLD,
        fit_score=0,
        engagement_score=0,
        score=0,
        created_at=now,
        updated_at=now,
    )


def _merge_into(lead: Lead, clean: NormalisedLead) -> dict[str, Any]:
    """A newer non-empty value wins for identity fields; first-touch fields fill gaps only."""
    changes: dict[str, Any] = {}
    for name in _IDENTITY:
        value = getattr(clean, name)
        if value is not None and getattr(lead, name) != value:
            changes[name] = {"from": getattr(lead, name), "to": value}
            setattr(lead, name, value)
    if clean.phone is not None:
        lead.phone_key = clean.phone
    for name in _FIRST_TOUCH:
        if getattr(lead, name) in (None, "") and getattr(clean, name) is not None:
            setattr(lead, name, getattr(clean, name))
    if clean.attributes:
        lead.attributes = {**(lead.attributes or {}), **clean.attributes}
    return {k: v for k, v in changes.items() if not k.endswith("_key") and k != "domain"}


def edit_lead(
    session: Session, principal: Principal, lead_id: int, changes: dict[str, Any]
) -> Lead:
    """An edit from the API or UI: identity fields are normalised exactly as at intake."""
    lead = leads.get_visible_lead(session, principal, lead_id)
    prepared = dict(changes)
    errors: dict[str, str] = {}
    if "email" in prepared:
        email, problem = rules.normalise_email(prepared["email"])
        if problem:
            errors["email"] = problem
        prepared.update(
            email=email, email_key=rules.email_key(email), domain=rules.company_domain(email)
        )
    if "country" in prepared:
        prepared["country"], problem = rules.normalise_country(prepared["country"])
        if problem:
            errors["country"] = problem
    if "phone" in prepared:
        country = prepared.get("country", lead.country)
        phone, problem = rules.normalise_phone(prepared["phone"], country)
        if problem:
            errors["phone"] = problem
        prepared.update(phone=phone, phone_key=phone)
    if "language" in prepared:
        prepared["language"], problem = rules.normalise_language(prepared["language"])
        if problem:
            errors["language"] = problem
    for name in ("first_name", "last_name"):
        if name in prepared:
            prepared[name] = rules.normalise_name(prepared[name])
    if "first_name" in prepared or "last_name" in prepared:
        prepared["name_key"] = rules.name_key(
            prepared.get("first_name", lead.first_name), prepared.get("last_name", lead.last_name)
        )
    for name in ("company", "job_title"):
        if name in prepared:
            prepared[name] = rules.clean_text(prepared[name])
    if "company" in prepared:
        prepared["company_key"] = rules.company_key(prepared["company"])
    if errors:
        raise ValidationFailed(errors)
    after_email = prepared.get("email", lead.email)
    after_phone = prepared.get("phone", lead.phone)
    if after_email is None and after_phone is None:
        raise ValidationFailed({"email": "A lead needs an email address or a phone number."})
    diff = leads.apply_changes(session, lead, prepared, actor=principal.actor)
    if diff:
        delivery.publish(session, "lead.updated", leads.to_document(lead))
    return lead
