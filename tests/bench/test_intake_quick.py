"""`bench/intake.py --quick` runs end to end and prints complete JSON.

Benchmarks are not tests: the figures are checked for being there and sane, never against the
performance targets (those are reported in the JSON and in docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench.quick import run_quick

FIGURES = ("throughput_rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")


def _check_run(run: dict[str, Any]) -> None:
    assert run["errors"] == 0, run
    assert run["requests"] > 0
    for name in FIGURES:
        assert run[name] > 0, (name, run)
    assert run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]
    assert all(status.startswith("2") for status in run["statuses"]), run["statuses"]


@pytest.mark.slow
def test_quick_run_prints_both_apps_figures_and_the_ratio() -> None:
    result = run_quick("intake.py", timeout=240)
    assert result["benchmark"] == "intake"
    assert result["settings"]["clients"] == 32
    assert result["settings"]["payload_mix"]["repeated_email"] == 0.1
    assert list(result["results"]) == ["sqlite"]
    sqlite = result["results"]["sqlite"]

    for app in ("baseline", "leadwerk"):
        _check_run(sqlite[app])
        assert sqlite[app]["runs"], app
        for run in sqlite[app]["runs"]:
            _check_run(run)
        _check_run(sqlite["paced"][app])
    assert sqlite["paced"]["rate_rps"] > 0
    assert sqlite["ratio"] > 0
    assert sqlite["ratio"] == pytest.approx(
        sqlite["leadwerk"]["throughput_rps"] / sqlite["baseline"]["throughput_rps"], abs=0.001
    )
    # Leadwerk answered both paths: new addresses (201) and repeated ones (200).
    assert set(sqlite["leadwerk"]["runs"][0]["statuses"]) == {"200", "201"}
    # Every intake wrote its touchpoint and, with the one subscribed webhook, its outbox row.
    rows = sqlite["rows_after"]
    assert rows["touchpoints"] == rows["outbox"] > rows["leads"] > 0
    assert rows["bench_leads"] == rows["touchpoints"]
