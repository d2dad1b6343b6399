"""Funnel and journeys of demo leads: channel mix, stage progression with its rates and delays,
touchpoints over months, and the scores and temperature that follow from them.

The rates are the figures B2B marketing teams in the DACH region quote for a healthy funnel:
about 30 % of leads become MQLs, 42 % of MQLs SQLs, half of the SQLs opportunities and a good
quarter of those customers. Progress takes time, so recent leads are further up the funnel.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from leadwerk.leads.types import Channel, Stage, Temperature, TouchpointType

DAY = 86_400

# Share of each channel among new leads.
CHANNEL_MIX: dict[Channel, float] = {
    Channel.ORGANIC_SEARCH: 0.24,
    Channel.PAID_SEARCH: 0.18,
    Channel.PAID_SOCIAL: 0.12,
    Channel.ORGANIC_SOCIAL: 0.05,
    Channel.EMAIL: 0.08,
    Channel.REFERRAL: 0.07,
    Channel.AFFILIATE: 0.04,
    Channel.DISPLAY: 0.05,
    Channel.DIRECT: 0.10,
    Channel.OFFLINE: 0.05,
    Channel.OTHER: 0.02,
}
# How much likelier than average a lead of the channel becomes an MQL (before normalising).
_MQL_FACTOR = {
    Channel.ORGANIC_SEARCH: 1.0,
    Channel.PAID_SEARCH: 1.15,
    Channel.PAID_SOCIAL: 0.7,
    Channel.ORGANIC_SOCIAL: 0.8,
    Channel.EMAIL: 1.1,
    Channel.REFERRAL: 1.5,
    Channel.AFFILIATE: 0.75,
    Channel.DISPLAY: 0.5,
    Channel.DIRECT: 1.3,
    Channel.OFFLINE: 1.25,
    Channel.OTHER: 0.8,
}

SUBSCRIBER_SHARE = 0.12  # enter as newsletter subscribers, not as leads
SUBSCRIBER_TO_LEAD = 0.35
LEAD_TO_MQL = 0.30  # mean over the channel mix
MQL_TO_SQL = 0.42
SQL_TO_OPPORTUNITY = 0.50
OPPORTUNITY_TO_CUSTOMER = 0.27
# Of those that do not move on from a stage: (share recycled, share disqualified); the rest stay.
DROPS: dict[Stage, tuple[float, float]] = {
    Stage.LEAD: (0.0, 0.12),
    Stage.MQL: (0.40, 0.15),
    Stage.SQL: (0.35, 0.25),
    Stage.OPPORTUNITY: (0.50, 0.30),
}
# Delay of a move in days: (median, spread of its log, cap). The caps add up to less than a
# year, so every lead older than `SETTLED_DAYS` has finished its journey.
_DELAYS: dict[Stage, tuple[float, float, float]] = {
    Stage.LEAD: (20, 0.9, 90),
    Stage.MQL: (9, 1.0, 60),
    Stage.SQL: (5, 0.8, 30),
    Stage.OPPORTUNITY: (12, 0.7, 45),
    Stage.CUSTOMER: (40, 0.6, 120),
}
_DROP_DELAYS: dict[Stage, tuple[float, float, float]] = {
    Stage.LEAD: (25, 0.8, 90),
    Stage.MQL: (10, 0.8, 30),
    Stage.SQL: (20, 0.7, 60),
    Stage.OPPORTUNITY: (45, 0.6, 120),
}
SETTLED_DAYS = 365
_MIN_DELAY = 1800

_MIX_MEAN = sum(CHANNEL_MIX[c] * _MQL_FACTOR[c] for c in CHANNEL_MIX) / sum(CHANNEL_MIX.values())
MQL_PROBABILITY = {c: LEAD_TO_MQL * _MQL_FACTOR[c] / _MIX_MEAN for c in CHANNEL_MIX}
_NEXT = (
    (Stage.MQL, MQL_TO_SQL, Stage.SQL),
    (Stage.SQL, SQL_TO_OPPORTUNITY, Stage.OPPORTUNITY),
    (Stage.OPPORTUNITY, OPPORTUNITY_TO_CUSTOMER, Stage.CUSTOMER),
)
FUNNEL = (Stage.SUBSCRIBER, Stage.LEAD, Stage.MQL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)


@dataclass(frozen=True, slots=True)
class Step:
    stage: Stage
    at: int  # seconds since the epoch
    came_from: Stage | None  # the stage it left; None for the first entry


def _delay(rng: random.Random, spec: tuple[float, float, float]) -> int:
    median, spread, cap = spec
    days = min(cap, median * math.exp(spread * rng.gauss(0.0, 1.0)))
    return max(_MIN_DELAY, int(days * DAY))


def stage_path(rng: random.Random, channel: Channel, created: int, now: int) -> list[Step]:
    """The stages a lead went through until `now`; moves not due by then have not happened."""
    entry = Stage.SUBSCRIBER if rng.random() < SUBSCRIBER_SHARE else Stage.LEAD
    path = [Step(entry, created, None)]
    chain: list[tuple[Stage, float, Stage]] = []
    if entry is Stage.SUBSCRIBER:
        chain.append((Stage.SUBSCRIBER, SUBSCRIBER_TO_LEAD, Stage.LEAD))
    chain.append((Stage.LEAD, MQL_PROBABILITY[channel], Stage.MQL))
    chain.extend(_NEXT)
    at = created
    for current, probability, target in chain:
        if rng.random() < probability:
            at += _delay(rng, _DELAYS[target])
            if at >= now:
                break
            path.append(Step(target, at, current))
            continue
        drop = DROPS.get(current)
        if drop is not None:
            u = rng.random()
            outcome = (
                Stage.RECYCLED
                if u < drop[0]
                else Stage.DISQUALIFIED
                if u < drop[0] + drop[1]
                else None
            )
            if outcome is not None:
                at += _delay(rng, _DROP_DELAYS[current])
                if at < now:
                    path.append(Step(outcome, at, current))
        break
    return path


def furthest(path: list[Step]) -> Stage:
    """The furthest funnel stage reached (recycled and disqualified are not funnel stages)."""
    best = Stage.SUBSCRIBER
    for step in path:
        if step.stage in FUNNEL and FUNNEL.index(step.stage) > FUNNEL.index(best):
            best = step.stage
    return best


# Engagement points per touch, halved every `_HALF_LIFE_DAYS` (a simple decay model; the
# scoring domain will replace it with its own rules).
TOUCH_POINTS: dict[TouchpointType, float] = {
    TouchpointType.PAGE_VIEW: 2,
    TouchpointType.EMAIL_OPEN: 1,
    TouchpointType.EMAIL_CLICK: 4,
    TouchpointType.DOWNLOAD: 8,
    TouchpointType.WEBINAR: 10,
    TouchpointType.FORM_SUBMISSION: 10,
    TouchpointType.AD_LEAD_FORM: 8,
    TouchpointType.EVENT: 10,
    TouchpointType.CALL: 6,
    TouchpointType.MEETING: 12,
}
_HALF_LIFE_DAYS = 45


def engagement_score(touches: list[tuple[int, TouchpointType]], now: int) -> int:
    total = 0.0
    for at, kind in touches:
        total += TOUCH_POINTS.get(kind, 1) * 0.5 ** ((now - at) / (_HALF_LIFE_DAYS * DAY))
    return min(100, round(total))


def grade(fit: int) -> str:
    return "A" if fit >= 75 else "B" if fit >= 55 else "C" if fit >= 35 else "D"


def total_score(fit: int, engagement: int) -> int:
    return round(0.6 * fit + 0.4 * engagement)


HOT_ENGAGEMENT = 35
WARM_ENGAGEMENT = 10


def temperature(stage: Stage, engagement: int, last_activity: int, now: int) -> Temperature:
    """Cold, warm or hot from the stage, the engagement and how recent the last touch is: a
    fresh form fill is warm, talking to sales or much recent activity is hot."""
    if stage is Stage.DISQUALIFIED:
        return Temperature.COLD
    recent = now - last_activity <= 30 * DAY
    if stage is Stage.CUSTOMER:
        return Temperature.HOT if engagement >= HOT_ENGAGEMENT and recent else Temperature.WARM
    if engagement >= HOT_ENGAGEMENT or (recent and stage in (Stage.SQL, Stage.OPPORTUNITY)):
        return Temperature.HOT
    if engagement >= WARM_ENGAGEMENT or stage in (Stage.MQL, Stage.SQL, Stage.OPPORTUNITY):
        return Temperature.WARM
    return Temperature.COLD
