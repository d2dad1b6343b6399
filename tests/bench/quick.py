"""Running a benchmark's `--quick` mode the way a person would, and reading its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_quick(script: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """`python bench/SCRIPT --quick ARGS`: its exit code must be 0 and its stdout one JSON
    object, which is returned."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result
