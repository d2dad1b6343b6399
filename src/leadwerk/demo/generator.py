"""Demo data, pure and deterministic: the same spec and references give the same rows.

No global random state and no clock: every random choice comes from `random.Random` streams
named by the seed (one per block of leads, so the rows do not depend on the batch size), and
time only enters through `DemoSpec.today`, the day the data ends before.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import accumulate
from typing import Any

from leadwerk.capture.quality import rules as quality
from leadwerk.capture.rules import company_domain, email_key, name_key
from leadwerk.demo import data
from leadwerk.demo.campaigns import CampaignPlan
from leadwerk.demo.companies import Company, company_pool
from leadwerk.demo.journeys import (
    CHANNEL_MIX,
    DAY,
    Step,
    engagement_score,
    furthest,
    grade,
    stage_path,
    temperature,
    total_score,
)
from leadwerk.demo.people import FREEMAIL_SHARE, FREEMAIL_WITH_COMPANY, PeopleMaker
from leadwerk.demo.phones import PhoneMaker
from leadwerk.demo.rows import (
    AccountRow,
    Batch,
    CampaignRow,
    LeadRow,
    SpendRow,
    StageChangeRow,
    TouchpointRow,
)
from leadwerk.demo.timeline import CreationClock, Period
from leadwerk.demo.touches import Touch, journey_touches, utm_for
from leadwerk.identity.rules import sound_key
from leadwerk.leads.rules import fold
from leadwerk.leads.types import Channel, PhoneStatus, Stage

BLOCK = 1000  # leads per random stream
PHONE_SHARE = 0.62
LANDLINE_SHARE = 0.35
# Seniority weights (owner, head, manager, specialist, junior) by how far a lead got: people
# with more say buy more often; students and juniors are the ones disqualified early.
_SENIORITY = {
    Stage.SUBSCRIBER: (0.05, 0.10, 0.25, 0.38, 0.22),
    Stage.LEAD: (0.05, 0.10, 0.25, 0.38, 0.22),
    Stage.MQL: (0.08, 0.18, 0.34, 0.32, 0.08),
    Stage.SQL: (0.12, 0.26, 0.38, 0.21, 0.03),
    Stage.OPPORTUNITY: (0.16, 0.30, 0.38, 0.15, 0.01),
    Stage.CUSTOMER: (0.22, 0.33, 0.35, 0.10, 0.0),
    Stage.DISQUALIFIED: (0.02, 0.05, 0.15, 0.38, 0.40),
}
_SENIORITY_CUM = {stage: list(accumulate(w)) for stage, w in _SENIORITY.items()}
_COUNTRY_FIT = {"DACH": 15, "EU": 10, "other": 6}
_REASONS_DE = {
    Stage.SQL: ("Erstgespräch geführt: Bedarf bestätigt", "Budget und Zeitplan bestätigt (BANT)"),
    Stage.OPPORTUNITY: ("Angebot angefragt", "Produktdemo durchgeführt"),
    Stage.CUSTOMER: ("Vertrag unterschrieben",),
    Stage.RECYCLED: (
        "Kein akuter Bedarf – in 6 Monaten erneut ansprechen",
        "Budget erst im nächsten Geschäftsjahr",
        "Verloren – Zeitpunkt passt nicht",
    ),
    Stage.DISQUALIFIED: (
        "Kein Bedarf",
        "Budget zu klein",
        "Verloren – Wettbewerber gewählt",
        "Kein Entscheider erreichbar",
    ),
}
_REASONS_EN = {
    Stage.SQL: ("Discovery call: need confirmed", "Budget and timeline confirmed (BANT)"),
    Stage.OPPORTUNITY: ("Proposal requested", "Product demo delivered"),
    Stage.CUSTOMER: ("Contract signed",),
    Stage.RECYCLED: ("Not ready yet – follow up in six months", "Budget next fiscal year"),
    Stage.DISQUALIFIED: ("No need", "Budget too small", "Lost to a competitor"),
}
_RULE_REASONS = {
    Stage.LEAD: ("Filled in a form after the newsletter sign-up",),
    Stage.MQL: (
        "Score reached the MQL threshold",
        "Requested a demo",
        "Webinar attended, good fit",
    ),
    Stage.DISQUALIFIED: ("Student or job applicant", "Competitor", "Invalid contact data"),
}


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """What to generate: `leads` leads for `seed`, created over `months` months before `today`."""

    seed: int
    leads: int
    today: date
    months: int = 18

    @property
    def period(self) -> Period:
        return Period.ending(self.today, self.months)


@dataclass(frozen=True, slots=True)
class References:
    """Ids of rows the leads point to, and where the new ids start."""

    first_lead_id: int
    first_account_id: int
    campaign_ids: Mapping[str, int]
    team_ids: Mapping[str, int]
    reps: Mapping[str, tuple[int, ...]]  # team name → its sales reps' user ids
    marketers: tuple[int, ...]


def account_pool_size(leads: int) -> int:
    return max(5, leads // 3)


def team_for(country: str, city: str | None) -> str:
    if country == "DE":
        return "DACH Nord" if city in data.DE_NORTH else "DACH Süd"
    return "DACH Süd" if country in ("AT", "CH") else "International"


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class DemoGenerator:
    def __init__(self, spec: DemoSpec) -> None:
        if spec.leads < 0:
            raise ValueError("the number of demo leads cannot be negative")
        self.spec = spec
        self.period = spec.period
        self.plan = CampaignPlan(self.period)
        self._clock = CreationClock(self.period)
        channels = list(CHANNEL_MIX)
        self._channels = channels
        self._channel_cum = list(accumulate(CHANNEL_MIX[c] for c in channels))

    def campaigns(self) -> list[CampaignRow]:
        return self.plan.rows()

    def spend(self) -> Iterator[SpendRow]:
        return self.plan.spend(self.spec.seed)

    def synthetic_references(self, first_lead_id: int = 1, first_account_id: int = 1) -> References:
        """References with made-up ids, for tests and benchmarks that need no database."""
        reps: dict[str, tuple[int, ...]] = {}
        next_id = 2  # 1 is the demo admin
        for team in data.TEAMS:
            members = [s for s in data.STAFF if s[3] == team]
            reps[team] = tuple(range(next_id, next_id + len(members)))
            next_id += len(members)
        marketers = sum(1 for s in data.STAFF if s[3] is None)
        return References(
            first_lead_id=first_lead_id,
            first_account_id=first_account_id,
            campaign_ids={c.key: i for i, c in enumerate(self.campaigns(), start=1)},
            team_ids={team: i for i, team in enumerate(data.TEAMS, start=1)},
            reps=reps,
            marketers=tuple(range(next_id, next_id + marketers)),
        )

    def batches(self, refs: References, batch_size: int = 5000) -> Iterator[Batch]:
        """All rows in batches of `batch_size` leads; the rows do not depend on `batch_size`."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        maker = _LeadMaker(self, refs)
        batch = Batch([], [], [], [])
        rng = random.Random()
        for index in range(self.spec.leads):
            if index % BLOCK == 0:
                rng = random.Random(f"leadwerk-demo/{self.spec.seed}/leads/{index // BLOCK}")
            maker.make(rng, index, batch)
            if len(batch.leads) >= batch_size:
                yield batch
                batch = Batch([], [], [], [])
        if batch.leads:
            yield batch

    def channel(self, u: float) -> Channel:
        cum = self._channel_cum
        return self._channels[min(bisect_right(cum, u * cum[-1]), len(cum) - 1)]

    def created_at(self, index: int, u: float) -> int:
        return self._clock.at((index + u) / self.spec.leads)


def _email_status(email: str) -> str:
    status = quality.email_status(email)
    assert status is not None  # every demo lead has an address
    return status.value


@lru_cache(maxsize=4096)
def _title_flags(title: str | None) -> tuple[str | None, str | None]:
    """Seniority and function as intake derives them; demo titles repeat, so cached."""
    seniority, function = quality.seniority(title), quality.job_function(title)
    return (seniority.value if seniority else None, function.value if function else None)


class _LeadMaker:
    """Makes one lead with its account, touchpoints and stage history at a time."""

    def __init__(self, gen: DemoGenerator, refs: References) -> None:
        self.gen = gen
        self.refs = refs
        self.seed = gen.spec.seed
        self.now = gen.period.end_ts
        self.start = gen.period.start_ts
        self.pool: list[Company] = company_pool(gen.spec.seed, account_pool_size(gen.spec.leads))
        self.account_ids: dict[int, int] = {}
        self.people = PeopleMaker()
        self.phones = PhoneMaker()
        self._name_keys: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._folded: dict[str, str] = {}

    def _name_keys_of(self, first: str, last: str) -> tuple[str | None, str | None]:
        """(name key, sound key) of a name, remembered: names repeat."""
        key = (first, last)
        if key not in self._name_keys:
            self._name_keys[key] = (name_key(first, last), sound_key(first, last))
        return self._name_keys[key]

    def _search_text(self, first: str, last: str, email: str, company: str | None) -> str:
        """`leads.rules.search_text`, with the folding of names and companies remembered:
        folding works word by word, and the addresses are ASCII in lower case already."""
        folded = self._folded
        for part in (first, last, company):
            if part and part not in folded:
                folded[part] = fold(part)
        parts = [folded[first], folded[last], email]
        if company:
            parts.append(folded[company])
        return " ".join(parts)

    def _account(self, rng: random.Random, created: int, batch: Batch) -> tuple[Company, int]:
        """A company from the pool (big ones more often); its row comes with its first lead."""
        pool = self.pool
        index = int(len(pool) * rng.random() ** 1.5)
        company = pool[index]
        account_id = self.account_ids.get(index)
        if account_id is None:
            account_id = self.refs.first_account_id + len(self.account_ids)
            self.account_ids[index] = account_id
            at = _at(created)
            batch.accounts.append(
                AccountRow(
                    account_id,
                    company.name,
                    company.name_key,
                    company.domain,
                    company.industry.name,
                    company.employees,
                    company.country.code,
                    at,
                    at,
                )
            )
        return company, account_id

    def make(self, rng: random.Random, index: int, batch: Batch) -> None:
        gen, refs = self.gen, self.refs
        lead_id = refs.first_lead_id + index
        created = gen.created_at(index, rng.random())
        day = (created - self.start) // DAY
        channel = gen.channel(rng.random())
        campaign = gen.plan.pick(channel, day, rng.random())
        utm = utm_for(rng, channel, campaign)

        freemail = rng.random() < FREEMAIL_SHARE
        company: Company | None = None
        account_id: int | None = None
        if not freemail or rng.random() < FREEMAIL_WITH_COMPANY:
            company, account_id = self._account(rng, created, batch)
        country = company.country if company else self.people.country(rng)
        city = company.city if company else country.cities[int(rng.random() * len(country.cities))]
        person = self.people.person(rng, country)
        free_domain = (
            country.freemail[int(rng.random() * len(country.freemail))] if freemail else None
        )
        email = self.people.email(rng, person, company, free_domain)
        phone = phone_status = None
        if rng.random() < PHONE_SHARE:
            landline = rng.random() < LANDLINE_SHARE
            phone = self.phones.make(rng, country, city, landline)
            phone_status = (PhoneStatus.LANDLINE if landline else PhoneStatus.MOBILE).value

        path = stage_path(rng, channel, created, self.now)
        reached = furthest(path)
        early_drop = path[-1].stage is Stage.DISQUALIFIED and path[-1].came_from is Stage.LEAD
        seniority = _pick_seniority(rng, Stage.DISQUALIFIED if early_drop else reached)
        title = PeopleMaker.job_title(rng, person, country, seniority, company is not None)
        fit = _fit(seniority, company, country.code)

        team = team_for(country.code, city)
        reps = refs.reps[team]
        owner = (
            reps[int(rng.random() * len(reps))] if any(s.stage is Stage.SQL for s in path) else None
        )
        touches = journey_touches(rng, gen.plan, path, channel, campaign, utm, person.language,
                                  self.start, self.now)  # fmt: skip
        engagement = engagement_score([(t.at, t.type) for t in touches], self.now)
        stage = path[-1].stage
        last_activity = touches[-1].at
        company_name = company.name if company else None
        attributes: dict[str, Any] = {"city": city, "demo_seed": self.seed}
        batch.leads.append(
            LeadRow(
                lead_id,
                email,
                person.first_name,
                person.last_name,
                phone,
                company_name,
                title,
                country.code,
                person.language,
                email_key(email),
                phone,
                *self._name_keys_of(person.first_name, person.last_name),
                company.name_key if company else None,
                company_domain(email),
                self._search_text(person.first_name, person.last_name, email, company_name),
                _email_status(email),
                phone_status,
                *_title_flags(title),
                account_id,
                touches[0].source or "website",
                *utm,
                channel.value,
                stage.value,
                temperature(stage, engagement, last_activity, self.now).value,
                fit,
                engagement,
                total_score(fit, engagement),
                grade(fit),
                owner,
                refs.team_ids[team] if owner is not None else None,
                attributes,
                _at(created),
                _at(max(created, path[-1].at)),
                _at(last_activity),
            )
        )
        self._touchpoints(lead_id, touches, batch)
        self._stage_changes(rng, lead_id, path, owner, team, batch)

    def _touchpoints(self, lead_id: int, touches: list[Touch], batch: Batch) -> None:
        ids = self.refs.campaign_ids
        append = batch.touchpoints.append
        for t in touches:
            append(
                TouchpointRow(
                    lead_id,
                    t.type.value,
                    t.channel.value,
                    ids[t.campaign.key] if t.campaign else None,
                    t.source,
                    *t.utm,
                    t.url,
                    _at(t.at),
                    t.properties,
                )
            )

    def _stage_changes(self, rng: random.Random, lead_id: int, path: list[Step],
                       owner: int | None, team: str, batch: Batch) -> None:  # fmt: skip
        german = team != "International"
        for step in path:
            actor, reason = self._actor_and_reason(rng, step, owner, team, german)
            batch.stage_changes.append(
                StageChangeRow(
                    lead_id,
                    step.came_from.value if step.came_from else None,
                    step.stage.value,
                    _at(step.at),
                    actor,
                    reason,
                )
            )

    def _actor_and_reason(self, rng: random.Random, step: Step, owner: int | None, team: str,
                          german: bool) -> tuple[str, str | None]:  # fmt: skip
        if step.came_from is None:
            return "intake", None
        if step.stage in (Stage.LEAD, Stage.MQL):
            return "rules", _choice(rng, _RULE_REASONS[step.stage])
        if step.came_from in (Stage.SUBSCRIBER, Stage.LEAD):  # dropped before any sales contact
            marketer = self.refs.marketers[int(rng.random() * len(self.refs.marketers))]
            return f"user:{marketer}", _choice(rng, _RULE_REASONS[Stage.DISQUALIFIED])
        reasons = _REASONS_DE if german else _REASONS_EN
        actor_id = owner
        if actor_id is None:  # an MQL turned down by a rep of its territory
            reps = self.refs.reps[team]
            actor_id = reps[int(rng.random() * len(reps))]
        return f"user:{actor_id}", _choice(rng, reasons[step.stage])


def _choice(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[int(rng.random() * len(items))]


def _pick_seniority(rng: random.Random, stage: Stage) -> int:
    cum = _SENIORITY_CUM.get(stage, _SENIORITY_CUM[Stage.LEAD])
    return min(bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


def _fit(seniority: int, company: Company | None, country: str) -> int:
    region = "DACH" if country in data.DACH else "EU" if country in data.EU_NEIGHBOURS else "other"
    points = data.SENIORITY_FIT[seniority] + _COUNTRY_FIT[region]
    if company is not None:
        points += company.employee_fit + company.industry.fit
    return min(100, points)
