"""Receiving, processing and retrying what platforms send to a hook.

A request that passes its hook's check is stored as `inbound_deliveries` rows and committed
before anything else happens; processing runs after, each delivery in its own transaction, so a
failure (Graph API down, nothing to map, invalid fields) leaves a dead letter to retry, never a
lost lead. Requests that fail the check are refused and not stored: they are not the platform's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.capture import service as capture
from leadwerk.capture.hooks import rules
from leadwerk.capture.hooks.models import InboundDelivery, InboundHook
from leadwerk.capture.hooks.ports import GraphApi, GraphApiError
from leadwerk.capture.hooks.service import get_delivery, get_hook, is_dead_letter
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind, Parsed, PayloadError
from leadwerk.capture.quality.ports import MxLookup
from leadwerk.capture.quality.service import look_up_early
from leadwerk.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.hooks")
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Receipt:
    """What one accepted request did: deliveries stored, duplicates ignored, outcomes."""

    stored: int
    duplicates: int
    processed: int
    failed: int


@dataclass(frozen=True, slots=True)
class RetrySummary:
    retried: int
    processed: int
    failed: int


# --- receiving -------------------------------------------------------------------------------


def find_hook(session: Session, kind: HookKind, token: str) -> InboundHook:
    """The active hook behind a URL; anything else is 404 (and tells a prober nothing)."""
    hook = session.scalar(select(InboundHook).where(InboundHook.token == token))
    if hook is None or hook.kind is not kind or not hook.is_active:
        raise NotFound("No active hook has this URL.")
    return hook


def meta_handshake(
    db: Database, token: str, *, mode: str | None, verify_token: str | None, challenge: str | None
) -> str:
    """The challenge to echo when Meta subscribes with our verify token."""
    with db.read() as session:
        hook = find_hook(session, HookKind.META, token)
    answer = rules.meta_challenge(hook.verify_token, mode, verify_token, challenge)
    if answer is None:
        log.warning("meta handshake refused", extra={"hook_id": hook.id, "mode": mode})
        raise PermissionDenied("The verify token does not match this hook's.")
    return answer


def _refuse(hook: InboundHook, reason: str, *, missing: bool) -> NoReturn:
    log.warning("inbound hook request refused", extra={"hook_id": hook.id, "reason": reason})
    raise (AuthenticationFailed if missing else PermissionDenied)(reason)


def _check(
    hook: InboundHook, body: bytes, headers: Mapping[str, str], now: int, tolerance: int
) -> None:
    """Raise unless the request carries this hook's key or signature."""
    if hook.kind is HookKind.GOOGLE_ADS:
        try:
            payload = json.loads(body)
        except ValueError:
            _refuse(hook, "The body is not JSON, so it carries no google_key.", missing=True)
        if not isinstance(payload, dict) or not payload.get("google_key"):
            _refuse(hook, "The body has no google_key.", missing=True)
        if not rules.google_key_valid(hook.secret, payload):
            _refuse(hook, "The google_key does not match this hook's key.", missing=False)
    elif hook.kind is HookKind.META:
        header = headers.get(rules.META_SIGNATURE_HEADER.lower())
        if not header:
            _refuse(hook, f"The {rules.META_SIGNATURE_HEADER} header is missing.", missing=True)
        if not rules.meta_signature_valid(hook.secret, header, body):
            _refuse(hook, f"The {rules.META_SIGNATURE_HEADER} signature is wrong.", missing=False)
    else:
        header = headers.get(rules.GENERIC_SIGNATURE_HEADER.lower())
        if not header:
            _refuse(hook, f"The {rules.GENERIC_SIGNATURE_HEADER} header is missing.", missing=True)
        if not rules.generic_signature_valid(hook.secret, header, body, now, tolerance):
            _refuse(
                hook,
                f"The {rules.GENERIC_SIGNATURE_HEADER} signature is wrong or older than "
                f"{tolerance} s.",
                missing=False,
            )


def _split(hook: InboundHook, body: bytes) -> list[tuple[str | None, str]]:
    """(external id, stored body) for each lead a request carries."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return [(None, text)]
    if hook.kind is HookKind.GOOGLE_ADS:
        return [(rules.google_external_id(payload), text)]
    if hook.kind is HookKind.GENERIC:
        return [(rules.generic_external_id(payload, hook.field_mapping), text)]
    try:
        refs = rules.meta_lead_refs(payload)
    except PayloadError:
        return [(None, text)]
    if not refs:
        return [(None, text)]
    return [(ref.leadgen_id, json.dumps(rules.meta_ref_document(ref))) for ref in refs]


def _store(session: Session, hook: InboundHook, external_id: str | None, body: str) -> int | None:
    """The new delivery's id, or None when the hook already has this external id."""
    if external_id is not None:
        known = session.scalar(
            select(InboundDelivery.id).where(
                InboundDelivery.hook_id == hook.id, InboundDelivery.external_id == external_id
            )
        )
        if known is not None:
            return None
    delivery = InboundDelivery(
        hook_id=hook.id,
        external_id=external_id[:200] if external_id else None,
        body=body,
        status=DeliveryStatus.RECEIVED,
        attempts=0,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():  # a concurrent first delivery of the same lead wins
            session.add(delivery)
            session.flush()
    except IntegrityError:
        return None
    return delivery.id


def receive(
    db: Database,
    kind: HookKind,
    token: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    now: int,
    tolerance: int,
    graph: GraphApi,
    mx: MxLookup | None = None,
) -> Receipt:
    """Check, store and commit, then process. `headers` has lower-case names."""
    with db.read() as session:
        hook = find_hook(session, kind, token)
    _check(hook, body, headers, now, tolerance)
    stored: list[int] = []
    duplicates = 0
    with db.transaction() as session:
        for external_id, text in _split(hook, body):
            delivery_id = _store(session, hook, external_id, text)
            if delivery_id is None:
                duplicates += 1
            else:
                stored.append(delivery_id)
    outcomes = [_process_safely(db, delivery_id, graph, mx) for delivery_id in stored]
    return Receipt(
        stored=len(stored),
        duplicates=duplicates,
        processed=outcomes.count(DeliveryStatus.PROCESSED),
        failed=outcomes.count(DeliveryStatus.FAILED),
    )


# --- processing and retry --------------------------------------------------------------------


def _parse(hook: InboundHook, body: str, graph: GraphApi) -> Parsed:
    """The lead in a stored delivery; raises PayloadError or GraphApiError."""
    payload = rules.parse_json(body)
    if hook.kind is HookKind.GOOGLE_ADS:
        return rules.parse_google(payload)
    if hook.kind is HookKind.GENERIC:
        return rules.parse_generic(payload, hook.field_mapping, hook.name)
    ref = rules.meta_ref_from_document(payload)
    document = graph.fetch_lead(ref.leadgen_id, hook.access_token or "")
    return rules.parse_meta(ref, rules.meta_lead_from_graph(document))


def _describe(exc: ValidationFailed) -> str:
    return "; ".join(f"{field}: {message}" for field, message in exc.errors.items())


def process(
    db: Database, delivery_id: int, graph: GraphApi, mx: MxLookup | None = None
) -> InboundDelivery:
    """Turn one stored delivery into a lead (once), or record why not."""
    with db.read() as session:
        delivery = get_delivery(session, delivery_id)
        hook = get_hook(session, delivery.hook_id)
    if delivery.status is DeliveryStatus.PROCESSED:
        return delivery
    error: str | None = None
    parsed: Parsed | None = None
    try:
        parsed = _parse(hook, delivery.body, graph)
    except (PayloadError, GraphApiError) as exc:
        error = str(exc)
    if parsed is not None:
        look_up_early([parsed.intake.email], mx)
    with db.transaction() as session:
        row = session.scalar(
            select(InboundDelivery).where(InboundDelivery.id == delivery_id).with_for_update()
        )
        if row is None:
            raise NotFound(f"There is no inbound delivery with id {delivery_id}.")
        if row.status is DeliveryStatus.PROCESSED:  # a concurrent retry got there first
            return row
        row.attempts += 1
        if parsed is not None:
            try:
                with session.begin_nested():
                    result, _lead = capture.run_intake(
                        session, parsed.intake, actor=f"hook:{hook.id}", mx=mx
                    )
            except ValidationFailed as exc:
                error = "The lead was not accepted: " + _describe(exc)
            else:
                row.status = DeliveryStatus.PROCESSED
                row.lead_id = result.lead_id
                row.error = None
                row.processed_at = utcnow()
        if error is not None:
            row.status = DeliveryStatus.FAILED
            row.error = error[:MAX_ERROR_LENGTH]
            log.info(
                "inbound delivery failed",
                extra={"delivery_id": row.id, "hook_id": hook.id, "error": row.error},
            )
        session.flush()
        return row


def _process_safely(
    db: Database, delivery_id: int, graph: GraphApi, mx: MxLookup | None
) -> DeliveryStatus:
    """The platform gets its 200 whatever happens now: the payload is stored. An unexpected
    error is logged and leaves a dead letter to retry."""
    try:
        return process(db, delivery_id, graph, mx).status
    except Exception as exc:
        log.exception("inbound delivery could not be processed", extra={"delivery_id": delivery_id})
        with db.transaction() as session:
            row = get_delivery(session, delivery_id)
            row.status = DeliveryStatus.FAILED
            row.attempts += 1
            row.error = f"Internal error ({type(exc).__name__}); see the log."
        return DeliveryStatus.FAILED


def retry(
    db: Database, delivery_id: int, graph: GraphApi, *, actor: str, mx: MxLookup | None = None
) -> InboundDelivery:
    """Process a failed delivery's stored payload again."""
    with db.read() as session:
        delivery = get_delivery(session, delivery_id)
    if delivery.status is DeliveryStatus.PROCESSED:
        raise Conflict(f"Delivery {delivery_id} was processed already (lead {delivery.lead_id}).")
    with db.transaction() as session:
        audit.record(
            session,
            actor=actor,
            action="hook.delivery_retried",
            subject_type="inbound_delivery",
            subject_id=delivery_id,
        )
    return process(db, delivery_id, graph, mx)


def retry_failed(
    db: Database,
    graph: GraphApi,
    *,
    actor: str,
    hook_id: int | None = None,
    mx: MxLookup | None = None,
) -> RetrySummary:
    """Retry every dead letter (of one hook, or of all), oldest first."""
    with db.read() as session:
        query = select(InboundDelivery.id).where(is_dead_letter(utcnow()))
        if hook_id is not None:
            query = query.where(InboundDelivery.hook_id == hook_id)
        ids = list(session.scalars(query.order_by(InboundDelivery.id)))
    outcomes = [retry(db, delivery_id, graph, actor=actor, mx=mx).status for delivery_id in ids]
    return RetrySummary(
        retried=len(ids),
        processed=outcomes.count(DeliveryStatus.PROCESSED),
        failed=outcomes.count(DeliveryStatus.FAILED),
    )
