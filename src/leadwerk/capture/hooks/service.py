"""Use cases of capture.hooks: manage hooks (each with its own URL token and secret) and read
their deliveries. Receiving, processing and retrying live in `receiving.py`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.capture.hooks import rules
from leadwerk.capture.hooks.models import InboundDelivery, InboundHook
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.storage.base import utcnow

MAX_NAME_LENGTH = 100
MAX_SECRET_LENGTH = 200
MAX_ACCESS_TOKEN_LENGTH = 1000
_ACCESS_TOKEN_PROBLEM = (
    f"The page access token is one word of at most {MAX_ACCESS_TOKEN_LENGTH} characters."
)
DEFAULT_PAGE = 100
# A delivery processes within a second of being stored; one still "received" after this was
# left behind by a process that stopped, and waits in the dead-letter list.
STALE_AFTER = timedelta(minutes=10)
SECRET_PREFIX = {HookKind.GOOGLE_ADS: "gak_", HookKind.GENERIC: "lwhk_"}


# --- managing hooks --------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _clean_name(name: str | None, errors: dict[str, str]) -> str:
    clean = (name or "").strip()
    if not clean:
        errors["name"] = "Give the hook a name."
    elif len(clean) > MAX_NAME_LENGTH:
        errors["name"] = f"At most {MAX_NAME_LENGTH} characters, not {len(clean)}."
    elif any(ord(ch) < 32 for ch in clean):
        errors["name"] = "The name must not contain control characters."
    return clean


def _clean_secret(value: str | None, field: str, errors: dict[str, str], label: str) -> str:
    clean = (value or "").strip()
    if not clean:
        errors[field] = f"Paste the {label}."
    elif len(clean) > MAX_SECRET_LENGTH or any(ch.isspace() for ch in clean):
        errors[field] = f"The {label} is one word of at most {MAX_SECRET_LENGTH} characters."
    return clean


def _clean_access_token(value: str | None, errors: dict[str, str]) -> str:
    clean = (value or "").strip()
    if len(clean) > MAX_ACCESS_TOKEN_LENGTH or any(ch.isspace() for ch in clean):
        errors["access_token"] = _ACCESS_TOKEN_PROBLEM
    return clean


def create_hook(
    session: Session,
    *,
    kind: HookKind | str,
    name: str,
    actor: str,
    app_secret: str | None = None,
    access_token: str | None = None,
    field_mapping: Mapping[str, str] | None = None,
) -> InboundHook:
    """A new hook with its own URL token and secret; show the secret to the admin once.

    Meta hooks take the app secret and page access token from Meta; their verify token is ours.
    """
    errors: dict[str, str] = {}
    try:
        kind = HookKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": "Choose Google Ads, Meta or generic."}) from None
    clean_name = _clean_name(name, errors)
    mapping = _clean_mapping(field_mapping or {}, errors) if kind is HookKind.GENERIC else {}
    verify_token = None
    if kind is HookKind.META:
        secret = _clean_secret(app_secret, "app_secret", errors, "app secret")
        token_text = _clean_access_token(access_token, errors)
        verify_token = _new_token()
    else:
        secret = SECRET_PREFIX[kind] + secrets.token_urlsafe(32)
        token_text = ""
    if errors:
        raise ValidationFailed(errors, "The hook was not saved.")
    hook = InboundHook(
        kind=kind,
        name=clean_name,
        token=_new_token(),
        secret=secret,
        verify_token=verify_token,
        access_token=token_text or None,
        field_mapping=mapping,
        is_active=True,
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(hook)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="hook.created",
        subject_type="inbound_hook",
        subject_id=hook.id,
        details={"kind": kind.value, "name": clean_name},
    )
    return hook


def _clean_mapping(mapping: Mapping[str, str], errors: dict[str, str]) -> dict[str, str]:
    clean = {k: v.strip() for k, v in mapping.items() if v and v.strip()}
    for name, message in rules.check_mapping(clean).items():
        errors[f"mapping.{name}"] = message
    return clean


def list_hooks(session: Session) -> list[InboundHook]:
    return list(session.scalars(select(InboundHook).order_by(InboundHook.id)))


def get_hook(session: Session, hook_id: int) -> InboundHook:
    hook = session.get(InboundHook, hook_id)
    if hook is None:
        raise NotFound(f"There is no hook with id {hook_id}.")
    return hook


def rotate_secret(session: Session, hook_id: int, *, actor: str) -> InboundHook:
    """A new key (Google Ads), signing secret (generic) or verify token (Meta, whose app
    secret comes from Meta: change it with `set_meta_credentials`)."""
    hook = get_hook(session, hook_id)
    if hook.kind is HookKind.META:
        hook.verify_token = _new_token()
    else:
        hook.secret = SECRET_PREFIX[hook.kind] + secrets.token_urlsafe(32)
    audit.record(
        session,
        actor=actor,
        action="hook.secret_rotated",
        subject_type="inbound_hook",
        subject_id=hook.id,
    )
    return hook


def set_meta_credentials(
    session: Session,
    hook_id: int,
    *,
    app_secret: str | None,
    access_token: str | None,
    actor: str,
) -> InboundHook:
    """Replace the app secret and/or page access token; an empty value keeps the old one."""
    hook = get_hook(session, hook_id)
    if hook.kind is not HookKind.META:
        raise Conflict("Only Meta hooks have an app secret and a page access token.")
    errors: dict[str, str] = {}
    if app_secret and app_secret.strip():
        hook.secret = _clean_secret(app_secret, "app_secret", errors, "app secret")
    if access_token and access_token.strip():
        hook.access_token = _clean_access_token(access_token, errors)
    if errors:
        raise ValidationFailed(errors, "The credentials were not saved.")
    audit.record(
        session,
        actor=actor,
        action="hook.credentials_changed",
        subject_type="inbound_hook",
        subject_id=hook.id,
    )
    return hook


def set_mapping(
    session: Session, hook_id: int, mapping: Mapping[str, str], *, actor: str
) -> InboundHook:
    """The generic hook's field → JSON path mapping; empty paths fall back to flat names."""
    hook = get_hook(session, hook_id)
    if hook.kind is not HookKind.GENERIC:
        raise Conflict("Only generic hooks have a field mapping.")
    errors: dict[str, str] = {}
    clean = _clean_mapping(mapping, errors)
    if errors:
        raise ValidationFailed(errors, "The mapping was not saved.")
    hook.field_mapping = clean
    audit.record(
        session,
        actor=actor,
        action="hook.mapping_changed",
        subject_type="inbound_hook",
        subject_id=hook.id,
        details={"mapping": clean},
    )
    return hook


def set_active(session: Session, hook_id: int, active: bool, *, actor: str) -> InboundHook:
    """A paused hook answers 404, so the platform keeps (and retries) its leads."""
    hook = get_hook(session, hook_id)
    if hook.is_active != active:
        hook.is_active = active
        audit.record(
            session,
            actor=actor,
            action="hook.activated" if active else "hook.paused",
            subject_type="inbound_hook",
            subject_id=hook.id,
        )
    return hook


def delete_hook(session: Session, hook_id: int, *, actor: str) -> None:
    """Remove a hook and its deliveries; the leads they made stay."""
    hook = get_hook(session, hook_id)
    audit.record(
        session,
        actor=actor,
        action="hook.deleted",
        subject_type="inbound_hook",
        subject_id=hook.id,
        details={"kind": hook.kind.value, "name": hook.name},
    )
    session.delete(hook)
    session.flush()


# --- deliveries ------------------------------------------------------------------------------


def list_deliveries(
    session: Session,
    *,
    status: DeliveryStatus | None = None,
    hook_id: int | None = None,
    limit: int = DEFAULT_PAGE,
    dead_letters: bool = False,
) -> list[tuple[InboundDelivery, InboundHook]]:
    """Newest first, each with its hook; `dead_letters` for those waiting for a retry."""
    query = (
        select(InboundDelivery, InboundHook)
        .join(InboundHook, InboundHook.id == InboundDelivery.hook_id)
        .order_by(InboundDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(InboundDelivery.status == status)
    if hook_id is not None:
        query = query.where(InboundDelivery.hook_id == hook_id)
    if dead_letters:
        query = query.where(is_dead_letter(utcnow()))
    return [(d, h) for d, h in session.execute(query)]


def is_dead_letter(now: datetime) -> ColumnElement[bool]:
    """Failed, or stored but still unprocessed long after (the process stopped in between)."""
    return or_(
        InboundDelivery.status == DeliveryStatus.FAILED,
        and_(
            InboundDelivery.status == DeliveryStatus.RECEIVED,
            InboundDelivery.received_at < now - STALE_AFTER,
        ),
    )


def get_delivery(session: Session, delivery_id: int) -> InboundDelivery:
    delivery = session.get(InboundDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"There is no inbound delivery with id {delivery_id}.")
    return delivery


def delivery_counts(session: Session) -> dict[int, dict[DeliveryStatus, int]]:
    """hook id → status → number of deliveries, in one query."""
    rows = session.execute(
        select(InboundDelivery.hook_id, InboundDelivery.status, func.count()).group_by(
            InboundDelivery.hook_id, InboundDelivery.status
        )
    )
    counts: dict[int, dict[DeliveryStatus, int]] = {}
    for hook_id, status, count in rows:
        counts.setdefault(hook_id, {})[status] = count
    return counts


def payload_preview(body: str) -> str:
    """The stored body pretty-printed when it is JSON, else as it came."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def hook_path(hook: InboundHook) -> str:
    return f"/hooks/{hook.kind.path}/{hook.token}"
