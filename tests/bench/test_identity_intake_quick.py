"""`bench/identity_intake.py --quick` times the match step against the exact lookup."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_times_both_and_reports_the_decisions() -> None:
    result = run_quick("identity_intake.py")
    assert (result["benchmark"], result["database"], result["quick"]) == (
        "identity_intake",
        "sqlite",
        True,
    )
    assert (result["leads"], result["intakes"]) == (5000, 200)
    for figures in (result["match_step"], result["baseline"]):
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    # half the intakes are known people again from another address: most join their lead;
    # the other half are new people
    decisions = result["decisions"]
    assert sum(decisions.values()) == 200
    assert decisions.get("merge", 0) >= 90
    assert decisions.get("none", 0) >= 90
