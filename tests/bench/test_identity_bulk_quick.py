"""`bench/identity_bulk.py --quick` links 21,000 records and prints the JSON with its baseline."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_finds_the_planted_pairs_and_measures_the_baseline() -> None:
    result = run_quick("identity_bulk.py")
    assert (result["benchmark"], result["quick"]) == ("identity_bulk", True)
    # the same seed gives the same list: 20,000 people and 1,000 planted duplicates
    assert (result["records"], result["planted_pairs"]) == (21_000, 1_000)
    assert result["leadwerk"]["planted_found"] == 1_000
    assert result["baseline"]["planted_found"] < 1_000  # exact email misses the other spellings
    assert result["leadwerk"]["seconds"] > 0
