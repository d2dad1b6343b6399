"""The demo funnel and channel mix match the rates the generator is given.

Bounds are four standard deviations of a binomial share around the rate set, so a broken rate
fails while sampling noise does not (and the data is deterministic by seed anyway).
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from leadwerk.demo import journeys
from leadwerk.demo.journeys import CHANNEL_MIX
from leadwerk.leads.types import Channel, Stage
from tests.unit.demo.conftest import Generated


def assert_share(hits: int, total: int, rate: float) -> None:
    bound = 4 * math.sqrt(rate * (1 - rate) / total)
    assert abs(hits / total - rate) <= bound, f"{hits}/{total} = {hits / total:.3f}, not {rate}"


@pytest.mark.parametrize("channel", list(Channel))
def test_channel_mix(demo5k: Generated, channel: Channel) -> None:
    hits = sum(1 for lead in demo5k.leads if lead.channel == channel)
    assert_share(hits, len(demo5k.leads), CHANNEL_MIX.get(channel, 0.0))


_NEXT = {
    Stage.LEAD: Stage.MQL,
    Stage.MQL: Stage.SQL,
    Stage.SQL: Stage.OPPORTUNITY,
    Stage.OPPORTUNITY: Stage.CUSTOMER,
}


def _settled(demo: Generated) -> list[int]:
    """Leads old enough to have finished their journeys (the delays are capped)."""
    cut = demo.generator.spec.today - timedelta(days=journeys.SETTLED_DAYS)
    return [lead.id for lead in demo.leads if lead.created_at.date() < cut]


def _reached(demo: Generated, ids: list[int], stage: Stage) -> list[int]:
    return [i for i in ids if any(c.to_stage == stage for c in demo.history[i])]


def test_funnel_rates_of_settled_leads(demo20k: Generated) -> None:
    settled = _settled(demo20k)
    assert len(settled) > 4000
    subscribers = [i for i in settled if demo20k.history[i][0].to_stage == Stage.SUBSCRIBER]
    assert_share(len(subscribers), len(settled), journeys.SUBSCRIBER_SHARE)
    assert_share(
        len(_reached(demo20k, subscribers, Stage.LEAD)),
        len(subscribers),
        journeys.SUBSCRIBER_TO_LEAD,
    )
    leads = _reached(demo20k, settled, Stage.LEAD)
    mqls = _reached(demo20k, leads, Stage.MQL)
    sqls = _reached(demo20k, mqls, Stage.SQL)
    opportunities = _reached(demo20k, sqls, Stage.OPPORTUNITY)
    customers = _reached(demo20k, opportunities, Stage.CUSTOMER)
    assert_share(len(mqls), len(leads), journeys.LEAD_TO_MQL)
    assert_share(len(sqls), len(mqls), journeys.MQL_TO_SQL)
    assert_share(len(opportunities), len(sqls), journeys.SQL_TO_OPPORTUNITY)
    assert_share(len(customers), len(opportunities), journeys.OPPORTUNITY_TO_CUSTOMER)
    # of all leads, 25–35 % become MQLs
    assert 0.25 <= len(mqls) / len(settled) <= 0.35


@pytest.mark.parametrize(
    ("stage", "recycled", "disqualified"),
    [(stage, *shares) for stage, shares in journeys.DROPS.items()],
)
def test_those_who_stop_are_recycled_or_disqualified_at_the_rates_set(
    demo20k: Generated, stage: Stage, recycled: float, disqualified: float
) -> None:
    at_stage = _reached(demo20k, _settled(demo20k), stage)
    moved_on = set(_reached(demo20k, at_stage, _NEXT[stage]))
    stopped = [i for i in at_stage if i not in moved_on]
    assert len(stopped) > 100
    ends = [demo20k.history[i][-1].to_stage for i in stopped]
    assert_share(ends.count(Stage.RECYCLED), len(stopped), recycled)
    assert_share(ends.count(Stage.DISQUALIFIED), len(stopped), disqualified)


def test_mql_rate_depends_on_the_channel(demo20k: Generated) -> None:
    settled = set(_settled(demo20k))
    by_channel = {
        channel: [
            lead.id for lead in demo20k.leads if lead.channel == channel and lead.id in settled
        ]
        for channel in (Channel.REFERRAL, Channel.DISPLAY)
    }
    rates = {}
    for channel, ids in by_channel.items():
        leads = _reached(demo20k, ids, Stage.LEAD)
        rates[channel] = len(_reached(demo20k, leads, Stage.MQL)) / len(leads)
        assert_share(
            len(_reached(demo20k, leads, Stage.MQL)),
            len(leads),
            journeys.MQL_PROBABILITY[channel],
        )
    assert rates[Channel.REFERRAL] > 2 * rates[Channel.DISPLAY]


def test_recent_leads_are_further_up_the_funnel(demo20k: Generated) -> None:
    cut = demo20k.generator.spec.today - timedelta(days=60)
    recent = [lead.id for lead in demo20k.leads if lead.created_at.date() >= cut]
    settled = _settled(demo20k)
    assert len(recent) > 1500

    def customer_share(ids: list[int]) -> float:
        return len(_reached(demo20k, ids, Stage.CUSTOMER)) / len(ids)

    assert customer_share(recent) < customer_share(settled) / 3


def test_touchpoints_per_lead(demo5k: Generated) -> None:
    counts = [len(t) for t in demo5k.touchpoints.values()]
    assert 2.5 < sum(counts) / len(counts) < 4.5
    assert min(counts) == 1
    assert max(counts) <= 1 + 4 + 25  # first touch, stage moves, engagement cap
