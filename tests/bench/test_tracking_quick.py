"""`bench/tracking.py --quick` runs end to end and prints complete JSON.

Benchmarks are not tests: the figures are checked for being there and sane (and every
accepted event stored), never against the target of 2,000 events/s.
"""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_prints_events_per_second_and_the_baseline() -> None:
    result = run_quick("tracking.py", timeout=240)
    assert result["benchmark"] == "tracking"
    assert result["settings"]["clients"] == 16
    assert result["settings"]["events_per_request"] == [1, 20]
    assert list(result["results"]) == ["sqlite"]
    sqlite = result["results"]["sqlite"]
    ours = sqlite["leadwerk"]
    assert ours["errors"] == 0
    assert ours["events_per_s"] > 0
    assert ours["p50_ms"] <= ours["p95_ms"] <= ours["p99_ms"]
    [run] = ours["runs"]
    assert set(run["statuses"]) == {"202"}
    assert run["events"] >= run["requests"] > 0
    assert sqlite["baseline"]["events_per_s"] > 0
    assert sqlite["baseline"]["stored"] == sqlite["baseline"]["events"]
    assert sqlite["ratio"] == pytest.approx(
        ours["events_per_s"] / sqlite["baseline"]["events_per_s"], abs=0.001
    )
    # Every event answered 202 is in the table (warm-up included), nothing more.
    assert sqlite["nothing_lost"] is True
    assert sqlite["rows_after"]["tracking_events"] == sqlite["events_sent"]
