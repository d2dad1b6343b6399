"""`bench/identity_find.py --quick` searches 5,000 demo leads and prints the JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "identity_find.py"


@pytest.mark.slow
def test_quick_run_searches_the_demo_leads_and_measures_the_read() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["benchmark"], result["database"], result["quick"]) == (
        "identity_find",
        "sqlite",
        True,
    )
    assert result["leads"] == result["baseline"]["leads"] == 5000
    # the demo's people are all different: a search that offers pairs here is wrong
    assert result["pairs"] == 0
    assert result["seconds"] > 0
