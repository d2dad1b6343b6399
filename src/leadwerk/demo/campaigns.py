"""The demo company's marketing plan: campaigns per channel over the period, their daily spend,
and which campaign a lead of a channel on a day came from.

Campaign keys are the same for every seed (always-on campaigns, quarters, months, trade fairs
of the period), so a second demo load reuses them; the spend depends on the seed.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from leadwerk.demo.rows import CampaignRow, SpendRow
from leadwerk.demo.timeline import Period
from leadwerk.leads.types import Channel

CURRENCY = "EUR"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    key: str
    name: str
    channel: Channel
    utm_source: str
    utm_medium: str
    starts_on: date
    ends_on: date | None
    budget: float  # € per day; 0 for campaigns without media cost
    cpc: float = 1.0
    ctr: float = 0.02
    lead_weight: float = 1.0
    terms: tuple[str, ...] = ()
    contents: tuple[str, ...] = ()
    event_days: tuple[date, date] | None = None  # a trade fair: booth cost on these days
    event_cost: float = 0.0

    def active(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def weight_on(self, day: date) -> float:
        if self.event_days is None:
            return self.lead_weight
        first, last = self.event_days
        return self.lead_weight * (6.0 if first <= day <= last else 1.0)

    def row(self) -> CampaignRow:
        created = datetime(self.starts_on.year, self.starts_on.month, self.starts_on.day, 8,
                           tzinfo=UTC)  # fmt: skip
        return CampaignRow(
            self.key,
            self.name,
            self.channel.value,
            self.utm_source,
            self.utm_medium,
            self.starts_on,
            self.ends_on,
            created,
        )


_BRAND = ("leadwerk", "leadwerk login", "leadwerk preise")
_GENERIC_DE = (
    "lead management software",
    "lead scoring tool",
    "crm für kleine unternehmen",
    "leads qualifizieren",
    "dsgvo konformes crm",
    "lead routing",
)
_COMPETITOR = ("hubspot alternative", "pipedrive alternative", "salesforce alternative")
_GENERIC_EN = ("lead management software", "lead routing tool", "b2b lead scoring")
_SEARCH_ADS = ("rsa_a", "rsa_b", "rsa_c")
_SOCIAL_ADS = ("carousel_1", "video_30s", "single_image", "document_ad")
_BANNERS = ("banner_300x250", "banner_728x90", "skyscraper_160x600")

# key, name, channel, source, medium, € per day, cpc, ctr, lead weight, terms, ad contents
_Template = tuple[
    str, str, Channel, str, str, float, float, float, float, tuple[str, ...], tuple[str, ...]
]
# fmt: off
_ALWAYS_ON: tuple[_Template, ...] = (
    ("g_search_brand_dach", "Google Ads – Brand DACH", Channel.PAID_SEARCH, "google", "cpc",
     45, 0.9, 0.09, 60, _BRAND, _SEARCH_ADS),
    ("g_search_generic_dach", "Google Ads – Lead-Management DACH", Channel.PAID_SEARCH,
     "google", "cpc", 190, 3.8, 0.035, 190, _GENERIC_DE, _SEARCH_ADS),
    ("g_search_competitor_dach", "Google Ads – Wettbewerber DACH", Channel.PAID_SEARCH,
     "google", "cpc", 60, 5.2, 0.025, 45, _COMPETITOR, _SEARCH_ADS),
    ("bing_search_generic_dach", "Microsoft Ads – Lead-Management DACH", Channel.PAID_SEARCH,
     "bing", "cpc", 30, 2.6, 0.04, 30, _GENERIC_DE, _SEARCH_ADS),
    ("g_search_generic_intl", "Google Ads – Lead management international",
     Channel.PAID_SEARCH, "google", "cpc", 80, 4.5, 0.03, 60, _GENERIC_EN, _SEARCH_ADS),
    ("li_leadgen_whitepaper_dsgvo", "LinkedIn Lead Gen – Whitepaper DSGVO", Channel.PAID_SOCIAL,
     "linkedin", "paid_social", 140, 7.5, 0.006, 140, (), _SOCIAL_ADS),
    ("meta_retargeting_dach", "Meta – Retargeting DACH", Channel.PAID_SOCIAL, "facebook", "cpc",
     45, 0.8, 0.012, 60, (), _SOCIAL_ADS),
    ("gdn_remarketing_dach", "Google Display – Remarketing DACH", Channel.DISPLAY, "google",
     "display", 35, 0.6, 0.004, 35, (), _BANNERS),
    ("vergleichsportal_crm", "Vergleichsportal – CRM-Software", Channel.AFFILIATE,
     "vergleichsportal", "affiliate", 25, 9.0, 0.02, 25, (), ()),
    ("partner_netzwerk_dach", "Partnernetzwerk DACH", Channel.AFFILIATE, "partner-netzwerk",
     "partner", 15, 6.0, 0.02, 15, (), ()),
    ("nurture_onboarding", "Nurture-Strecke Onboarding", Channel.EMAIL, "newsletter", "email",
     0, 1.0, 0.0, 1, (), ()),
    ("roadshow_dach", "Roadshow & Kundenevents DACH", Channel.OFFLINE, "messe", "event", 0, 1.0,
     0.0, 1, (), ()),
)
_QUARTERLY: tuple[_Template, ...] = (
    ("li_webinar_lead_scoring", "LinkedIn – Webinar Lead-Scoring", Channel.PAID_SOCIAL,
     "linkedin", "paid_social", 90, 6.9, 0.007, 90, (), _SOCIAL_ADS),
    ("programmatic_awareness_dach", "Programmatic – Awareness DACH", Channel.DISPLAY, "adform",
     "programmatic", 70, 0.9, 0.003, 50, (), _BANNERS),
)
# fmt: on
# key, name, month, day, length in days, booth and travel cost in €
_FAIRS = (
    ("logimat", "LogiMAT Stuttgart", 3, 11, 3, 18_000),
    ("hannover_messe", "Hannover Messe", 4, 22, 5, 35_000),
    ("omr", "OMR Festival Hamburg", 5, 7, 2, 25_000),
    ("dmexco", "DMEXCO Köln", 9, 18, 2, 30_000),
    ("it_sa", "it-sa Nürnberg", 10, 22, 3, 20_000),
    ("sps", "SPS Nürnberg", 11, 12, 3, 15_000),
)
_FOLLOW_UP_DAYS = 14


def _quarters(period: Period) -> Iterator[tuple[int, int, date, date]]:
    year, quarter = period.start.year, (period.start.month - 1) // 3
    while True:
        first = date(year, quarter * 3 + 1, 1)
        if first >= period.end:
            return
        nxt = date(year + (quarter + 1) // 4, (quarter + 1) % 4 * 3 + 1, 1)
        yield year, quarter + 1, first, nxt - timedelta(days=1)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


def _months(period: Period) -> Iterator[tuple[int, int, date, date]]:
    year, month = period.start.year, period.start.month
    while True:
        first = date(year, month, 1)
        if first >= period.end:
            return
        nxt = date(year + month // 12, month % 12 + 1, 1)
        yield year, month, first, nxt - timedelta(days=1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def build_specs(period: Period) -> list[CampaignSpec]:
    specs = [
        CampaignSpec(k, n, ch, src, med, period.start, None, b, cpc, ctr, w, terms, contents)
        for k, n, ch, src, med, b, cpc, ctr, w, terms, contents in _ALWAYS_ON
    ]
    for year, quarter, first, last in _quarters(period):
        for k, n, ch, src, med, b, cpc, ctr, w, terms, contents in _QUARTERLY:
            specs.append(
                CampaignSpec(
                    f"{k}_{year}q{quarter}",
                    f"{n} Q{quarter}/{year}",
                    ch,
                    src,
                    med,
                    first,
                    last,
                    b,
                    cpc,
                    ctr,
                    w,
                    terms,
                    contents,
                )
            )
    for year, month, first, last in _months(period):
        specs.append(
            CampaignSpec(
                f"newsletter_{year}_{month:02d}",
                f"Newsletter {month:02d}/{year}",
                Channel.EMAIL,
                "newsletter",
                "email",
                first,
                last,
                0,
                lead_weight=3,
            )
        )
    for year in range(period.start.year, period.end.year + 1):
        for key, name, month, day, length, cost in _FAIRS:
            first = date(year, month, day)
            last = first + timedelta(days=length - 1)
            if first < period.start or last >= period.end:
                continue
            specs.append(
                CampaignSpec(
                    f"event_{key}_{year}",
                    f"{name} {year}",
                    Channel.OFFLINE,
                    "messe",
                    "event",
                    first,
                    last + timedelta(days=_FOLLOW_UP_DAYS),
                    0,
                    lead_weight=4,
                    event_days=(first, last),
                    event_cost=cost,
                )
            )
    return specs


@dataclass
class CampaignPlan:
    """The campaigns of a period and, per channel and day, which were running."""

    period: Period
    specs: list[CampaignSpec] = field(init=False)
    _daily: dict[Channel, list[tuple[list[float], list[CampaignSpec]]]] = field(init=False)

    def __post_init__(self) -> None:
        self.specs = build_specs(self.period)
        channels = {spec.channel for spec in self.specs}
        self._daily = {channel: [] for channel in channels}
        for index in range(self.period.days):
            day = self.period.day(index)
            for channel in channels:
                running = [s for s in self.specs if s.channel is channel and s.active(day)]
                weights = list(accumulate(s.weight_on(day) for s in running))
                self._daily[channel].append((weights, running))

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset(self._daily)

    def rows(self) -> list[CampaignRow]:
        return [spec.row() for spec in self.specs]

    def pick(self, channel: Channel, day_index: int, u: float) -> CampaignSpec | None:
        """The campaign a lead of `channel` on that day came from; `u` is uniform in [0, 1)."""
        days = self._daily.get(channel)
        if days is None:
            return None
        weights, running = days[day_index]
        if not running:
            return None
        return running[min(bisect_right(weights, u * weights[-1]), len(running) - 1)]

    def spend(self, seed: int) -> Iterator[SpendRow]:
        """Daily spend of the campaigns that cost money: search, social, display, affiliate
        payouts and trade fairs. Organic, direct, email and referral cost nothing here."""
        for spec in self.specs:
            rng = random.Random(f"leadwerk-demo/{seed}/spend/{spec.key}")
            first = max(spec.starts_on, self.period.start)
            last = min(spec.ends_on or self.period.end, self.period.end - timedelta(days=1))
            if spec.event_days is not None:
                yield from _fair_spend(spec, max(first, spec.event_days[0]))
                continue
            if spec.budget <= 0:
                continue
            for index in range((last - first).days + 1):
                day = first + timedelta(days=index)
                yield _daily_spend(spec, day, self.period, rng)


def _daily_spend(spec: CampaignSpec, day: date, period: Period, rng: random.Random) -> SpendRow:
    progress = (day - period.start).days / max(period.days - 1, 1)
    weekend = day.weekday() >= 5
    factor = (1.0 + 0.5 * progress) * (0.65 if weekend else 1.0)
    amount = spec.budget * factor * math.exp(rng.gauss(0.0, 0.15))
    clicks = max(1, round(amount / (spec.cpc * math.exp(rng.gauss(0.0, 0.1)))))
    impressions = max(clicks, round(clicks / spec.ctr)) if spec.ctr > 0 else None
    return SpendRow(spec.key, day, Decimal(amount).quantize(_CENT), CURRENCY, impressions, clicks)


def _fair_spend(spec: CampaignSpec, first: date) -> Iterator[SpendRow]:
    assert spec.event_days is not None
    start, last = spec.event_days
    days = (last - start).days + 1
    per_day = Decimal(spec.event_cost / days).quantize(_CENT)
    for index in range(days):
        day = start + timedelta(days=index)
        if day >= first:
            yield SpendRow(spec.key, day, per_day, CURRENCY, None, None)
