"""The lead list's filter spec, shared by the API, the UI and the CLI, and its query."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from leadwerk.auth.rules import LeadVisibility
from leadwerk.errors import ValidationFailed
from leadwerk.leads.models import Lead
from leadwerk.leads.rules import fold
from leadwerk.leads.types import Channel, Stage

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class LeadFilter:
    """Every way the lead list can be narrowed. `None` means "don't filter on this"."""

    stage: Stage | None = None
    owner_id: int | None = None
    unowned: bool = False
    channel: Channel | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_PAGE_SIZE

    def with_cursor(self, cursor: str | None) -> LeadFilter:
        return replace(self, cursor=cursor)

    def to_params(self) -> dict[str, str]:
        """Query-string form, for links that keep the filter (UI pagination, exports)."""
        params: dict[str, str] = {}
        if self.stage:
            params["stage"] = self.stage.value
        if self.owner_id is not None:
            params["owner_id"] = str(self.owner_id)
        if self.unowned:
            params["unowned"] = "true"
        if self.channel:
            params["channel"] = self.channel.value
        if self.created_from:
            params["created_from"] = self.created_from.isoformat()
        if self.created_to:
            params["created_to"] = self.created_to.isoformat()
        if self.q:
            params["q"] = self.q
        if self.limit != DEFAULT_PAGE_SIZE:
            params["limit"] = str(self.limit)
        return params


def parse_filter(raw: dict[str, Any]) -> LeadFilter:
    """Build a filter from strings (query parameters or CLI options), naming each bad field."""
    errors: dict[str, str] = {}

    def enum_value(name: str, enum_type: type[Stage] | type[Channel]) -> Any:
        value = raw.get(name)
        if value in (None, ""):
            return None
        try:
            return enum_type(value)
        except ValueError:
            errors[name] = (
                f"Unknown {name} {value!r}; use one of {', '.join(e.value for e in enum_type)}."
            )
            return None

    def int_value(name: str, default: int | None) -> int | None:
        value = raw.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            errors[name] = f"{name} must be a whole number, not {value!r}."
            return default

    def time_value(name: str) -> datetime | None:
        value = raw.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError:
                errors[name] = f"{name} must be a date or an ISO 8601 time, not {value!r}."
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed

    limit = int_value("limit", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    if not 1 <= limit <= MAX_PAGE_SIZE:
        errors["limit"] = f"limit must be between 1 and {MAX_PAGE_SIZE}."
    cursor = raw.get("cursor") or None
    if cursor is not None and decode_cursor(str(cursor)) is None:
        errors["cursor"] = "The cursor is not one this server handed out; start without it."
    q = str(raw.get("q") or "").strip() or None
    if q is not None and len(q) > 200:
        errors["q"] = "The search text may have at most 200 characters."
    elif q is not None and not q.isprintable():
        errors["q"] = "The search text may not contain control characters such as NUL."
    unowned = str(raw.get("unowned") or "").lower() in ("1", "true", "yes", "on")
    result = LeadFilter(
        stage=enum_value("stage", Stage),
        owner_id=int_value("owner_id", None),
        unowned=unowned,
        channel=enum_value("channel", Channel),
        created_from=time_value("created_from"),
        created_to=time_value("created_to"),
        q=q,
        cursor=cursor,
        limit=limit,
    )
    if errors:
        raise ValidationFailed(errors, "The lead filter is invalid.")
    return result


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def build_query(spec: LeadFilter, visibility: LeadVisibility) -> Select[Lead]:
    """Newest first; keyset pagination on the id, which grows with creation time."""
    conditions: list[Any] = []
    if not visibility.everything:
        allowed = [Lead.owner_id == visibility.owner_id] if visibility.owner_id else []
        if visibility.team_id is not None:
            allowed.append(Lead.team_id == visibility.team_id)
        conditions.append(or_(*allowed) if allowed else false())
    if spec.stage:
        conditions.append(Lead.stage == spec.stage)
    if spec.owner_id is not None:
        conditions.append(Lead.owner_id == spec.owner_id)
    if spec.unowned:
        conditions.append(Lead.owner_id.is_(None))
    if spec.channel:
        conditions.append(Lead.channel == spec.channel)
    if spec.created_from:
        conditions.append(Lead.created_at >= spec.created_from)
    if spec.created_to:
        conditions.append(Lead.created_at < spec.created_to)
    if spec.q:
        pattern = f"%{_escape_like(fold(spec.q))}%"
        conditions.append(Lead.search_text.like(pattern, escape="\\"))
    if spec.cursor:
        last_id = decode_cursor(spec.cursor)
        if last_id is not None:
            conditions.append(Lead.id < last_id)
    return select(Lead).where(*conditions).order_by(Lead.id.desc()).limit(spec.limit + 1)


@dataclass(frozen=True, slots=True)
class LeadPage:
    items: list[Lead]
    next_cursor: str | None


def list_leads(session: Session, spec: LeadFilter, visibility: LeadVisibility) -> LeadPage:
    rows = list(session.scalars(build_query(spec, visibility)))
    has_more = len(rows) > spec.limit
    items = rows[: spec.limit]
    return LeadPage(items=items, next_cursor=encode_cursor(items[-1].id) if has_more else None)
