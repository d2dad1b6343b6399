"""`bench/identity_find.py --quick` searches 5,000 demo leads and prints the JSON."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_searches_the_demo_leads_and_measures_the_read() -> None:
    result = run_quick("identity_find.py")
    assert (result["benchmark"], result["database"], result["quick"]) == (
        "identity_find",
        "sqlite",
        True,
    )
    assert result["leads"] == result["baseline"]["leads"] == 5000
    # the demo's people are all different: a search that offers pairs here is wrong
    assert result["pairs"] == 0
    assert result["seconds"] > 0
