"""The review queue's filter spec (shared by the API, the UI and the CLI) and its query: pairs
of leads, most likely duplicates first, each with both leads."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from leadwerk.errors import ValidationFailed
from leadwerk.identity import merging, service
from leadwerk.identity.models import DuplicatePair, LeadMerge
from leadwerk.identity.rules import canonical_email
from leadwerk.identity.types import PairStatus
from leadwerk.leads.models import Lead

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class PairFilter:
    status: PairStatus = PairStatus.OPEN
    min_probability: float | None = None
    max_probability: float | None = None
    cursor: str | None = None
    limit: int = DEFAULT_PAGE_SIZE

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.status is not PairStatus.OPEN:
            params["status"] = self.status.value
        if self.min_probability is not None:
            params["min_probability"] = repr(self.min_probability)
        if self.max_probability is not None:
            params["max_probability"] = repr(self.max_probability)
        if self.limit != DEFAULT_PAGE_SIZE:
            params["limit"] = str(self.limit)
        return params


def parse_filter(raw: dict[str, Any]) -> PairFilter:
    """A filter from strings (query parameters, form fields, CLI options), naming each bad
    field."""
    errors: dict[str, str] = {}
    status = PairStatus.OPEN
    if raw.get("status") not in (None, ""):
        try:
            status = PairStatus(str(raw["status"]))
        except ValueError:
            choices = ", ".join(s.value for s in PairStatus)
            errors["status"] = f"Unknown status {raw['status']!r}; use one of {choices}."

    def probability(name: str) -> float | None:
        value = raw.get(name)
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = f"{name} must be a number between 0 and 1, not {value!r}."
            return None
        if not 0.0 <= number <= 1.0:
            errors[name] = f"{name} must be between 0 and 1."
            return None
        return number

    low, high = probability("min_probability"), probability("max_probability")
    limit = DEFAULT_PAGE_SIZE
    if raw.get("limit") not in (None, ""):
        try:
            limit = int(raw["limit"])
        except (TypeError, ValueError):
            errors["limit"] = f"limit must be a whole number, not {raw['limit']!r}."
        else:
            if not 1 <= limit <= MAX_PAGE_SIZE:
                errors["limit"] = f"limit must be between 1 and {MAX_PAGE_SIZE}."
    cursor = str(raw.get("cursor") or "") or None
    if cursor is not None and decode_cursor(cursor) is None:
        errors["cursor"] = "The cursor is not one this server handed out; start without it."
    if errors:
        raise ValidationFailed(errors, "The duplicate filter is invalid.")
    return PairFilter(status, low, high, cursor, limit)


def encode_cursor(probability: float, pair_id: int) -> str:
    data = json.dumps({"p": probability, "id": pair_id}).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    p, pair_id = data.get("p"), data.get("id")
    if isinstance(p, int | float) and isinstance(pair_id, int) and 0 < pair_id < 2**63:
        return float(p), pair_id
    return None


@dataclass(frozen=True, slots=True)
class PairView:
    pair: DuplicatePair
    left: Lead
    right: Lead


@dataclass(frozen=True, slots=True)
class PairPage:
    items: list[PairView]
    next_cursor: str | None


def list_pairs(session: Session, spec: PairFilter) -> PairPage:
    """Most likely first (then newest); keyset pagination on (probability, id)."""
    left, right = aliased(Lead), aliased(Lead)
    conditions: list[Any] = [DuplicatePair.status == spec.status]
    if spec.min_probability is not None:
        conditions.append(DuplicatePair.probability >= spec.min_probability)
    if spec.max_probability is not None:
        conditions.append(DuplicatePair.probability <= spec.max_probability)
    position = decode_cursor(spec.cursor) if spec.cursor else None
    if position is not None:
        p, pair_id = position
        conditions.append(
            or_(
                DuplicatePair.probability < p,
                and_(DuplicatePair.probability == p, DuplicatePair.id < pair_id),
            )
        )
    statement = (
        select(DuplicatePair, left, right)
        .join(left, left.id == DuplicatePair.left_lead_id)
        .join(right, right.id == DuplicatePair.right_lead_id)
        .where(*conditions)
        .order_by(DuplicatePair.probability.desc(), DuplicatePair.id.desc())
        .limit(spec.limit + 1)
    )
    rows = [PairView(*row) for row in session.execute(statement)]
    items = rows[: spec.limit]
    more = len(rows) > spec.limit
    cursor = encode_cursor(items[-1].pair.probability, items[-1].pair.id) if more else None
    return PairPage(items, cursor)


def get_pair(session: Session, pair_id: int) -> PairView | None:
    pair = session.get(DuplicatePair, pair_id)
    if pair is None:
        return None
    left, right = session.get(Lead, pair.left_lead_id), session.get(Lead, pair.right_lead_id)
    if left is None or right is None:  # pragma: no cover - the pair goes with its leads
        return None
    return PairView(pair, left, right)


def get_merge(session: Session, merge_id: int) -> LeadMerge | None:
    return session.get(LeadMerge, merge_id)


def count_open(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(DuplicatePair)
            .where(DuplicatePair.status == PairStatus.OPEN)
        )
        or 0
    )


def merges_of(session: Session, lead_id: int) -> list[LeadMerge]:
    """Every merge this lead took part in (as survivor or as the merged lead), newest first."""
    return list(
        session.scalars(
            select(LeadMerge)
            .where(or_(LeadMerge.survivor_id == lead_id, LeadMerge.merged_id == lead_id))
            .order_by(LeadMerge.id.desc())
        )
    )


def find_person(session: Session, email_or_id: str) -> Lead | None:
    """The lead a person is: by its id (a lead merged away is followed to the lead it is now),
    else by an address of theirs (its canonical key, or an alias)."""
    text = email_or_id.strip()
    if text.isdigit() and int(text) < 2**63:
        lead = session.get(Lead, int(text))
        if lead is None:
            found = merging.current_survivor(session, int(text))
            lead = found[1] if found else None
        return lead
    key = canonical_email(text)
    if not key:
        return None
    return service.oldest_with_email_key(session, key) or service.lead_for_alias(session, key)
