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
from sqlalchemy import bindparam, select, text, union_all
from sqlalchemy.orm import Session

from leadwerk.identity.comparisons import COMPARISONS, Column, FieldKind, compare
from leadwerk.identity.model import Evidence, MatchModel, probability
from leadwerk.identity.models import DuplicatePair, EmailAlias
from leadwerk.identity.models import MatchModel as StoredModel
from leadwerk.identity.rules import may_merge_unasked
from leadwerk.identity.types import PairStatus
from leadwerk.leads.models import Lead
from leadwerk.storage.base import in_slices

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


@dataclass(frozen=True, slots=True)
class _Scores:
    columns: list[tuple[int, Column]]  # (the field's position in the model, its column)
    levels: dict[int, npt.NDArray[np.uint8]]
    chances: npt.NDArray[np.float64]


def _score(
    active: ActiveModel,
    records: Sequence[Mapping[str, str | None]],
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
) -> _Scores:
    """The match probability of each pair (`left[k]`, `right[k]`) of `records`."""
    kinds = {f.kind: n for n, f in enumerate(active.model.fields)}
    columns = [
        (kinds[kind], Column.build(COMPARISONS[kind], [r.get(name) for r in records]))
        for name, kind in LEAD_FIELDS.items()
        if kind in kinds
    ]
    weights = np.full(len(left), active.model.prior_weight)
    levels: dict[int, npt.NDArray[np.uint8]] = {}
    for position, column in columns:
        levels[position] = compare(column, left, right)
        weights += active.weights[active.model.fields[position].kind][levels[position]]
    return _Scores(columns, levels, probability(weights))


def _match(
    active: ActiveModel, scores: _Scores, pair: int, records: tuple[int, int], lead_id: int
) -> IntakeMatch:
    evidence = []
    for position, column in scores.columns:
        parameters = active.model.fields[position]
        level = int(scores.levels[position][pair])
        weight = float(active.weights[parameters.kind][level])
        evidence.append(Evidence.of(parameters, column, level, records, weight).to_dict())
    chance = float(scores.chances[pair])
    return IntakeMatch(
        lead_id=lead_id,
        probability=chance,
        merge=chance >= active.merge_threshold and may_merge_unasked(evidence),
        model_id=active.id,
        evidence=evidence,
        source_priority=active.source_priority,
    )


def _best(
    active: ActiveModel, values: Mapping[str, str | None], rows: Sequence[Any]
) -> IntakeMatch | None:
    records = [values, *({name: getattr(row, name) for name in LEAD_FIELDS} for row in rows)]
    left = np.zeros(len(rows), dtype=np.int64)
    right = np.arange(1, len(rows) + 1, dtype=np.int64)
    scores = _score(active, records, left, right)
    best = int(np.argmax(scores.chances))
    if scores.chances[best] < active.review_threshold:
        return None
    return _match(active, scores, best, (0, best + 1), rows[best].id)


# --- many intakes at once (an import batch) ----------------------------------------------

# The lookups of `find_matches`: (the lead column, the position of its key in a row's keys,
# how many leads per key), as `_candidates` does for one intake.
_BULK_LOOKUPS = (
    ("phone_key", 0, MAX_CANDIDATES // 2),
    ("name_key", 1, NAME_CANDIDATES),
    ("sound_key", 2, MAX_CANDIDATES // 2 - NAME_CANDIDATES),
)
_COMPARED = ", ".join(LEAD_FIELDS)


def _lookup(session: Session, column: str, keys: list[str], limit: int) -> list[Any]:
    """(key, id, compared fields) of the newest `limit` leads of each key: on PostgreSQL one
    index lookup per key whatever the statistics say (as the import's address lookup)."""
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            f"SELECT k.k AS key, l.* FROM unnest(CAST(:keys AS text[])) AS k(k) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT id, {_COMPARED} FROM leads "
            f"WHERE {column} = k.k ORDER BY id DESC LIMIT {limit}) AS l"
        )
        return list(session.execute(statement, {"keys": keys}))
    statement = text(
        f"SELECT key, id, {_COMPARED} FROM (SELECT {column} AS key, id, {_COMPARED}, "  # noqa: S608
        f"row_number() OVER (PARTITION BY {column} ORDER BY id DESC) AS n FROM leads "
        f"WHERE {column} IN :keys) WHERE n <= {limit}"
    ).bindparams(bindparam("keys", expanding=True))
    return [row for part in in_slices(keys) for row in session.execute(statement, {"keys": part})]


def find_matches(
    session: Session,
    active: ActiveModel,
    incoming: Sequence[Mapping[str, str | None]],
    keys: Sequence[tuple[str | None, str | None, str | None]],
) -> list[IntakeMatch | None]:
    """`find_match` for many intakes whose addresses no lead has (an import batch's new
    rows), with the model the caller found (`active_model`): `incoming[i]` holds the compared
    fields (`LEAD_FIELDS`), `keys[i]` its phone, name and sound key. Candidates come from one
    lookup per kind of key for the whole batch, and every candidate pair is scored in one
    pass."""
    wanted: list[dict[str, list[int]]] = [{} for _ in _BULK_LOOKUPS]
    for n, row_keys in enumerate(keys):
        for (_, at, _), by_key in zip(_BULK_LOOKUPS, wanted, strict=True):
            key = row_keys[at]
            if key is not None:
                by_key.setdefault(key, []).append(n)
    candidates: list[set[int]] = [set() for _ in incoming]
    leads: dict[int, Mapping[str, str | None]] = {}
    for (column, _, limit), by_key in zip(_BULK_LOOKUPS, wanted, strict=True):
        if not by_key:
            continue
        for row in _lookup(session, column, list(by_key), limit):
            leads.setdefault(row.id, {name: getattr(row, name) for name in LEAD_FIELDS})
            for n in by_key[row.key]:
                candidates[n].add(row.id)
    if not leads:
        return [None] * len(incoming)
    lead_ids = list(leads)
    position = {lead_id: len(incoming) + k for k, lead_id in enumerate(lead_ids)}
    pairs = [(n, position[c]) for n, found in enumerate(candidates) for c in sorted(found)]
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    scores = _score(active, [*incoming, *(leads[i] for i in lead_ids)], left, right)
    # the best pair of each incoming row: pairs are grouped by row; sort each group by chance
    order = np.lexsort((-scores.chances, left))
    first = order[np.r_[True, left[order][1:] != left[order][:-1]]]
    matches: list[IntakeMatch | None] = [None] * len(incoming)
    for pair in first.tolist():
        if scores.chances[pair] >= active.review_threshold:
            n, record = int(left[pair]), int(right[pair])
            matches[n] = _match(active, scores, pair, (n, record), lead_ids[record - len(incoming)])
    return matches


def swapped(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A match's evidence with the sides swapped: the lead it matched (the older) on the
    left, as in every pair and merge."""
    return [{**e, "left": e["right"], "right": e["left"]} for e in evidence]


def offer_for_review(session: Session, match: IntakeMatch, new_lead_id: int) -> None:
    """The new lead and the lead it resembles as an open pair (the older lead on the left)."""
    session.add(
        DuplicatePair(
            left_lead_id=match.lead_id,
            right_lead_id=new_lead_id,
            probability=match.probability,
            evidence=swapped(match.evidence),
            model_id=match.model_id,
            status=PairStatus.OPEN,
        )
    )
