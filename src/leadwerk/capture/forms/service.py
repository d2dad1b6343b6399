"""Use cases of forms: build and version a form, serve it, count views, take submissions.

A submission is taken in two transactions (see `receive`): spam screening commits its rate
counters on its own, then the submission either runs the intake pipeline (accepted) or is
stored as rejected with the reason; either way one upsert counts it in the daily stats.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, insert, select, text
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth.rules import allows
from leadwerk.auth.types import Principal, Scope
from leadwerk.capture import service as capture
from leadwerk.capture.forms import rules
from leadwerk.capture.forms.models import Form, FormStatsDaily, FormSubmission, FormVersion
from leadwerk.capture.forms.types import (
    FormDefinition,
    Problem,
    PublishedForm,
    Submission,
    SubmissionStatus,
    SubmitOutcome,
)
from leadwerk.capture.quality.ports import MxLookup
from leadwerk.capture.quality.service import look_up_early
from leadwerk.capture.spam import service as spam
from leadwerk.capture.spam.ports import ChallengeVerifier
from leadwerk.capture.spam.types import EXPIRED_MESSAGE, Rejection, SpamPolicy, SubmissionSignals
from leadwerk.capture.tracking import rules as tracking_rules
from leadwerk.capture.tracking import service as tracking
from leadwerk.capture.types import Intake
from leadwerk.consent import rules as consent_rules
from leadwerk.consent import service as consent
from leadwerk.consent.types import ClaimAction, ConsentClaim, ConsentLinks
from leadwerk.errors import NotFound, PermissionDenied, ValidationFailed
from leadwerk.leads.types import TouchpointType
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database, upsert_insert

# The pipeline's own field messages, as the visitor's message for that field.
_PIPELINE_PROBLEMS = {
    "email": rules.BAD_EMAIL,
    "phone": rules.BAD_PHONE,
    "country": rules.BAD_COUNTRY,
}


# --- building --------------------------------------------------------------------------------


def _require_manage(principal: Principal) -> None:
    if not allows(principal, Scope.FORMS_MANAGE):
        raise PermissionDenied("Managing forms needs the forms:manage permission.")


def _check_name_and_slug(
    session: Session, name: str, slug: str, form_id: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = rules.REQUIRED
    elif len(name) > 200:
        errors["name"] = "At most 200 characters."
    problem = rules.check_slug(slug)
    if problem is not None:
        errors["slug"] = problem.message
    else:
        taken = session.scalar(select(Form.id).where(Form.slug == slug))
        if taken is not None and taken != form_id:
            errors["slug"] = "Another form has this address already."
    return errors


def get_form(session: Session, principal: Principal, form_id: int) -> Form:
    _require_manage(principal)
    form = session.get(Form, form_id)
    if form is None:
        raise NotFound(f"There is no form {form_id}.")
    return form


def create_form(
    session: Session,
    principal: Principal,
    *,
    name: str,
    slug: str,
    is_active: bool,
    definition: FormDefinition,
) -> Form:
    """A new form with its first version. Raises ValidationFailed for name or slug."""
    _require_manage(principal)
    errors = _check_name_and_slug(session, name, slug, None)
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    form = Form(
        slug=slug,
        name=name.strip(),
        definition=definition.to_doc(),
        version=1,
        is_active=is_active,
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
    )
    session.add(form)
    session.flush()
    session.add(
        FormVersion(
            form_id=form.id,
            version=1,
            definition=form.definition,
            created_by=principal.actor,
            created_at=now,
        )
    )
    audit.record(
        session,
        actor=principal.actor,
        action="form.created",
        subject_type="form",
        subject_id=form.id,
        details={"slug": slug},
    )
    return form


def update_form(
    session: Session,
    principal: Principal,
    form_id: int,
    *,
    name: str,
    slug: str,
    is_active: bool,
    definition: FormDefinition,
) -> tuple[Form, bool]:
    """Save a form; (the form, whether a new version was frozen). A changed definition makes
    a new version; name, address and on/off are not part of what a visitor agreed to."""
    form = get_form(session, principal, form_id)
    errors = _check_name_and_slug(session, name, slug, form.id)
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    doc = definition.to_doc()
    new_version = doc != form.definition
    if new_version:
        form.version += 1
        form.definition = doc
        session.add(
            FormVersion(
                form_id=form.id,
                version=form.version,
                definition=doc,
                created_by=principal.actor,
                created_at=now,
            )
        )
    form.name, form.slug, form.is_active, form.updated_at = name.strip(), slug, is_active, now
    audit.record(
        session,
        actor=principal.actor,
        action="form.updated",
        subject_type="form",
        subject_id=form.id,
        details={"slug": slug, "version": form.version, "new_version": new_version},
    )
    return form, new_version


# --- serving ---------------------------------------------------------------------------------


# Statements built once (the submission path is measured by bench/form_submit.py).
_forms = cast(Table, Form.__table__)
_versions = cast(Table, FormVersion.__table__)
_submissions = cast(Table, FormSubmission.__table__)
_stats = cast(Table, FormStatsDaily.__table__)
# Versions run 1..forms.version without gaps: any asked number in that range exists, anything
# else (0 when none was asked) means the current one.
_PUBLISHED = (
    select(_forms.c.id, _versions.c.id, _versions.c.version, _versions.c.definition)
    .join(_versions, _versions.c.form_id == _forms.c.id)
    .where(
        _forms.c.slug == bindparam("slug"),
        _forms.c.is_active.is_(True),
        _versions.c.version
        == case(
            (
                and_(bindparam("asked") > 0, bindparam("asked") <= _forms.c.version),
                bindparam("asked"),
            ),
            else_=_forms.c.version,
        ),
    )
)
_INSERT_SUBMISSION = insert(_submissions).returning(_submissions.c.id)
_COUNTERS = ("views", "submissions", "rejected")
STATS_SHARDS = 8
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect: str, column: str) -> Any:
    """INSERT the day's row with 1 in `column`, or add 1 to it: one statement per engine kind
    and counter, built on first use."""
    found = _UPSERTS.get((dialect, column))
    if found is None:
        stmt = upsert_insert(dialect, _stats).values(
            form_id=bindparam("form_id"),
            day=bindparam("day"),
            shard=bindparam("shard"),
            **{name: 1 if name == column else 0 for name in _COUNTERS},
        )
        found = stmt.on_conflict_do_update(
            index_elements=[_stats.c.form_id, _stats.c.day, _stats.c.shard],
            set_={column: _stats.c[column] + 1},
        )
        _UPSERTS[(dialect, column)] = found
    return found


def published(session: Session, slug: str, version: int | None = None) -> PublishedForm:
    """The active form at `slug`, in `version` when it has that version (the one a visitor
    saw), else in its current version. NotFound for an unknown or switched-off form."""
    asked = version if version is not None and 0 < version < 2**31 else 0
    found = session.execute(_PUBLISHED, {"slug": slug, "asked": asked}).one_or_none()
    if found is None:
        raise NotFound(f"There is no active form {slug!r}.")
    form_id, version_id, number, definition = found
    return PublishedForm(
        form_id=form_id,
        slug=slug,
        version=number,
        version_id=version_id,
        definition=FormDefinition.from_doc(definition),
    )


def _count(session: Session, form_id: int, day: date, column: str) -> None:
    """One atomic upsert: the row of the day (and of a random shard, see `FormStatsDaily`) is
    created or its counter raised by one."""
    stmt = _upsert(session.get_bind().dialect.name, column)
    shard = random.randrange(STATS_SHARDS)  # noqa: S311 - spreads lock contention, no secret
    session.connection().execute(stmt, {"form_id": form_id, "day": day, "shard": shard})


def _relaxed_commit(session: Session) -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL reaches the disk.

    Only for counters (views, rate-limit hits): a crash may lose the last few hundred
    milliseconds of them, which changes no decision that matters, and the visitor does not
    wait for a second disk flush. Submissions and leads are committed durably as always."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def record_view(session: Session, form_id: int, when: datetime | None = None) -> None:
    """Count one view. Call it in a transaction of its own: its commit is not made durable
    (see `_relaxed_commit`)."""
    _relaxed_commit(session)
    _count(session, form_id, (when or utcnow()).date(), "views")


# --- submissions -----------------------------------------------------------------------------


def receive(
    db: Database,
    form: PublishedForm,
    submission: Submission,
    *,
    secret: str,
    policy: SpamPolicy,
    challenge: ChallengeVerifier | None = None,
    mx: MxLookup | None = None,
    links: ConsentLinks | None = None,
) -> SubmitOutcome:
    """Screen, check and store one submission.

    Spam screening commits its rate counters in a short transaction of its own first. A
    rejection for spam is stored and answered like a success (no oracle for bots); an
    expired render asks the visitor to send again; invalid input returns the problems;
    otherwise the intake pipeline runs in the same transaction as the submission row."""
    rendered_at = rules.read_render_token(secret, form.slug, submission.render_token)
    signals = SubmissionSignals(
        form_key=form.slug,
        ip=submission.ip,
        honeypot=submission.honeypot,
        rendered_at=rendered_at,
        submitted_at=submission.submitted_at,
        email=submission.values.get("email") or None,
        challenge_token=submission.challenge_token,
    )
    # The checks that count nothing (the challenge is a network call) before any transaction,
    # so no lock waits on the challenge provider; then the counters in a short one.
    rejection = spam.screen_before_limits(signals, policy, challenge)
    if rejection is None:
        with db.transaction() as session:
            _relaxed_commit(session)
            rejection = spam.screen_rate_limits(session, signals, policy)
    if rejection is Rejection.EXPIRED:
        return SubmitOutcome(form_error=Problem(EXPIRED_MESSAGE))
    fill = rules.fill_seconds(rendered_at, submission.submitted_at)
    if rejection is not None:
        with db.transaction() as session:
            return _store(session, form, submission, SubmissionStatus.REJECTED, rejection, fill)
    clean, problems = rules.check_submission(
        form.definition, submission.values, submission.consents
    )
    if problems:
        return SubmitOutcome(errors=problems)
    look_up_early([clean.get("email")], mx)
    with db.transaction() as session:
        return _accept(session, form, submission, clean, fill, secret, mx, links)


def _accept(
    session: Session,
    form: PublishedForm,
    submission: Submission,
    clean: dict[str, Any],
    fill: float | None,
    secret: str,
    mx: MxLookup | None,
    links: ConsentLinks | None,
) -> SubmitOutcome:
    intake_values, attributes = rules.split_values(clean)
    # (text fields only, by name; Intake has others too)
    fields: dict[str, Any] = {**intake_values, **rules.utm_values(submission.utm)}
    intake = Intake(
        **fields,
        language=submission.language,
        source=f"form:{form.slug}",
        url=rules.page_address(submission.page_url),
        referrer=rules.page_address(submission.referrer),
        attributes=attributes,
        touchpoint_type=TouchpointType.FORM_SUBMISSION,
        occurred_at=submission.submitted_at,
        consents=_claims(session, form, submission) if links is not None else (),
    )
    try:
        result, _lead = capture.run_intake(
            session, intake, actor=f"form:{form.slug}", mx=mx, links=links
        )
    except ValidationFailed as exc:  # checked before, so only what the pipeline adds
        return SubmitOutcome(
            errors={k: Problem(_PIPELINE_PROBLEMS.get(k, rules.BAD_FORMAT)) for k in exc.errors}
        )
    if submission.visitor_id and tracking_rules.VISITOR_ID.fullmatch(submission.visitor_id):
        # The visitor's earlier anonymous tracking events now belong to the lead.
        tracking.stitch(session, submission.visitor_id, result.lead_id)
    return _store(
        session,
        form,
        submission,
        SubmissionStatus.ACCEPTED,
        None,
        fill,
        lead_id=result.lead_id,
        clean=clean,
        secret=secret,
    )


def _claims(
    session: Session, form: PublishedForm, submission: Submission
) -> tuple[ConsentClaim, ...]:
    """The ticked purposes that are consent purposes, as claims naming the text version with
    the exact wording the visitor saw (published as a version of its own when the form words
    it its own way); the form's double opt-in asks for confirmation of each."""
    known = {p.name for p in consent.list_purposes(session)}
    claims = []
    for purpose in form.definition.purposes:
        if purpose.purpose not in submission.consents or purpose.purpose not in known:
            continue
        language, wording = rules.shown_text(purpose.text, submission.language)
        text = consent.text_for_wording(
            session, purpose.purpose, language, wording, actor=f"form:{form.slug}@{form.version}"
        )
        claims.append(
            ConsentClaim(
                purpose=purpose.purpose,
                action=ClaimAction.GRANT,
                text_id=text.id,
                occurred_at=submission.submitted_at,
                ip=consent_rules.clean_ip(submission.ip)[0],  # (None for what is no address)
                user_agent=rules.clip(submission.user_agent, 500),
                source=f"form {form.slug}, version {form.version}",
                confirm=form.definition.double_opt_in,
            )
        )
    return tuple(claims)


def _store(
    session: Session,
    form: PublishedForm,
    submission: Submission,
    status: SubmissionStatus,
    rejection: Rejection | None,
    fill: float | None,
    *,
    lead_id: int | None = None,
    clean: dict[str, Any] | None = None,
    secret: str = "",
) -> SubmitOutcome:
    accepted = status is SubmissionStatus.ACCEPTED
    payload = _payload(form, submission, clean, with_evidence=accepted)
    reason = rejection.value if rejection is not None else None
    submission_id = (
        session.connection()
        .execute(
            _INSERT_SUBMISSION,
            {
                "form_id": form.form_id,
                "form_version_id": form.version_id,
                "lead_id": lead_id,
                "status": status,
                "reason": reason,
                "ip_hash": rules.hash_ip(secret, submission.ip) if secret else None,
                "user_agent": rules.clip(submission.user_agent, 500),
                "fill_seconds": fill,
                "payload": payload,
                "created_at": submission.submitted_at,
            },
        )
        .scalar_one()
    )
    _count(
        session,
        form.form_id,
        submission.submitted_at.date(),
        "submissions" if accepted else "rejected",
    )
    return SubmitOutcome(
        submission_id=int(submission_id), lead_id=lead_id, status=status, reason=reason
    )


def _payload(
    form: PublishedForm,
    submission: Submission,
    clean: dict[str, Any] | None,
    *,
    with_evidence: bool,
) -> dict[str, Any]:
    """The values (clean ones when accepted, clipped raw ones when rejected) and, for an
    accepted submission, the consent evidence: the exact text shown, language, time, IP."""
    values = (
        clean
        if clean is not None
        else {k: v[:500] for k, v in list(submission.values.items())[:60]}
    )
    doc: dict[str, Any] = {
        "values": values,
        "language": submission.language,
        "page_url": rules.page_address(submission.page_url),
        "referrer": rules.page_address(submission.referrer),
        "utm": rules.utm_values(submission.utm),
        "form_version": form.version,
        "double_opt_in": form.definition.double_opt_in,
    }
    if with_evidence:
        doc["consents"] = [
            {
                "purpose": p.purpose,
                "text": p.text.get(submission.language),
                "language": submission.language,
                "given_at": submission.submitted_at.isoformat(),
                "ip": submission.ip,
                "form_version": form.version,
            }
            for p in form.definition.purposes
            if p.purpose in submission.consents
        ]
        doc["purposes_offered"] = [p.purpose for p in form.definition.purposes]
    return doc
