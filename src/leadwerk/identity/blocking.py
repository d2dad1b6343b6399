"""Candidate pairs: records that share at least one blocking key.

A rule is a few fields, each optionally reduced (the phonetic code of a surname, the initial of
a given name's full form); records with any part empty are not blocked by that rule. Only the
rules whose fields a data set has are used.

Each rule has a budget: at most `pairs_per_record` pairs per record it gives a key, spent on
its smallest blocks first, and no block over `max_block` records. What does not fit is
skipped and counted in `Blocking.skipped`. A person has few duplicates, so a rule that pairs
each record with dozens of others ("Müller" + "M" in a million German leads) finds namesakes,
who are never a match on their names alone; the small blocks (rare names) are where its pairs
say something, and the other rules (email, phone, company, postcode) still find the true pairs
among the large ones. The budget keeps the work linear in the records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from leadwerk.identity import rules
from leadwerk.identity.comparisons import Column, FieldKind

Indices = npt.NDArray[np.int64]

DEFAULT_MAX_BLOCK = 500
DEFAULT_PAIRS_PER_RECORD = 4.0


def _initial(value: str) -> str | None:
    return value[:1] or None


Part = tuple[FieldKind, Callable[[str], str | None] | None]


@dataclass(frozen=True, slots=True)
class BlockingRule:
    name: str
    parts: tuple[Part, ...]

    @property
    def fixes(self) -> frozenset[FieldKind]:
        """The fields its pairs agree on, or nearly always do: its parts, and what they imply
        (a phone number's prefix is a country, and so is a company's seat). EM learns none
        of these from this rule's pairs: pairs of strangers who share a number would agree
        on the country, and EM would take that agreement for a match."""
        kinds = {kind for kind, _ in self.parts}
        return frozenset(kinds | {k for kind in kinds for k in _IMPLIES.get(kind, ())})


_IMPLIES = {
    FieldKind.PHONE: (FieldKind.COUNTRY,),
    FieldKind.COMPANY: (FieldKind.COUNTRY,),
    FieldKind.POSTCODE: (FieldKind.CITY, FieldKind.REGION, FieldKind.COUNTRY),
}


_F, _L, _P = FieldKind.FIRST_NAME, FieldKind.LAST_NAME, FieldKind.POSTCODE
RULES: tuple[BlockingRule, ...] = (
    BlockingRule("email", ((FieldKind.EMAIL, None),)),
    BlockingRule("phone", ((FieldKind.PHONE, rules.phone_tail),)),
    BlockingRule("national id", ((FieldKind.NATIONAL_ID, None),)),
    BlockingRule("date of birth", ((FieldKind.DATE_OF_BIRTH, None),)),
    BlockingRule("surname sound + initial", ((_L, rules.phonetic), (_F, rules.given_initial))),
    BlockingRule("given name + surname initial", ((_F, rules.given_name_root), (_L, _initial))),
    BlockingRule("surname sound + postcode", ((_L, rules.phonetic), (_P, None))),
    BlockingRule("given name + postcode", ((_F, rules.given_name_root), (_P, None))),
    BlockingRule("postcode + house number", ((_P, None), (FieldKind.HOUSE_NUMBER, None))),
    BlockingRule("name sound", ((FieldKind.FULL_NAME, rules.sorted_sounds),)),
    BlockingRule("company + surname sound", ((FieldKind.COMPANY, None), (_L, rules.phonetic))),
    BlockingRule("company + given name", ((FieldKind.COMPANY, None), (_F, rules.given_name_root))),
)


def rules_for(kinds: Sequence[FieldKind]) -> tuple[BlockingRule, ...]:
    present = set(kinds)
    return tuple(r for r in RULES if all(kind in present for kind, _ in r.parts))


@dataclass(slots=True)
class Blocking:
    left: Indices
    right: Indices
    per_rule: dict[str, int] = field(default_factory=dict)  # pairs each rule found
    # for each rule used, which of the pairs it found (its kinds: which fields it blocks on)
    found_by: list[tuple[BlockingRule, npt.NDArray[np.bool_]]] = field(default_factory=list)
    keyed: dict[str, int] = field(default_factory=dict)  # records each rule gave a key
    skipped: dict[str, int] = field(default_factory=dict)  # records in over-large blocks


def _rule_keys(rule: BlockingRule, columns: Mapping[FieldKind, Column]) -> Indices:
    """One integer key per record (-1: some part empty)."""
    keys = np.zeros(len(next(iter(columns.values())).codes), dtype=np.int64)
    valid = np.ones(len(keys), dtype=bool)
    for kind, derive in rule.parts:
        column = columns[kind]
        if derive is None:
            codes, size = column.codes, len(column.values)
        else:
            derived = column.derived_codes(derive)
            codes = np.where(column.codes >= 0, derived[np.maximum(column.codes, 0)], -1)
            size = int(derived.max(initial=-1)) + 1
        valid &= codes >= 0
        # renumbered after each part, so keys stay below the record count (no overflow)
        keys = np.unique(keys * (size + 1) + np.maximum(codes, 0), return_inverse=True)[1]
        keys = keys.reshape(-1).astype(np.int64)
    keys[~valid] = -1
    return keys


def _pairs_within_blocks(
    keys: Indices, max_block: int, budget: float
) -> tuple[Indices, Indices, int]:
    """All pairs (i < j) of records with equal keys, smallest blocks first until `budget`
    pairs; and how many records were in blocks left out."""
    records = np.flatnonzero(keys >= 0)
    if len(records) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0
    order = records[np.argsort(keys[records], kind="stable")]
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    by_size = np.argsort(sizes, kind="stable")
    spent = np.cumsum(sizes[by_size] * (sizes[by_size] - 1) // 2)
    kept = np.zeros(len(sizes), dtype=bool)
    kept[by_size] = (spent <= budget) & (sizes[by_size] <= max_block)
    skipped = int(sizes[~kept & (sizes >= 2)].sum())
    lefts, rights = [], []
    for size in np.unique(sizes[kept & (sizes >= 2)]):
        first, second = np.triu_indices(int(size), k=1)
        block_starts = starts[kept & (sizes == size)][:, None]
        lefts.append(order[(block_starts + first).ravel()])
        rights.append(order[(block_starts + second).ravel()])
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64), skipped
    left, right = np.concatenate(lefts), np.concatenate(rights)
    return np.minimum(left, right), np.maximum(left, right), skipped


def candidates(
    columns: Mapping[FieldKind, Column],
    *,
    sources: npt.NDArray[np.int8] | None = None,
    max_block: int = DEFAULT_MAX_BLOCK,
    pairs_per_record: float = DEFAULT_PAIRS_PER_RECORD,
) -> Blocking:
    """The union of every applicable rule's pairs, each pair once (left < right). With
    `sources` (linking two data sets), only pairs across them, left from source 0."""
    count = len(next(iter(columns.values())).codes)
    found: list[Indices] = []
    per_rule: dict[str, int] = {}
    skipped: dict[str, int] = {}
    used: list[BlockingRule] = []
    keyed: dict[str, int] = {}
    for rule in rules_for(list(columns)):
        keys = _rule_keys(rule, columns)
        keyed[rule.name] = int((keys >= 0).sum())
        budget = pairs_per_record * keyed[rule.name]
        left, right, too_large = _pairs_within_blocks(keys, max_block, budget)
        if sources is not None:
            across = sources[left] != sources[right]
            left, right = left[across], right[across]
        per_rule[rule.name] = len(left)
        if too_large:
            skipped[rule.name] = too_large
        found.append(np.unique(left * count + right))
        used.append(rule)
    unique = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
    found_by = [
        (rule, np.isin(unique, codes, assume_unique=True))
        for rule, codes in zip(used, found, strict=True)
    ]
    left, right = unique // count, unique % count
    if sources is not None:
        swap = sources[left] != 0
        left[swap], right[swap] = right[swap], left[swap].copy()
    return Blocking(left, right, per_rule=per_rule, skipped=skipped, found_by=found_by, keyed=keyed)


def random_pairs(
    count: int,
    size: int,
    seed: int,
    *,
    sources: npt.NDArray[np.int8] | None = None,
) -> tuple[Indices, Indices]:
    """Up to `size` random pairs of distinct records (across sources when given), for u."""
    rng = np.random.default_rng(seed)
    if sources is None:
        if count < 2:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        left = rng.integers(0, count, size)
        right = rng.integers(0, count - 1, size)
        right[right >= left] += 1  # uniform over the other records
        return left, right
    first = np.flatnonzero(sources == 0)
    second = np.flatnonzero(sources != 0)
    if len(first) == 0 or len(second) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return first[rng.integers(0, len(first), size)], second[rng.integers(0, len(second), size)]
