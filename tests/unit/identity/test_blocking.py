"""Blocking: which rules apply, pairs within blocks, over-large blocks, linking two sources."""

from __future__ import annotations

import numpy as np

from leadwerk.identity import blocking
from leadwerk.identity.comparisons import COMPARISONS, Column, FieldKind


def columns(**values: list[str | None]) -> dict[FieldKind, Column]:
    return {
        FieldKind(kind): Column.build(COMPARISONS[FieldKind(kind)], column)
        for kind, column in values.items()
    }


def pairs(found: blocking.Blocking) -> set[tuple[int, int]]:
    return set(zip(found.left.tolist(), found.right.tolist(), strict=True))


def test_only_rules_whose_fields_are_there() -> None:
    names = [r.name for r in blocking.rules_for([FieldKind.EMAIL, FieldKind.LAST_NAME])]
    assert names == ["email"]
    names = [
        r.name
        for r in blocking.rules_for([FieldKind.FIRST_NAME, FieldKind.LAST_NAME, FieldKind.PHONE])
    ]
    assert names == ["phone", "surname sound + initial", "given name + surname initial"]


def test_records_sharing_a_key_pair_up_once_each() -> None:
    found = blocking.candidates(
        columns(
            first_name=["Bob", "Robert", "Anna", "Anna", None],
            last_name=["Meier", "Meyer", "Schulz", "Schultz", "Meier"],
        )
    )
    # both pairs by both rules (Bob is Robert; Meier and Meyer sound alike), each once; the
    # record without a given name is blocked by neither rule
    assert pairs(found) == {(0, 1), (2, 3)}
    assert found.per_rule == {"surname sound + initial": 2, "given name + surname initial": 2}


def test_an_empty_part_blocks_nothing() -> None:
    found = blocking.candidates(columns(email=[None, None, "a@b.de"]))
    assert pairs(found) == set()


def test_blocks_over_the_limit_are_skipped_and_counted() -> None:
    emails: list[str | None] = ["same@firma.de"] * 5 + ["x@firma.de", "x@firma.de"]
    found = blocking.candidates(columns(email=emails), max_block=4)
    assert pairs(found) == {(5, 6)}
    assert found.skipped == {"email": 5}


def test_linking_keeps_only_pairs_across_sources_left_from_the_first() -> None:
    sources = np.array([1, 0, 0, 1], dtype=np.int8)
    found = blocking.candidates(
        columns(email=["a@x.de", "a@x.de", "a@x.de", "b@x.de"]), sources=sources
    )
    assert pairs(found) == {(1, 0), (2, 0)}


def test_random_pairs_are_of_distinct_records_and_across_sources() -> None:
    left, right = blocking.random_pairs(3, 1000, seed=1)
    assert (left != right).all()
    assert set(left.tolist()) == {0, 1, 2}
    sources = np.array([0, 0, 1], dtype=np.int8)
    left, right = blocking.random_pairs(3, 100, seed=1, sources=sources)
    assert set(left.tolist()) <= {0, 1}
    assert set(right.tolist()) == {2}
    assert [len(x) for x in blocking.random_pairs(1, 10, seed=1)] == [0, 0]
