"""The Fellegi–Sunter match model: parameters, their estimation by EM, scores, explanations.

For each field and level, m = P(level | the pair is a match) and u = P(level | not a match).
A pair's match weight is log₂(λ/(1−λ)) + Σ log₂(m/u) over its fields (a missing field adds
nothing), and its probability 2ʷ/(1+2ʷ). λ is the share of matches among the candidate pairs,
the only pairs ever scored, so m, u and λ all describe that population.

Estimation (`estimate`): u starts from random record pairs (almost all non-matches), m from a
prior that favours agreement; EM then fits m, u and λ to the candidate pairs' comparison
patterns under the usual assumption that fields agree independently given the class. Identical
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
    prior: float  # λ: share of candidate pairs that match
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


def _distribution(levels: npt.NDArray[np.uint8], size: int, weights: Floats | None) -> Floats:
    """Share of each level among the pairs where the field is not missing (+ a half count,
    so a level never seen is unlikely rather than impossible)."""
    counts = np.bincount(levels, weights=weights, minlength=size).astype(np.float64)
    counts[MISSING] = 0.0
    counts[1:] += 0.5 if weights is None else 1e-6
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


def estimate(
    columns: Sequence[Column],
    candidates: LevelMatrix,
    random_pairs: LevelMatrix,
    *,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> MatchModel:
    """m, u and λ for these candidate pairs (levels per field), by EM from u measured on
    `random_pairs`. With no candidates, or patterns that cannot be told apart, the model keeps
    its starting values and says `converged=False`."""
    sizes = [len(c.comparison.labels) for c in columns]
    u = [_distribution(random_pairs[:, f], sizes[f], None) for f in range(len(columns))]
    m = [_prior_m(size) for size in sizes]
    prior = 0.1
    iterations, converged = 0, False
    if len(candidates):
        patterns, counts = np.unique(candidates, axis=0, return_counts=True)
        weights = counts.astype(np.float64)
        for iteration in range(1, max_iterations + 1):
            iterations = iteration
            log_odds = np.log(prior / (1.0 - prior)) + sum(
                np.log(np.maximum(m[f][patterns[:, f]], _FLOOR))
                - np.log(np.maximum(u[f][patterns[:, f]], _FLOOR))
                for f in range(len(columns))
            )
            posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
            matched = weights * posterior
            unmatched = weights - matched
            new_prior = float(np.clip(matched.sum() / weights.sum(), 1e-9, 1 - 1e-9))
            new_m = [_distribution(patterns[:, f], sizes[f], matched) for f in range(len(m))]
            new_u = [_distribution(patterns[:, f], sizes[f], unmatched) for f in range(len(u))]
            change = max(
                abs(new_prior - prior),
                *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
                *(float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)),
            )
            m, u, prior = new_m, new_u, new_prior
            if change < tolerance:
                converged = True
                break
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


def explain(
    model: MatchModel, columns: Sequence[Column], left: int, right: int, levels: Sequence[int]
) -> list[Evidence]:
    evidence = []
    for parameters, column, level in zip(model.fields, columns, levels, strict=True):
        weight = float(parameters.weights()[level])
        if column.comparison.term_frequency and level == EXACT:
            weight += float(tf_adjustment(column, np.array([left]))[0])
        a, b = column.codes[left], column.codes[right]
        evidence.append(
            Evidence(
                parameters.kind,
                parameters.labels[level],
                column.values[a] if a >= 0 else None,
                column.values[b] if b >= 0 else None,
                round(weight, 3),
            )
        )
    return evidence
