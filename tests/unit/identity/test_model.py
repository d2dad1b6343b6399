"""The Fellegi–Sunter model: EM recovers known parameters; weights, term frequencies,
probabilities and explanations."""

from __future__ import annotations

import numpy as np
import pytest

from leadwerk.identity.comparisons import COMPARISONS, EXACT, MISSING, Column, FieldKind
from leadwerk.identity.model import (
    MatchModel,
    Session,
    estimate,
    explain,
    match_weights,
    probability,
    tf_adjustment,
)

KINDS = (FieldKind.LAST_NAME, FieldKind.REGION, FieldKind.NATIONAL_ID)
# Values whose shares give u(exact) = Σ tf²: 20 surnames alike (0.05), regions 0.5/0.3/0.2
# (0.38), 1,000 ids alike (0.001).
VALUES = {
    FieldKind.LAST_NAME: [f"Name{i}" for i in range(20)],
    FieldKind.REGION: ["Bayern"] * 5 + ["Hessen"] * 3 + ["Sachsen"] * 2,
    FieldKind.NATIONAL_ID: [f"{i:07d}" for i in range(1000)],
}
# True parameters per field, levels 1.. (index 0, "missing", is drawn separately).
TRUE_M = {
    FieldKind.LAST_NAME: [0.0, 0.80, 0.08, 0.05, 0.04, 0.03],
    FieldKind.REGION: [0.0, 0.95, 0.05],
    FieldKind.NATIONAL_ID: [0.0, 0.85, 0.07, 0.03, 0.05],
}
TRUE_U = {
    FieldKind.LAST_NAME: [0.0, 0.05, 0.03, 0.07, 0.15, 0.70],
    FieldKind.REGION: [0.0, 0.38, 0.62],
    FieldKind.NATIONAL_ID: [0.0, 0.001, 0.004, 0.01, 0.985],
}


def columns() -> list[Column]:
    return [Column.build(COMPARISONS[kind], VALUES[kind]) for kind in KINDS]


def free(count: int) -> list[Session]:
    return [Session(np.ones(count, dtype=bool), frozenset())]


def simulate(
    count: int, share: float, rng: np.random.Generator, missing: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    is_match = rng.random(count) < share
    levels = np.zeros((count, len(KINDS)), dtype=np.uint8)
    for f, kind in enumerate(KINDS):
        size = len(TRUE_M[kind])
        drawn_m = rng.choice(size, size=count, p=TRUE_M[kind])
        drawn_u = rng.choice(size, size=count, p=TRUE_U[kind])
        levels[:, f] = np.where(is_match, drawn_m, drawn_u)
        levels[rng.random(count) < missing, f] = MISSING
    return levels, is_match


def test_em_recovers_the_parameters_it_was_generated_with() -> None:
    rng = np.random.default_rng(7)
    candidates, is_match = simulate(60_000, 0.3, rng)
    random_pairs, _ = simulate(50_000, 0.0, rng)
    # the simulated pairs are all the pairs there are: λ is then their share of matches
    model = estimate(columns(), candidates, random_pairs, free(len(candidates)), len(candidates))
    assert model.converged
    assert model.prior == pytest.approx(is_match.mean(), abs=0.01)
    for parameters, kind in zip(model.fields, KINDS, strict=True):
        assert parameters.kind is kind
        assert np.allclose(parameters.m[1:], TRUE_M[kind][1:], atol=0.02), kind
        assert np.allclose(parameters.u[1:], TRUE_U[kind][1:], atol=0.01), kind
    # exact agreement among random pairs is computed from the values, not sampled
    assert model.fields[2].u[EXACT] == pytest.approx(0.001)


def test_a_field_a_session_blocks_on_is_learned_in_another_session() -> None:
    rng = np.random.default_rng(9)
    candidates, _ = simulate(40_000, 0.3, rng)
    random_pairs, _ = simulate(20_000, 0.0, rng)
    half = np.arange(len(candidates)) < len(candidates) // 2
    sessions = [Session(half, frozenset({0})), Session(~half, frozenset({1, 2}))]
    model = estimate(columns(), candidates, random_pairs, sessions, 1e7)
    for parameters, kind in zip(model.fields, KINDS, strict=True):
        assert np.allclose(parameters.m[1:], TRUE_M[kind][1:], atol=0.03), kind
    # blocked everywhere: the prior m stays
    only_first = [Session(half, frozenset({0}))]
    kept = estimate(columns(), candidates, random_pairs, only_first, 1e7)
    assert kept.fields[0].m[EXACT] == pytest.approx(0.9)


def test_the_scores_separate_matches_from_non_matches() -> None:
    rng = np.random.default_rng(11)
    candidates, is_match = simulate(20_000, 0.4, rng, missing=0.0)
    random_pairs, _ = simulate(20_000, 0.0, rng)
    model = estimate(columns(), candidates, random_pairs, free(len(candidates)), 50_000)
    left = np.zeros(len(candidates), dtype=np.int64)
    predicted = probability(match_weights(model, columns(), candidates, left)) >= 0.5
    assert (predicted == is_match).mean() > 0.97


def test_without_candidates_the_model_keeps_its_start_and_says_so() -> None:
    random_pairs, _ = simulate(1000, 0.0, np.random.default_rng(1))
    # 499,500 pairs: 1,000 records
    no_pairs = np.zeros((0, len(KINDS)), dtype=np.uint8)
    model = estimate(columns(), no_pairs, random_pairs, [], 499_500)
    assert (model.converged, model.iterations) == (False, 0)
    # λ at its floor: one record in a thousand has a twin
    assert model.prior == pytest.approx(0.001 * 1000 / 499_500)
    assert model.fields[0].m[EXACT] > model.fields[0].u[EXACT]


def test_missing_adds_nothing_and_levels_never_weigh_infinitely() -> None:
    rng = np.random.default_rng(3)
    candidates, _ = simulate(5000, 0.3, rng)
    random_pairs, _ = simulate(5000, 0.0, rng)
    model = estimate(columns(), candidates, random_pairs, free(len(candidates)), 1e6)
    for parameters in model.fields:
        weights = parameters.weights()
        assert weights[MISSING] == 0.0
        assert np.isfinite(weights).all()
        assert weights[EXACT] > 0 > weights[-1]


def test_model_round_trips_through_a_dict() -> None:
    rng = np.random.default_rng(5)
    candidates, _ = simulate(3000, 0.3, rng)
    random_pairs, _ = simulate(3000, 0.0, rng)
    model = estimate(columns(), candidates, random_pairs, free(len(candidates)), 1e6)
    assert MatchModel.from_dict(model.to_dict()) == model


def test_term_frequency_makes_a_common_name_count_less_than_a_rare_one() -> None:
    names = ["Müller"] * 50 + ["Zwingli"] * 2 + [f"Name{i}" for i in range(48)]
    column = Column.build(COMPARISONS[FieldKind.LAST_NAME], names)
    common, rare = tf_adjustment(column, np.array([0, 50]))
    assert common < 0 < rare
    # on average over agreeing pairs the adjustment is about neutral: Σ tf² / tf(v)
    shares = column.counts / column.counts.sum()
    assert common == pytest.approx(np.log2((shares**2).sum() / 0.5))


def test_probability_is_the_logistic_of_the_weight_in_base_two() -> None:
    assert probability(np.array([0.0, 10.0, -10.0])).tolist() == pytest.approx(
        [0.5, 1024 / 1025, 1 / 1025]
    )


def test_explain_names_each_field_its_values_and_weight() -> None:
    last = Column.build(COMPARISONS[FieldKind.LAST_NAME], ["Meier", "Meyer"])
    region = Column.build(COMPARISONS[FieldKind.REGION], ["Bayern", None])
    candidates = np.array([[2, 0]] * 10 + [[5, 1]] * 10, dtype=np.uint8)
    random_pairs = np.array([[5, 2]] * 10, dtype=np.uint8)
    model = estimate([last, region], candidates, random_pairs, free(len(candidates)), 100)
    evidence = explain(model, [last, region], 0, 1, [2, 0])
    assert [(e.kind, e.level, e.left, e.right) for e in evidence] == [
        (FieldKind.LAST_NAME, "same sound", "meier", "meyer"),
        (FieldKind.REGION, "missing", "bayern", None),
    ]
    assert evidence[1].weight == 0.0
    assert evidence[0].weight == pytest.approx(model.fields[0].weights()[2], abs=1e-3)
