"""`bench/identity_febrl.py --quick` runs Leadwerk and splink on febrl1 and prints the JSON."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_quick_run_compares_both_tools_on_febrl1() -> None:
    result = run_quick("identity_febrl.py")
    assert (result["benchmark"], result["quick"]) == ("identity_febrl", True)
    febrl1 = result["data_sets"]["febrl1"]
    assert (febrl1["records"], febrl1["true_pairs"]) == (1000, 500)
    for tool in ("leadwerk", "splink"):
        figures = febrl1[tool]
        assert figures["true_positives"] + figures["false_negatives"] == 500
        assert figures["seconds"] > 0
    # Leadwerk's figure is a test elsewhere too (tests/unit/identity/test_febrl.py)
    assert febrl1["leadwerk"]["f1"] >= 0.99
