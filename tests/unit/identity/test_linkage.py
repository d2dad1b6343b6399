"""Linking in memory: namesakes stay apart, explanations, clusters."""

from __future__ import annotations

import numpy as np

from leadwerk.demo.duplicates import columns, people_with_duplicates
from leadwerk.identity import linkage
from leadwerk.identity.comparisons import FieldKind


def test_namesakes_with_nothing_else_in_common_stay_apart() -> None:
    planted = people_with_duplicates(400, 40, seed=3)
    rows = [
        *planted.rows,
        ("X1", "Michael", "Moser", "m.moser@alpenbau.at", "+43 664 1111111", "Alpenbau GmbH", "AT"),
        ("X2", "Michael", "Moser", "michael.moser@kanzlei-berg.de", "", "Kanzlei Berg", "DE"),
    ]
    result = linkage.link(columns(rows))
    at = {row[0]: n for n, row in enumerate(rows)}
    pair = np.flatnonzero((result.left == at["X1"]) & (result.right == at["X2"]))
    assert len(pair) == 1  # blocked together by their name, then scored
    assert result.probabilities[pair[0]] < 0.5
    evidence = {e.kind: e for e in result.explain(int(pair[0]))}
    assert (evidence[FieldKind.FIRST_NAME].level, evidence[FieldKind.EMAIL].level) == (
        "exact",
        "different",
    )
    assert evidence[FieldKind.EMAIL].weight < 0 < evidence[FieldKind.FIRST_NAME].weight
    # the planted duplicates are all found, and nothing else
    ids = [row[0] for row in rows]
    chosen = result.above(0.5)
    found = {tuple(sorted((ids[result.left[p]], ids[result.right[p]]))) for p in chosen}
    assert found == {tuple(sorted(p)) for p in planted.duplicates}


def test_clusters_are_connected_components() -> None:
    left = np.array([0, 1, 5, 6])
    right = np.array([1, 2, 6, 4])
    assert linkage.clusters(8, left, right).tolist() == [0, 0, 0, 3, 4, 4, 4, 7]
    assert linkage.clusters(3, np.array([], np.int64), np.array([], np.int64)).tolist() == [
        0,
        1,
        2,
    ]


def test_no_records_no_pairs() -> None:
    result = linkage.link({FieldKind.EMAIL: []})
    assert (len(result.left), result.model.converged) == (0, False)
    assert result.above(0.5).tolist() == []


def test_a_list_without_duplicates_gives_no_pairs() -> None:
    # namesakes included: EM finds no matches to learn from, and the prior keeps a
    # disagreeing email, phone or company counting against a pair
    planted = people_with_duplicates(3000, 0, seed=2, distinct_names=False)
    assert len(planted.rows) == 3000
    result = linkage.link(columns(planted.rows))
    assert len(result.left) > 0
    assert result.above(0.5).tolist() == []
