"""`bench/identity_find.py --quick` searches 5,000 demo leads with 100 planted duplicates,
merges the sure pairs, and prints the JSON."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_merges_the_planted_duplicates_and_measures_the_read() -> None:
    result = run_quick("identity_find.py")
    assert (result["benchmark"], result["database"], result["quick"]) == (
        "identity_find",
        "sqlite",
        True,
    )
    assert result["leads"] == result["baseline"]["leads"] == 5100
    assert result["planted"] == 100
    # nearly every planted duplicate is merged into its original, few others are
    assert result["planted_merged"] >= 90
    assert result["false_merges"] == 0
    assert result["merged"] == result["planted_merged"] + result["false_merges"]
    assert result["seconds"] > result["steps"]["merge"] > 0
