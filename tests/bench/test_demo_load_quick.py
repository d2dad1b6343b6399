"""`bench/demo_load.py --quick` runs and prints its JSON (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _postgres_admin

BENCH = Path(__file__).resolve().parents[2] / "bench" / "demo_load.py"


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_quick_run_prints_the_figures_and_the_baseline(database: str) -> None:
    if database == "postgresql":
        admin = _postgres_admin()
        if admin is None:
            pytest.skip("PostgreSQL is unreachable")
        admin.dispose()
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--database", database],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["benchmark"] == "demo_load"
    assert result["database"] == database
    assert result["quick"] is True
    assert result["leads"] == 3000
    # the same seed and day give the same data on every run and database
    assert (result["accounts"], result["touchpoints"], result["stage_changes"]) == (
        916,
        9696,
        5107,
    )
    assert result["rows"] == 3000 + 916 + 9696 + 5107
    assert result["seconds"] > 0
    assert result["leads_per_second"] == pytest.approx(3000 / result["seconds"], rel=0.01)
    baseline = result["baseline"]
    assert baseline["seconds"] > 0
    assert 0 < baseline["leads_seconds"] < baseline["seconds"]
    assert result["ratio"] == pytest.approx(result["seconds"] / baseline["seconds"], rel=0.02)
    assert result["generation_seconds"] > 0
    assert "[bench] " + database in done.stderr
