"""Linking records in memory, end to end: prepare the fields, block, compare, estimate the
model, score, cluster. Used by `leadwerk dedupe FILE` (`identity.dedupe`) and the FEBRL
benchmark; the database's own duplicate search builds on the same steps.

Records come as columns: for each field kind, one raw value per record (None when empty).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from leadwerk.identity import blocking
from leadwerk.identity.comparisons import COMPARISONS, Column, FieldKind, compare
from leadwerk.identity.model import (
    Evidence,
    LevelMatrix,
    MatchModel,
    Session,
    estimate,
    explain,
    match_weights,
    probability,
)

Indices = npt.NDArray[np.int64]

DEFAULT_THRESHOLD = 0.5
U_SAMPLE_PAIRS = 50_000
# A rule learns m only if it pairs a record with few others on average: a person has few
# duplicates, so a rule that pairs each record with dozens (a surname and an initial in a
# large list) finds mostly namesakes, and EM would take whatever namesakes share (their
# country) for what matches share.
SESSION_PAIRS_PER_RECORD = 2.0


@dataclass(slots=True)
class Linkage:
    """Every candidate pair scored; `left`/`right` index the records."""

    columns: list[Column]
    model: MatchModel
    left: Indices
    right: Indices
    levels: LevelMatrix
    probabilities: npt.NDArray[np.float64]
    blocking: blocking.Blocking
    seconds: dict[str, float] = field(default_factory=dict)

    def above(self, threshold: float) -> npt.NDArray[np.int64]:
        """Positions of the pairs at or above `threshold`, most likely first."""
        chosen = np.flatnonzero(self.probabilities >= threshold)
        return chosen[np.argsort(-self.probabilities[chosen], kind="stable")]

    def explain(self, pair: int) -> list[Evidence]:
        return explain(
            self.model,
            self.columns,
            int(self.left[pair]),
            int(self.right[pair]),
            [int(x) for x in self.levels[pair]],
        )


def _levels(columns: Sequence[Column], left: Indices, right: Indices) -> LevelMatrix:
    if not columns:
        return np.zeros((len(left), 0), dtype=np.uint8)
    return np.column_stack([compare(c, left, right) for c in columns]).astype(np.uint8)


def link(
    records: Mapping[FieldKind, Sequence[str | None]],
    *,
    sources: npt.NDArray[np.int8] | None = None,
    max_block: int = blocking.DEFAULT_MAX_BLOCK,
    u_pairs: int = U_SAMPLE_PAIRS,
    seed: int = 1,
) -> Linkage:
    """Score every candidate pair of these records (of two sources' records against each
    other when `sources` is given: 0 for the first data set, 1 for the second)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    columns = {kind: Column.build(COMPARISONS[kind], values) for kind, values in records.items()}
    ordered = list(columns.values())
    seconds["prepare"] = time.perf_counter() - started

    started = time.perf_counter()
    found = (
        blocking.candidates(columns, sources=sources, max_block=max_block)
        if columns
        else blocking.Blocking(np.empty(0, np.int64), np.empty(0, np.int64))
    )
    seconds["block"] = time.perf_counter() - started

    started = time.perf_counter()
    count = len(ordered[0].codes) if ordered else 0
    sample_left, sample_right = blocking.random_pairs(count, u_pairs, seed, sources=sources)
    random_levels = _levels(ordered, sample_left, sample_right)
    levels = _levels(ordered, found.left, found.right)
    seconds["compare"] = time.perf_counter() - started

    started = time.perf_counter()
    position = {kind: n for n, kind in enumerate(columns)}
    sessions = [
        Session(pairs, frozenset(position[kind] for kind in rule.fixes if kind in position))
        for rule, pairs in found.found_by
        if found.per_rule[rule.name] <= SESSION_PAIRS_PER_RECORD * found.keyed[rule.name]
    ]
    if sources is None:
        total_pairs = count * (count - 1) / 2
    else:
        first = int((sources == 0).sum())
        total_pairs = float(first * (count - first))
    model = estimate(ordered, levels, random_levels, sessions, total_pairs)
    seconds["estimate"] = time.perf_counter() - started

    started = time.perf_counter()
    scores = probability(match_weights(model, ordered, levels, found.left))
    seconds["score"] = time.perf_counter() - started
    return Linkage(ordered, model, found.left, found.right, levels, scores, found, seconds)


def clusters(count: int, left: Indices, right: Indices) -> Indices:
    """Connected components: for each record, the smallest record index of its cluster."""
    parent = np.arange(count, dtype=np.int64)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(count)], dtype=np.int64)
