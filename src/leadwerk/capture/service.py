"""The intake pipeline (DESIGN.md §1) and edits that must pass the same normalisation.

Steps that exist so far: normalise → identity (exact email) → persist → touchpoint → outbox →
audit. Later issues insert consent, scoring, qualification, routing and nurturing in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields as dc_fields
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from leadwerk.auth import audit
from leadwerk.auth.rules import allows
from leadwerk.auth.types import Principal, Scope
from leadwerk.capture import rules
from leadwerk.capture.quality import rules as quality
from leadwerk.capture.quality.ports import MxLookup
from leadwerk.capture.quality.service import check_mail_domain
from leadwerk.capture.types import Intake, IntakeResult, NormalisedLead
from leadwerk.consent import claims as consent
from leadwerk.consent.types import ConsentLinks, Method
from leadwerk.delivery import service as delivery
from leadwerk.errors import ConfigurationError, PermissionDenied, ValidationFailed
from leadwerk.identity import accounts, merging
from leadwerk.identity import intake as matching
from leadwerk.identity import service as identity
from leadwerk.identity.rules import company_key, sound_key
from leadwerk.identity.types import MergeReason
from leadwerk.leads import rules as lead_rules
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Stage, Temperature, TouchpointType
from leadwerk.storage.base import utcnow


def run_intake(
    session: Session,
    intake: Intake,
    *,
    actor: str,
    mx: MxLookup | None = None,
    links: ConsentLinks | None = None,
) -> tuple[IntakeResult, Lead]:
    """Store one lead from any channel, inside the caller's transaction.

    `mx` is the optional check that the address's domain accepts mail (`Container.mx_lookup`,
    on with `LEADWERK_EMAIL_MX_CHECK`). `links` (`Container.consent_links`) writes the links
    of a double opt-in email; an intake with consent claims needs it.

    Identity: a lead with the intake's email key (or with it as an alias, an old address a
    merge left) is the lead. Otherwise, once the duplicate search has stored a model,
    `identity.intake.find_match` scores the leads sharing its phone or name: at the model's
    merge threshold the new lead is merged into that lead (`identity.merging`, undoable), at
    its review threshold the new lead is offered for review with it.

    Written for the hot path of the API (bench/intake.py): a new lead is created by one INSERT
    that first checks no lead has its address (on PostgreSQL the same statement adds its
    touchpoint); the outbox rows and the audit entry are plain INSERTs, no ORM flush. The
    match adds one lookup of the latest model and, with one, one of the candidates.
    """
    clean, errors = rules.normalise(intake)
    if clean is None:
        raise ValidationFailed(errors, "The lead was not accepted: some fields are invalid.")
    clean = check_mail_domain(clean, mx)
    claims = consent.check_claims(session, intake.consents) if intake.consents else []
    if claims and links is None:
        raise ConfigurationError("Consent claims need ConsentLinks (Container.consent_links).")
    given = (clean.email, clean.phone)  # what a consent is for, whichever lead it lands on
    now = utcnow()
    occurred_at = intake.occurred_at or now
    touchpoint: dict[str, Any] = {
        "type": intake.touchpoint_type,
        "channel": clean.channel,
        "campaign_id": None,
        "source": clean.source,
        "utm_source": clean.utm_source,
        "utm_medium": clean.utm_medium,
        "utm_campaign": clean.utm_campaign,
        "utm_term": clean.utm_term,
        "utm_content": clean.utm_content,
        "url": intake.url,
        "occurred_at": occurred_at,
        "properties": {},
        "email_key": clean.email_key,
    }
    if clean.email_key is not None:
        identity.lock_email_key(session, clean.email_key)
    match = matching.find_match(
        session,
        {name: getattr(clean, name) for name in matching.LEAD_FIELDS},
        email_key=clean.email_key,
        phone_key=clean.phone,
        name_key=clean.name_key,
        sound_key=clean.sound_key,
    )
    new, touched = _create_if_new(session, clean, touchpoint, now, occurred_at)
    created = new is not None
    lead = new or identity.oldest_with_email_key(session, clean.email_key or "")
    if lead is None and clean.email_key is not None:
        # an old address of a lead (a merge left it as an alias): the lead keeps its own
        # address, the intake's stays on the touchpoint (as does its key, for an undo)
        lead = identity.lead_for_alias(session, clean.email_key)
        touchpoint["properties"] = {"email": clean.email}
        clean = replace(clean, email=None, email_key=None, email_status=None, domain=None)
    if lead is None:  # pragma: no cover - the key's lock is held, so it cannot vanish
        raise RuntimeError(f"lead with email key {clean.email_key!r} disappeared")
    changes: dict[str, Any] = {}
    if not created:
        changes = rules.merge_into(lead, clean)
        if lead.account_id is None:
            lead.account_id = accounts.account_for(session, lead.domain, lead.company_key)
        lead.updated_at = now
        leads.refresh_search_text(lead)
        lead.last_activity_at = max(lead.last_activity_at or occurred_at, occurred_at)
    if not touched:
        session.connection().execute(_INSERT_TOUCHPOINT, {"lead_id": lead.id, **touchpoint})
    if created and match is not None and match.merge:
        # the same person from another address: the new lead is merged into the one it
        # matched, as any merge (and so it can be undone)
        _audit(session, actor, intake, lead.id, created=True, changes={})
        merging.merge_leads(
            session,
            survivor_id=match.lead_id,
            merged_id=lead.id,
            actor=actor,
            reason=MergeReason.INTAKE,
            priority=match.source_priority,
            probability=match.probability,
            evidence=matching.swapped(match.evidence),
        )
        survivor = session.get(Lead, match.lead_id)
        if survivor is None:  # pragma: no cover - locked by the merge
            raise RuntimeError(f"matched lead {match.lead_id} disappeared")
        _record_consents(session, survivor, claims, intake, actor, given, links)
        return IntakeResult(lead_id=survivor.id, created=False), survivor
    if created and match is not None:  # likely a known person: offered for review
        matching.offer_for_review(session, match, lead.id)
    _record_consents(session, lead, claims, intake, actor, given, links)
    delivery.publish(
        session, "lead.created" if created else "lead.updated", leads.to_document(lead)
    )
    _audit(session, actor, intake, lead.id, created=created, changes=changes)
    return IntakeResult(lead_id=lead.id, created=created), lead


# How a channel's consent claims came about, by its touchpoint type (else: the API).
_CONSENT_METHODS = {
    TouchpointType.FORM_SUBMISSION: Method.FORM,
    TouchpointType.IMPORT: Method.IMPORT,
}


def _record_consents(
    session: Session,
    lead: Lead,
    claims: Sequence[consent.CheckedClaim],
    intake: Intake,
    actor: str,
    given: tuple[str | None, str | None],
    links: ConsentLinks | None,
) -> None:
    if claims and links is not None:
        consent.apply_claims(
            session,
            lead,
            claims,
            method=_CONSENT_METHODS.get(intake.touchpoint_type, Method.API),
            method_ref=actor,
            email=given[0],
            phone=given[1],
            links=links,
        )


def _audit(
    session: Session,
    actor: str,
    intake: Intake,
    lead_id: int,
    *,
    created: bool,
    changes: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=actor,
        action="lead.created" if created else "lead.updated",
        subject_type="lead",
        subject_id=lead_id,
        details={"via": intake.touchpoint_type.value, **({"changes": changes} if changes else {})},
    )


def run_intake_batch(
    session: Session,
    intakes: Sequence[Intake],
    *,
    actor: str,
    mx: MxLookup | None = None,
    links: ConsentLinks | None = None,
) -> list[tuple[IntakeResult, Lead] | ValidationFailed]:
    """Many intakes in one transaction, each in its own savepoint: an invalid one is answered
    with its errors and leaves the others stored. Later items see the earlier ones (the same
    address twice: created, then updated).

    The addresses' locks are taken up front in sorted order, so two batches sharing addresses
    wait for each other instead of deadlocking.
    """
    keys = sorted(
        {k for k in (rules.email_key(rules.normalise_email(i.email)[0]) for i in intakes) if k}
    )
    for key in keys:
        identity.lock_email_key(session, key)
    answers: list[tuple[IntakeResult, Lead] | ValidationFailed] = []
    for intake in intakes:
        try:
            with session.begin_nested():
                answers.append(run_intake(session, intake, actor=actor, mx=mx, links=links))
        except ValidationFailed as exc:
            answers.append(exc)
    return answers


_leads = cast(Table, Lead.__table__)
_touchpoints = cast(Table, Touchpoint.__table__)
_INSERT_TOUCHPOINT = insert(_touchpoints)
_LEAD_COLUMNS = [c for c in _leads.columns if c.key != "id"]
_TOUCHPOINT_COLUMNS = [c for c in _touchpoints.columns if c.key not in ("id", "lead_id")]
# INSERT INTO leads (...) SELECT :l_email, ... WHERE NOT EXISTS (a lead with :email_key)
_CREATE_LEAD = (
    insert(_leads)
    .from_select(
        [c.key for c in _LEAD_COLUMNS],
        select(*(bindparam(f"l_{c.key}", type_=c.type) for c in _LEAD_COLUMNS)).where(
            identity.no_lead_with_email_key()
        ),
    )
    .returning(_leads.c.id)
)
# PostgreSQL: WITH new_lead AS (the above) INSERT INTO touchpoints SELECT new_lead.id, ...
_new_lead = _CREATE_LEAD.cte("new_lead")
_CREATE_LEAD_WITH_TOUCHPOINT = (
    insert(_touchpoints)
    .from_select(
        ["lead_id", *(c.key for c in _TOUCHPOINT_COLUMNS)],
        select(
            _new_lead.c.id, *(bindparam(f"t_{c.key}", type_=c.type) for c in _TOUCHPOINT_COLUMNS)
        ),
    )
    .returning(_touchpoints.c.lead_id)
)


def _create_if_new(
    session: Session,
    clean: NormalisedLead,
    touchpoint: dict[str, Any],
    now: datetime,
    occurred_at: datetime,
) -> tuple[Lead | None, bool]:
    """(the new lead, whether its touchpoint was written too), or (None, False) when a lead
    with the email key exists.

    The row goes in with Core; the session then gets an object for it as if it had been
    loaded: every column set, no pending changes, so no flush and no second statement.
    """
    values: dict[str, Any] = {f.name: getattr(clean, f.name) for f in dc_fields(clean)}
    values.update(
        phone_key=clean.phone,
        search_text=lead_rules.search_text(
            clean.first_name, clean.last_name, clean.email, clean.company
        ),
        account_id=accounts.account_for(session, clean.domain, clean.company_key),
        stage=Stage.LEAD,
        temperature=Temperature.COLD,
        fit_score=0,
        engagement_score=0,
        score=0,
        grade=None,
        owner_id=None,
        team_id=None,
        created_at=now,
        updated_at=now,
        last_activity_at=occurred_at,
        restricted_at=None,
        profiling_objected_at=None,
    )
    params = {"email_key": clean.email_key, **{f"l_{k}": v for k, v in values.items()}}
    conn = session.connection()
    touched = conn.dialect.name == "postgresql"  # SQLite has no INSERT inside a WITH
    if touched:
        params.update({f"t_{k}": v for k, v in touchpoint.items()})
        lead_id = conn.execute(_CREATE_LEAD_WITH_TOUCHPOINT, params).scalar()
    else:
        lead_id = conn.execute(_CREATE_LEAD, params).scalar()
    if lead_id is None:
        return None, False
    lead = Lead(id=lead_id, **values)
    make_transient_to_detached(lead)
    session.add(lead)
    return lead, touched


def edit_lead(
    session: Session, principal: Principal, lead_id: int, changes: dict[str, Any]
) -> Lead:
    """An edit from the API or UI: identity fields are normalised exactly as at intake."""
    if not allows(principal, Scope.LEADS_WRITE):
        raise PermissionDenied("Editing leads needs the leads:write permission.")
    lead = leads.get_visible_lead(session, principal, lead_id)
    prepared = dict(changes)
    errors: dict[str, str] = {}
    if "email" in prepared:
        email, problem = rules.normalise_email(prepared["email"])
        if problem:
            errors["email"] = problem
        prepared.update(
            email=email,
            email_key=rules.email_key(email),
            domain=rules.company_domain(email),
            email_status=quality.email_status(email),
        )
    if "country" in prepared:
        prepared["country"], problem = rules.normalise_country(prepared["country"])
        if problem:
            errors["country"] = problem
    if "phone" in prepared:
        country = prepared.get("country", lead.country)
        phone, parsed, problem = rules.parse_phone(prepared["phone"], country)
        if problem:
            errors["phone"] = problem
        prepared.update(phone=phone, phone_key=phone, phone_status=quality.phone_status(parsed))
    if "language" in prepared:
        prepared["language"], problem = rules.normalise_language(prepared["language"])
        if problem:
            errors["language"] = problem
    for name in ("first_name", "last_name"):
        if name in prepared:
            prepared[name] = rules.normalise_name(prepared[name])
    if "first_name" in prepared or "last_name" in prepared:
        first = prepared.get("first_name", lead.first_name)
        last = prepared.get("last_name", lead.last_name)
        prepared["name_key"] = rules.name_key(first, last)
        prepared["sound_key"] = sound_key(first, last)
    for name in ("company", "job_title"):
        if name in prepared:
            prepared[name] = rules.clean_text(prepared[name])
    if "company" in prepared:
        prepared["company_key"] = company_key(prepared["company"])
    if "job_title" in prepared:
        prepared["seniority"] = quality.seniority(prepared["job_title"])
        prepared["job_function"] = quality.job_function(prepared["job_title"])
    rules.check_lengths(prepared, errors)
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
