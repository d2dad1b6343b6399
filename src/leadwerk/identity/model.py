"""The Fellegi–Sunter match model: parameters, their estimation, scores, explanations.

For each field and level, m = P(level | the pair is a match) and u = P(level | not a match).
A pair's match weight is log₂(λ/(1−λ)) + Σ log₂(m/u) over its fields (a missing field adds
nothing), and its probability 2ʷ/(1+2ʷ), where λ is the probability that two random records
match.

Estimation (`estimate`), as established probabilistic linkage does it: u from random record
pairs (`random_u`; exact agreement computed from the value frequencies); m by EM with u fixed,
once per blocking rule over the pairs it found, leaving out the fields that rule blocks on;
λ as the fixed point of expected matches among the candidates over all pairs. Identical
patterns are counted once, so an iteration costs the number of distinct patterns (hundreds),
not of pairs (millions).

Term frequencies (`tf_adjustment`): exact agreement on a common value says less than on a rare
one. For the fields that ask for it the weight of an exact level gets log₂(Σ tf² / tf(v)):
zero on average, negative for Müller, positive for Zwingli.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from leadwerk.identity.comparisons import EXACT, MISSING, Column, FieldKind

Floats = npt.NDArray[np.float64]
LevelMatrix = npt.NDArray[np.uint8]  # one row per pair, one column per field

_FLOOR = 1e-9  # no level is impossible: a zero would make one field veto everything
# The m prior counts as 50 matching pairs: a list with thousands of duplicates overrides it,
# one without any keeps it, so disagreeing on email, phone or company still counts against a
# pair (with 1 pseudo-pair, 5,000 demo leads without a duplicate gave 49 "pairs": EM had no
# matches to learn from and called disagreement harmless).
_PSEUDO_PAIRS = 50.0
MIN_DUPLICATE_SHARE = 0.001


@dataclass(frozen=True, slots=True)
class FieldParameters:
    kind: FieldKind
    labels: tuple[str, ...]
    m: tuple[float, ...]  # per level; index MISSING is unused
    u: tuple[float, ...]

    def weights(self) -> Floats:
        """log₂(m/u) per level; 0 for MISSING."""
        m = np.asarray(self.m)
        u = np.asarray(self.u)
        table: Floats = np.log2(np.maximum(m, _FLOOR) / np.maximum(u, _FLOOR))
        table[MISSING] = 0.0
        return table


@dataclass(frozen=True, slots=True)
class MatchModel:
    fields: tuple[FieldParameters, ...]
    prior: float  # λ: the probability that two random records match
    iterations: int
    converged: bool

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1.0 - self.prior)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "iterations": self.iterations,
            "converged": self.converged,
            "fields": [
                {"kind": f.kind.value, "labels": list(f.labels), "m": list(f.m), "u": list(f.u)}
                for f in self.fields
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchModel:
        return cls(
            fields=tuple(
                FieldParameters(
                    FieldKind(f["kind"]), tuple(f["labels"]), tuple(f["m"]), tuple(f["u"])
                )
                for f in data["fields"]
            ),
            prior=float(data["prior"]),
            iterations=int(data["iterations"]),
            converged=bool(data["converged"]),
        )


def _distribution(
    levels: npt.NDArray[np.uint8], size: int, weights: Floats | None, pseudo: Floats | float
) -> Floats:
    """Share of each level among the pairs where the field is not missing, after adding
    `pseudo` counts (so a level never seen is unlikely rather than impossible)."""
    counts = np.bincount(levels, weights=weights, minlength=size).astype(np.float64)
    counts[MISSING] = 0.0
    counts[1:] += np.asarray(pseudo)[1:] if np.ndim(pseudo) else pseudo
    shares: Floats = counts / counts.sum()
    return shares


def _prior_m(size: int) -> Floats:
    """Before EM: matches mostly agree exactly, then less and less often at each lower level."""
    m = np.zeros(size)
    m[EXACT] = 0.9
    rest = np.geomspace(1.0, 0.1, size - 2) if size > 2 else np.ones(0)
    m[2:] = 0.1 * rest / rest.sum() if size > 2 else 0.0
    shares: Floats = m / m.sum()
    return shares


def random_u(column: Column, random_levels: npt.NDArray[np.uint8]) -> Floats:
    """u: the level distribution of random record pairs. Exact agreement is computed, not
    sampled: two random records agree with probability Σ tf² (tf: each value's share), which
    for an email among a million leads is about 10⁻⁶, far below what a sample can show. The
    other levels come from the sample, scaled to the rest."""
    size = len(column.comparison.labels)
    sampled = _distribution(random_levels, size, None, 0.5)
    total = float(column.counts.sum())
    exact = float(((column.counts / total) ** 2).sum()) if total else sampled[EXACT]
    exact = min(max(exact, 1e-12), 1.0 - 1e-9)
    rest = sampled.copy()
    rest[MISSING] = rest[EXACT] = 0.0
    u: Floats = rest / rest.sum() * (1.0 - exact) if rest.sum() else rest
    u[EXACT] = exact
    return u


@dataclass(frozen=True, slots=True)
class Session:
    """One EM run over the pairs one blocking rule found; the fields that rule blocks on
    agree by construction there, so they are left out and only the others' m is learned."""

    pairs: npt.NDArray[np.bool_]  # which candidate pairs
    blocked: frozenset[int]  # field positions the rule blocks on


def patterns(levels: LevelMatrix) -> tuple[LevelMatrix, npt.NDArray[np.int64]]:
    """The distinct rows of `levels` and how often each occurs. Each row is packed into one
    integer first (a level fits in 4 bits, up to 15 fields), which is many times faster than
    comparing rows."""
    fields = levels.shape[1]
    if fields == 0 or len(levels) == 0:
        return levels[:1], np.array([len(levels)] if len(levels) else [], dtype=np.int64)
    shifts = np.arange(fields, dtype=np.int64) * 4
    packed = (levels.astype(np.int64) << shifts).sum(axis=1)
    unique, counts = np.unique(packed, return_counts=True)
    rows: LevelMatrix = ((unique[:, None] >> shifts) & 0xF).astype(np.uint8)
    return rows, counts.astype(np.int64)


def _log_ratio(m: Floats, u: Floats, levels: npt.NDArray[np.uint8]) -> Floats:
    ratio: Floats = np.log(np.maximum(m[levels], _FLOOR)) - np.log(np.maximum(u[levels], _FLOOR))
    return ratio


def _session_m(
    rows: LevelMatrix,
    weights: Floats,
    free: list[int],
    m: list[Floats],
    u: list[Floats],
    max_iterations: int,
    tolerance: float,
) -> tuple[dict[int, Floats], float, int, bool]:
    """EM with u fixed: the free fields' m and the share of matches among these pairs."""
    sizes = [len(x) for x in m]
    estimates = {f: m[f] for f in free}
    share = 0.5
    for iteration in range(1, max_iterations + 1):
        log_odds = np.log(share / (1.0 - share)) + sum(
            (_log_ratio(estimates[f], u[f], rows[:, f]) for f in free),
            np.zeros(len(rows)),
        )
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
        matched = weights * posterior
        new_share = float(np.clip(matched.sum() / weights.sum(), 1e-9, 1 - 1e-9))
        new = {
            f: _distribution(rows[:, f], sizes[f], matched, _PSEUDO_PAIRS * _prior_m(sizes[f]))
            for f in free
        }
        change = max(
            abs(new_share - share), *(float(np.abs(new[f] - estimates[f]).max()) for f in free)
        )
        estimates, share = new, new_share
        if change < tolerance:
            return estimates, float(matched.sum()), iteration, True
    return estimates, float((weights * posterior).sum()), max_iterations, False


def estimate(
    columns: Sequence[Column],
    candidates: LevelMatrix,
    random_pairs: LevelMatrix,
    sessions: Sequence[Session],
    total_pairs: float,
    *,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> MatchModel:
    """u from random pairs (`random_u`), m by EM per session (each field's m averaged over
    the sessions it is free in, weighted by their expected matches), then λ, the probability
    that two random records match, as the fixed point of "expected matches among all
    candidates / all pairs" (pairs no rule found count as non-matches). A field free in no
    session keeps the prior m; with no candidates the model says `converged=False`."""
    sizes = [len(c.comparison.labels) for c in columns]
    u = [random_u(c, random_pairs[:, f]) for f, c in enumerate(columns)]
    m = [_prior_m(size) for size in sizes]
    learned: dict[int, list[tuple[Floats, float]]] = {f: [] for f in range(len(columns))}
    iterations, converged = 0, bool(len(candidates))
    for session in sessions:
        chosen = candidates[session.pairs]
        free = [f for f in range(len(columns)) if f not in session.blocked]
        if len(chosen) == 0 or not free:
            continue
        rows, counts = patterns(chosen)
        estimates, matches, used, done = _session_m(
            rows, counts.astype(np.float64), free, m, u, max_iterations, tolerance
        )
        iterations += used
        converged &= done
        for f, estimate_f in estimates.items():
            learned[f].append((estimate_f, matches))
    for f, found in learned.items():
        total = sum(w for _, w in found)
        if total > 0:
            m[f] = np.sum([w * x for x, w in found], axis=0) / total
    # At least one record in a thousand has a twin: a list where EM found none (the demo data)
    # would otherwise learn λ ≈ 0, and no evidence could ever outweigh it at intake.
    records = (1 + (1 + 8 * total_pairs) ** 0.5) / 2  # n from n(n-1)/2
    floor = min(MIN_DUPLICATE_SHARE * records / total_pairs, 0.5) if total_pairs > 0 else 0.5
    prior = max(_global_prior(candidates, m, u, total_pairs), floor)
    return MatchModel(
        fields=tuple(
            FieldParameters(
                c.comparison.kind,
                c.comparison.labels,
                tuple(float(x) for x in m[f]),
                tuple(float(x) for x in u[f]),
            )
            for f, c in enumerate(columns)
        ),
        prior=prior,
        iterations=iterations,
        converged=converged,
    )


def _global_prior(
    candidates: LevelMatrix, m: list[Floats], u: list[Floats], total_pairs: float
) -> float:
    """λ such that the expected number of matches among the candidates is λ × all pairs."""
    if len(candidates) == 0 or total_pairs <= 0:
        return 1.0 / max(total_pairs, 2.0)
    rows, counts = patterns(candidates)
    evidence = sum((_log_ratio(m[f], u[f], rows[:, f]) for f in range(len(m))), np.zeros(len(rows)))
    prior = min(len(candidates) / total_pairs / 2, 0.5)
    for _ in range(200):
        log_odds = np.log(prior / (1.0 - prior)) + evidence
        expected = float((counts / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))).sum())
        new = float(np.clip(expected / total_pairs, 1e-15, 0.5))
        if abs(new - prior) <= 1e-6 * prior:
            return new
        prior = new
    return prior


def tf_adjustment(column: Column, records: npt.NDArray[np.int64]) -> Floats:
    """log₂(Σ tf² / tf(v)) for the value of each record: what exact agreement on that value
    adds to (or takes from) the field's average exact weight."""
    counts = column.counts.astype(np.float64)
    total = counts.sum()
    if total == 0:
        return np.zeros(len(records))
    shares = counts / total
    expected = float((shares**2).sum())
    codes = column.codes[records]
    adjustment = np.zeros(len(records))
    known = codes >= 0
    adjustment[known] = np.log2(expected / shares[codes[known]])
    return adjustment


def match_weights(
    model: MatchModel,
    columns: Sequence[Column],
    levels: LevelMatrix,
    left: npt.NDArray[np.int64],
) -> Floats:
    """The match weight of each pair; `left` (one record of each pair) gives the value for
    the term-frequency adjustment, which is only applied where the two agree exactly."""
    total = np.full(len(levels), model.prior_weight)
    for f, (parameters, column) in enumerate(zip(model.fields, columns, strict=True)):
        total += parameters.weights()[levels[:, f]]
        if column.comparison.term_frequency:
            exact = levels[:, f] == EXACT
            if exact.any():
                total[exact] += tf_adjustment(column, left[exact])
    return total


def probability(weights: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -1000, 1000)))


@dataclass(frozen=True, slots=True)
class Evidence:
    """One field of one pair: how it compared and what that added to the match weight."""

    kind: FieldKind
    level: str
    left: str | None
    right: str | None
    weight: float

    @classmethod
    def of(
        cls,
        parameters: FieldParameters,
        column: Column,
        level: int,
        records: tuple[int, int],
        weight: float,
    ) -> Evidence:
        """The evidence of one field for the records at these positions of `column`."""
        a, b = (int(column.codes[r]) for r in records)
        return cls(
            parameters.kind,
            parameters.labels[level],
            column.values[a] if a >= 0 else None,
            column.values[b] if b >= 0 else None,
            round(weight, 3),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "level": self.level,
            "left": self.left,
            "right": self.right,
            "weight": self.weight,
        }


def explain(
    model: MatchModel, columns: Sequence[Column], left: int, right: int, levels: Sequence[int]
) -> list[Evidence]:
    evidence = []
    for parameters, column, level in zip(model.fields, columns, levels, strict=True):
        weight = float(parameters.weights()[level])
        if column.comparison.term_frequency and level == EXACT:
            weight += float(tf_adjustment(column, np.array([left]))[0])
        evidence.append(Evidence.of(parameters, column, level, (left, right), weight))
    return evidence
