"""Touchpoints of a demo lead: the first touch that made it a lead (with the lead's UTM values),
the touches that go with each stage move (the download before MQL, the call after SQL, …) and
engagement over the following months: page views, newsletter opens and clicks, webinars."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from leadwerk.demo import data
from leadwerk.demo.campaigns import CampaignPlan, CampaignSpec
from leadwerk.demo.journeys import DAY, Step, furthest
from leadwerk.leads.types import Channel, Stage, TouchpointType

Utm = tuple[str | None, str | None, str | None, str | None, str | None]
_NO_UTM: Utm = (None, None, None, None, None)

# UTM source and medium of leads that came without a campaign; `classify_channel` maps each
# pair back to its channel (the unit tests check that).
_ORGANIC: dict[Channel, tuple[tuple[str, str], ...]] = {
    Channel.ORGANIC_SEARCH: (("google", "organic"),) * 17
    + (("bing", "organic"), ("ecosia", "organic"), ("duckduckgo", "organic")),
    Channel.ORGANIC_SOCIAL: (
        ("linkedin", "social"),
        ("linkedin", "social"),
        ("xing", "social"),
        ("instagram", "social"),
        ("youtube", "social"),
    ),
    Channel.REFERRAL: (
        ("t3n.de", "referral"),
        ("onlinemarketing.de", "referral"),
        ("capterra.com", "referral"),
        ("de.wikipedia.org", "referral"),
        ("omr.com", "referral"),
    ),
    Channel.OTHER: (("chatgpt.com", "(none)"), ("podcast", "audio"), ("app", "in_app")),
}
# Touches after the first, by how far the lead got: mean count and the mix of kinds.
_MEAN_TOUCHES = {
    Stage.SUBSCRIBER: 2.0,
    Stage.LEAD: 1.5,
    Stage.MQL: 3.5,
    Stage.SQL: 4.5,
    Stage.OPPORTUNITY: 6.0,
    Stage.CUSTOMER: 7.0,
}
_MAX_TOUCHES = 25
_KINDS = (
    (TouchpointType.PAGE_VIEW, 0.42),
    (TouchpointType.EMAIL_OPEN, 0.68),
    (TouchpointType.EMAIL_CLICK, 0.82),
    (TouchpointType.DOWNLOAD, 0.90),
    (TouchpointType.WEBINAR, 0.96),
    (TouchpointType.EVENT, 1.0),
)
_LANDING = {
    "contact": "/kontakt",
    "demo_request": "/demo-anfragen",
    "whitepaper": "/whitepaper",
    "pricing_request": "/preise",
}


@dataclass(frozen=True, slots=True)
class Touch:
    at: int
    type: TouchpointType
    channel: Channel
    campaign: CampaignSpec | None
    source: str | None
    utm: Utm
    url: str | None
    properties: dict[str, Any]


def _choice(rng: random.Random, items: tuple[str, ...]) -> str | None:
    return items[int(rng.random() * len(items))] if items else None


def utm_for(rng: random.Random, channel: Channel, campaign: CampaignSpec | None) -> Utm:
    if campaign is not None:
        return (
            campaign.utm_source,
            campaign.utm_medium,
            campaign.key,
            _choice(rng, campaign.terms),
            _choice(rng, campaign.contents),
        )
    pairs = _ORGANIC.get(channel)
    if not pairs:
        return _NO_UTM
    source, medium = pairs[int(rng.random() * len(pairs))]
    return (source, medium, None, None, None)


def _first_touch(
    rng: random.Random,
    path: list[Step],
    channel: Channel,
    campaign: CampaignSpec | None,
    utm: Utm,
) -> Touch:
    at = path[0].at
    if path[0].stage is Stage.SUBSCRIBER:
        return Touch(at, TouchpointType.FORM_SUBMISSION, channel, campaign, "newsletter_signup",
                     utm, f"{data.SITE}/newsletter", {"form": "newsletter"})  # fmt: skip
    if channel is Channel.PAID_SOCIAL and rng.random() < 0.65:
        source = "linkedin_lead_gen" if utm[0] == "linkedin" else "meta_lead_ads"
        return Touch(at, TouchpointType.AD_LEAD_FORM, channel, campaign, source, utm, None,
                     {"form": source})  # fmt: skip
    if channel is Channel.OFFLINE:
        name = campaign.name if campaign else "Messe"
        return Touch(at, TouchpointType.EVENT, channel, campaign, "trade_fair", utm, None,
                     {"event": name, "badge_scan": True})  # fmt: skip
    u = rng.random()
    if u < 0.5:
        form = data.FORMS[int(rng.random() * len(data.FORMS))]
        return Touch(at, TouchpointType.FORM_SUBMISSION, channel, campaign, "website", utm,
                     data.SITE + _LANDING[form], {"form": form})  # fmt: skip
    if u < 0.85:
        asset = _choice(rng, data.ASSETS)
        return Touch(at, TouchpointType.DOWNLOAD, channel, campaign, "website", utm,
                     f"{data.SITE}/downloads", {"asset": asset})  # fmt: skip
    webinar = _choice(rng, data.WEBINARS)
    return Touch(at, TouchpointType.WEBINAR, channel, campaign, "webinar", utm,
                 f"{data.SITE}/webinare", {"webinar": webinar, "registered": True})  # fmt: skip


class _Engagement:
    """Makes engagement touches: where each came from depends on its kind and its day."""

    def __init__(self, rng: random.Random, plan: CampaignPlan, start: int) -> None:
        self.rng = rng
        self.plan = plan
        self.start = start

    def _campaign_touch(self, at: int, kind: TouchpointType, channel: Channel, source: str,
                        url: str | None, props: dict[str, Any]) -> Touch:  # fmt: skip
        campaign = self.plan.pick(channel, (at - self.start) // DAY, self.rng.random())
        utm = utm_for(self.rng, channel, campaign)
        return Touch(at, kind, channel, campaign, source, utm, url, props)

    def _web(self, at: int, kind: TouchpointType, url: str, props: dict[str, Any]) -> Touch:
        u = self.rng.random()
        if u < 0.45:
            return Touch(at, kind, Channel.DIRECT, None, "website", _NO_UTM, url, props)
        if u < 0.75:
            utm = utm_for(self.rng, Channel.ORGANIC_SEARCH, None)
            return Touch(at, kind, Channel.ORGANIC_SEARCH, None, "website", utm, url, props)
        if u < 0.87:  # retargeting ads bring people back
            return self._campaign_touch(at, kind, Channel.PAID_SOCIAL, "website", url, props)
        if u < 0.95:
            return self._campaign_touch(at, kind, Channel.DISPLAY, "website", url, props)
        utm = utm_for(self.rng, Channel.REFERRAL, None)
        return Touch(at, kind, Channel.REFERRAL, None, "website", utm, url, props)

    def touch(self, at: int, kind: TouchpointType) -> Touch:
        rng = self.rng
        if kind is TouchpointType.PAGE_VIEW:
            path, title = data.PAGES[int(rng.random() * len(data.PAGES))]
            return self._web(at, kind, data.SITE + path, {"title": title})
        if kind in (TouchpointType.EMAIL_OPEN, TouchpointType.EMAIL_CLICK):
            props: dict[str, Any] = {"subject": _choice(rng, data.EMAIL_SUBJECTS)}
            url = None
            if kind is TouchpointType.EMAIL_CLICK:
                url = data.SITE + data.PAGES[int(rng.random() * len(data.PAGES))][0]
            return self._campaign_touch(at, kind, Channel.EMAIL, "newsletter", url, props)
        if kind is TouchpointType.EVENT:
            campaign = self.plan.pick(Channel.OFFLINE, (at - self.start) // DAY, rng.random())
            name = campaign.name if campaign else "Messe"
            utm = utm_for(rng, Channel.OFFLINE, campaign)
            return Touch(at, kind, Channel.OFFLINE, campaign, "event", utm, None, {"event": name})
        if kind is TouchpointType.DOWNLOAD:
            props = {"asset": _choice(rng, data.ASSETS)}
            url = f"{data.SITE}/downloads"
        else:
            props = {"webinar": _choice(rng, data.WEBINARS), "attended": rng.random() < 0.6}
            url = f"{data.SITE}/webinare"
        if rng.random() < 0.5:
            return self._campaign_touch(at, kind, Channel.EMAIL, "newsletter", url, props)
        return self._web(at, kind, url, props)

    def sales(self, at: int, kind: TouchpointType, props: dict[str, Any]) -> Touch:
        return Touch(at, kind, Channel.DIRECT, None, "sales", _NO_UTM, None, props)


def _pick_kind(u: float) -> TouchpointType:
    for kind, bound in _KINDS:
        if u < bound:
            return kind
    return TouchpointType.PAGE_VIEW


def journey_touches(
    rng: random.Random,
    plan: CampaignPlan,
    path: list[Step],
    channel: Channel,
    campaign: CampaignSpec | None,
    utm: Utm,
    language: str,
    start: int,
    now: int,
) -> list[Touch]:
    """All touches of one lead, strictly increasing in time, all before `now`."""
    german = language == "de"
    created = path[0].at
    touches = [_first_touch(rng, path, channel, campaign, utm)]
    engagement = _Engagement(rng, plan, start)
    for step in path[1:]:
        if step.stage is Stage.MQL:
            kind = (TouchpointType.DOWNLOAD, TouchpointType.WEBINAR)[rng.random() < 0.4]
            at = max(created + 1, step.at - 60 - int(rng.random() * 1440))
            touches.append(engagement.touch(at, kind))
        elif step.stage is Stage.SQL:
            minutes = 10 + int(rng.random() * 40)
            at = step.at + 600 + int(rng.random() * 4 * 3600)
            touches.append(engagement.sales(at, TouchpointType.CALL,
                                            {"duration_minutes": minutes}))  # fmt: skip
        elif step.stage in (Stage.OPPORTUNITY, Stage.CUSTOMER):
            topic = {
                Stage.OPPORTUNITY: ("Produktdemo", "Product demo"),
                Stage.CUSTOMER: ("Kick-off", "Kick-off"),
            }[step.stage][0 if german else 1]
            at = step.at + 3600 + int(rng.random() * 48 * 3600)
            touches.append(engagement.sales(at, TouchpointType.MEETING, {"topic": topic}))
    mean = _MEAN_TOUCHES[furthest(path)]
    count = min(_MAX_TOUCHES, int(-mean * math.log(1.0 - rng.random())))
    end = min(now - 1, max(created + 60 * DAY, path[-1].at + 30 * DAY))
    for _ in range(count):
        at = created + 1 + int(rng.random() * max(end - created - 1, 1))
        touches.append(engagement.touch(at, _pick_kind(rng.random())))
    touches.sort(key=lambda t: t.at)
    result = [touches[0]]
    previous = touches[0].at
    for touch in touches[1:]:
        at = touch.at if touch.at > previous else previous + 1
        if at >= now:
            break
        result.append(touch if at == touch.at else _moved(touch, at))
        previous = at
    return result


def _moved(touch: Touch, at: int) -> Touch:
    return Touch(at, touch.type, touch.channel, touch.campaign, touch.source, touch.utm,
                 touch.url, touch.properties)  # fmt: skip
