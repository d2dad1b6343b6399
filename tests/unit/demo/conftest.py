"""Demo data generated once per test session: it is pure, so every test may share it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pytest

from leadwerk.demo.generator import DemoGenerator, DemoSpec, References
from leadwerk.demo.rows import AccountRow, LeadRow, StageChangeRow, TouchpointRow

TODAY = date(2025, 6, 1)


@dataclass
class Generated:
    generator: DemoGenerator
    refs: References
    accounts: list[AccountRow] = field(default_factory=list)
    leads: list[LeadRow] = field(default_factory=list)
    touchpoints: dict[int, list[TouchpointRow]] = field(default_factory=dict)
    history: dict[int, list[StageChangeRow]] = field(default_factory=dict)


def generate(leads: int, seed: int = 1, batch_size: int = 5000) -> Generated:
    generator = DemoGenerator(DemoSpec(seed=seed, leads=leads, today=TODAY, months=18))
    result = Generated(generator, generator.synthetic_references())
    touchpoints: dict[int, list[TouchpointRow]] = defaultdict(list)
    history: dict[int, list[StageChangeRow]] = defaultdict(list)
    for batch in generator.batches(result.refs, batch_size):
        result.accounts.extend(batch.accounts)
        result.leads.extend(batch.leads)
        for touchpoint in batch.touchpoints:
            touchpoints[touchpoint.lead_id].append(touchpoint)
        for change in batch.stage_changes:
            history[change.lead_id].append(change)
    result.touchpoints = dict(touchpoints)
    result.history = dict(history)
    return result


@pytest.fixture(scope="session")
def demo5k() -> Generated:
    return generate(5000)


@pytest.fixture(scope="session")
def demo20k() -> Generated:
    """Enough leads for the funnel rates of the later stages to be measured tightly."""
    return generate(20_000)
