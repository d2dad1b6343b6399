"""Matching one incoming lead against the leads there are, at intake, with the latest model
the duplicate search learned (`match_models`).

1. candidates: the leads with the intake's email key (or alias), phone, name key (folded first
   and last name: Müller = Mueller) or sound key (Bob Müller = Robert Muller), by indexed
   lookups in one statement, each limited (half of `MAX_CANDIDATES` by phone, half by name
   and sound, newest first), so a common name cannot crowd out the lead with the same phone;
2. a candidate with the same email key (its own, or an alias a merge left) means the exact
   match decides (the intake pipeline's own path), so the matcher steps aside;
3. the others are compared field by field and scored with the model (without term-frequency
   adjustment: the frequencies of one intake say nothing);
4. the best one at or above the model's merge threshold is the lead the intake's new lead is
   merged into (an undoable merge); at or above its review threshold, the intake makes a new
   lead and the pair goes to review.

Without a stored model nothing changes: intake matches on the email key alone, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import Session

from leadwerk.identity.comparisons import COMPARISONS, Column, FieldKind, compare
from leadwerk.identity.model import Evidence, MatchModel, probability
from leadwerk.identity.models import DuplicatePair, EmailAlias
from leadwerk.identity.models import MatchModel as StoredModel
from leadwerk.identity.types import PairStatus
from leadwerk.leads.models import Lead

MAX_CANDIDATES = 40
# Of the half that is looked up by name: the same name, the rest the same sound (Muller for
# Müller, Bob for Robert), whose lookup also finds the same name, so the exact one goes first.
NAME_CANDIDATES = 12
# The lead columns compared (the duplicate search compares the same ones).
LEAD_FIELDS: dict[str, FieldKind] = {
    "first_name": FieldKind.FIRST_NAME,
    "last_name": FieldKind.LAST_NAME,
    "email": FieldKind.EMAIL,
    "phone": FieldKind.PHONE,
    "company": FieldKind.COMPANY,
    "country": FieldKind.COUNTRY,
}
_LATEST = (
    select(
        StoredModel.id,
        StoredModel.created_at,
        StoredModel.review_threshold,
        StoredModel.merge_threshold,
        StoredModel.source_priority,
    )
    .order_by(StoredModel.id.desc())
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class ActiveModel:
    id: int
    model: MatchModel
    weights: dict[FieldKind, npt.NDArray[np.float64]]  # log₂(m/u) per level, worked out once
    review_threshold: float
    merge_threshold: float
    source_priority: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntakeMatch:
    lead_id: int
    probability: float
    merge: bool  # at or above the merge threshold: the intake is merged into this lead
    model_id: int
    evidence: list[dict[str, Any]]
    source_priority: tuple[str, ...]  # survivorship's, stored with the model


# The latest parsed model, by (id, created_at): a stored model never changes, and the time
# tells two models apart that got the same id in different databases (or after a rollback).
_parsed: dict[tuple[int, Any], tuple[MatchModel, dict[FieldKind, npt.NDArray[np.float64]]]] = {}


def active_model(session: Session) -> ActiveModel | None:
    row = session.execute(_LATEST).first()
    if row is None:
        return None
    key = (row.id, row.created_at)
    if key not in _parsed:
        parameters = session.scalar(select(StoredModel.parameters).where(StoredModel.id == row.id))
        model = MatchModel.from_dict(parameters or {})
        _parsed.clear()  # only the latest is ever needed
        _parsed[key] = (model, {f.kind: f.weights() for f in model.fields})
    model, weights = _parsed[key]
    return ActiveModel(
        row.id,
        model,
        weights,
        row.review_threshold,
        row.merge_threshold,
        tuple(row.source_priority or ()),
    )


def find_match(
    session: Session,
    values: Mapping[str, str | None],
    *,
    email_key: str | None,
    phone_key: str | None,
    name_key: str | None,
    sound_key: str | None = None,
) -> IntakeMatch | None:
    """The lead an intake with these values (`LEAD_FIELDS`) most likely belongs to, if the
    latest model says so with at least its review threshold; None otherwise, and when a lead
    has the intake's email key (the exact match decides then)."""
    if phone_key is None and name_key is None and sound_key is None:
        return None
    keys = {
        "email_key": email_key,
        "phone_key": phone_key,
        "name_key": name_key,
        "sound_key": sound_key,
    }
    statement = _candidates(*(value is not None for value in keys.values()))
    found = session.execute(statement, {k: v for k, v in keys.items() if v is not None}).all()
    rows = list({row.id: row for row in found}.values())  # one lead found twice counts once
    if not rows or (email_key and any(row.email_key == email_key for row in rows)):
        return None
    active = active_model(session)  # (only now: most new people have no candidates)
    return None if active is None else _best(active, values, rows)


@lru_cache(maxsize=16)
def _candidates(by_email: bool, by_phone: bool, by_name: bool, by_sound: bool) -> Any:
    """One statement per combination of keys the intake has, built once (building it took
    longer than running it): each key an indexed lookup with its own limit."""
    columns = (Lead.id, Lead.email_key, *(getattr(Lead, name) for name in LEAD_FIELDS))
    fields = (getattr(Lead, name) for name in LEAD_FIELDS)
    aliased = (
        select(Lead.id, EmailAlias.email_key, *fields)
        .join(EmailAlias, EmailAlias.lead_id == Lead.id)
        .where(EmailAlias.email_key == bindparam("email_key"))
        .limit(1)
        .subquery()
    )
    lookups = [
        select(*columns)
        .where(key == bindparam(key.key))
        .order_by(Lead.id.desc())
        .limit(limit)
        .subquery()
        for key, wanted, limit in (
            (Lead.email_key, by_email, 1),
            (Lead.phone_key, by_phone, MAX_CANDIDATES // 2),
            (Lead.name_key, by_name, NAME_CANDIDATES),
            (Lead.sound_key, by_sound, MAX_CANDIDATES // 2 - NAME_CANDIDATES),
        )
        if wanted
    ]
    if by_email:  # an old address of a lead (an alias) is an exact match too
        lookups.append(aliased)
    return union_all(*(select(part) for part in lookups))


def _best(
    active: ActiveModel, values: Mapping[str, str | None], rows: Sequence[Any]
) -> IntakeMatch | None:
    kinds = {f.kind: n for n, f in enumerate(active.model.fields)}
    columns: list[tuple[int, Column]] = []
    for name, kind in LEAD_FIELDS.items():
        if kind in kinds:
            raw = [values.get(name), *(getattr(row, name) for row in rows)]
            columns.append((kinds[kind], Column.build(COMPARISONS[kind], raw)))
    left = np.zeros(len(rows), dtype=np.int64)
    right = np.arange(1, len(rows) + 1, dtype=np.int64)
    weights = np.full(len(rows), active.model.prior_weight)
    levels: dict[int, npt.NDArray[np.uint8]] = {}
    for position, column in columns:
        levels[position] = compare(column, left, right)
        weights += active.weights[active.model.fields[position].kind][levels[position]]
    chances = probability(weights)
    best = int(np.argmax(chances))
    if chances[best] < active.review_threshold:
        return None
    evidence = []
    for position, column in columns:
        parameters = active.model.fields[position]
        level = int(levels[position][best])
        weight = float(active.weights[parameters.kind][level])
        evidence.append(Evidence.of(parameters, column, level, (0, best + 1), weight).to_dict())
    return IntakeMatch(
        lead_id=rows[best].id,
        probability=float(chances[best]),
        merge=bool(chances[best] >= active.merge_threshold),
        model_id=active.id,
        evidence=evidence,
        source_priority=active.source_priority,
    )


def offer_for_review(session: Session, match: IntakeMatch, new_lead_id: int) -> None:
    """The new lead and the lead it resembles as an open pair (the older lead on the left, so
    each field's values swap sides)."""
    session.add(
        DuplicatePair(
            left_lead_id=match.lead_id,
            right_lead_id=new_lead_id,
            probability=match.probability,
            evidence=[{**e, "left": e["right"], "right": e["left"]} for e in match.evidence],
            model_id=match.model_id,
            status=PairStatus.OPEN,
        )
    )
