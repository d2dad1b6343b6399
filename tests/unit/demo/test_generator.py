"""The demo generator: deterministic by seed, and every value as the intake would store it."""

from __future__ import annotations

import itertools

import phonenumbers
import pytest

from leadwerk.capture import rules
from leadwerk.demo import data
from leadwerk.demo.generator import DemoGenerator, DemoSpec, team_for
from leadwerk.demo.journeys import grade, temperature, total_score
from leadwerk.demo.rows import Batch
from leadwerk.demo.timeline import epoch
from leadwerk.leads.rules import search_text
from leadwerk.leads.types import Channel, Stage, Temperature
from tests.unit.demo.conftest import TODAY, Generated, generate


def _rows(generator: DemoGenerator, batch_size: int) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in Batch._fields}
    for batch in generator.batches(generator.synthetic_references(), batch_size):
        for name, part in zip(Batch._fields, batch, strict=True):
            rows[name].extend(part)
    return rows


def test_same_seed_gives_the_same_rows_whatever_the_batch_size() -> None:
    spec = DemoSpec(seed=7, leads=2500, today=TODAY)
    first = _rows(DemoGenerator(spec), 5000)
    assert first == _rows(DemoGenerator(spec), 5000)
    assert first == _rows(DemoGenerator(spec), 333)


def test_another_seed_gives_other_rows(demo5k: Generated) -> None:
    other = generate(5000, seed=2)
    assert other.leads != demo5k.leads
    shared = {lead.email for lead in demo5k.leads} & {lead.email for lead in other.leads}
    assert len(shared) < 50  # a few common names at free-mail providers, nothing more


def test_counts_and_ids(demo5k: Generated) -> None:
    assert [lead.id for lead in demo5k.leads] == list(range(1, 5001))
    assert [a.id for a in demo5k.accounts] == list(range(1, len(demo5k.accounts) + 1))
    assert len(demo5k.accounts) == len({lead.account_id for lead in demo5k.leads} - {None})
    account_ids = {a.id for a in demo5k.accounts}
    assert all(lead.account_id is None or lead.account_id in account_ids for lead in demo5k.leads)
    assert set(demo5k.touchpoints) == set(demo5k.history) == {lead.id for lead in demo5k.leads}


def test_emails_are_valid_unique_and_normalised(demo5k: Generated) -> None:
    emails = [lead.email for lead in demo5k.leads]
    assert len(set(emails)) == len(emails)
    for lead in demo5k.leads:
        assert lead.email.isascii()
        assert rules.normalise_email(lead.email) == (lead.email, None)
        assert lead.email_key == rules.email_key(lead.email)
        assert lead.domain == rules.company_domain(lead.email)


def test_business_addresses_use_the_company_domain(demo5k: Generated) -> None:
    domains = {a.id: a.domain for a in demo5k.accounts}
    business = [lead for lead in demo5k.leads if lead.domain is not None]
    assert 0.8 < len(business) / len(demo5k.leads) < 0.9  # 86 % by the rates set
    for lead in business:
        assert lead.account_id is not None
        assert lead.domain == domains[lead.account_id]
    assert {a.domain for a in demo5k.accounts}.__len__() == len(demo5k.accounts)


def test_phone_numbers_are_valid_e164_of_the_leads_country(demo5k: Generated) -> None:
    phones = [lead for lead in demo5k.leads if lead.phone is not None]
    assert 0.58 < len(phones) / len(demo5k.leads) < 0.66  # 62 % by the rate set
    for lead in phones:
        assert lead.phone is not None
        parsed = phonenumbers.parse(lead.phone)
        assert phonenumbers.is_valid_number(parsed), lead.phone
        assert phonenumbers.region_code_for_number(parsed) == lead.country
        assert rules.normalise_phone(lead.phone, lead.country) == (lead.phone, None)
        assert lead.phone_key == lead.phone


def test_names_and_texts_are_stored_as_the_intake_normalises_them(demo5k: Generated) -> None:
    for lead in demo5k.leads:
        assert rules.normalise_name(lead.first_name) == lead.first_name
        assert rules.normalise_name(lead.last_name) == lead.last_name
        assert rules.clean_text(lead.company) == lead.company
        assert rules.clean_text(lead.job_title) == lead.job_title
        assert lead.name_key == rules.name_key(lead.first_name, lead.last_name)
        assert lead.company_key == rules.company_key(lead.company)
        assert lead.search_text == search_text(
            lead.first_name, lead.last_name, lead.email, lead.company
        )
        assert rules.normalise_country(lead.country) == (lead.country, None)
        assert rules.normalise_language(lead.language) == (lead.language, None)


def test_names_carry_umlauts_accents_and_sharp_s(demo5k: Generated) -> None:
    letters = "".join(lead.first_name + lead.last_name for lead in demo5k.leads)
    for char in "äöüßéèçñłşøåı":
        assert char in letters, char
    with_marks = [lead for lead in demo5k.leads if not (lead.first_name + lead.last_name).isascii()]
    assert 0.3 < len(with_marks) / len(demo5k.leads) < 0.42


def test_channel_follows_from_the_utm_values(demo5k: Generated) -> None:
    for lead in demo5k.leads:
        assert rules.classify_channel(lead.utm_source, lead.utm_medium) == Channel(lead.channel)
        for touch in demo5k.touchpoints[lead.id]:
            assert rules.classify_channel(touch.utm_source, touch.utm_medium) == Channel(
                touch.channel
            )


def test_campaign_leads_carry_the_campaign_key(demo5k: Generated) -> None:
    keys = {i: key for key, i in demo5k.refs.campaign_ids.items()}
    for lead in demo5k.leads:
        first = demo5k.touchpoints[lead.id][0]
        if first.campaign_id is None:
            assert lead.utm_campaign is None
        else:
            assert keys[first.campaign_id] == lead.utm_campaign


def test_journeys_start_with_the_leads_first_touch_and_keep_time_order(
    demo5k: Generated,
) -> None:
    start = epoch(demo5k.generator.period.start)
    end = epoch(TODAY)
    for lead in demo5k.leads:
        touches = demo5k.touchpoints[lead.id]
        first = touches[0]
        assert first.occurred_at == lead.created_at
        assert (first.channel, first.utm_source, first.utm_medium, first.utm_campaign) == (
            lead.channel,
            lead.utm_source,
            lead.utm_medium,
            lead.utm_campaign,
        )
        assert first.source == lead.source
        times = [t.occurred_at.timestamp() for t in touches]
        assert times == sorted(set(times)), lead.id  # strictly increasing
        assert start <= times[0]
        assert times[-1] < end
        assert lead.last_activity_at == touches[-1].occurred_at


def test_lead_ids_follow_creation_time_within_the_period(demo5k: Generated) -> None:
    created = [lead.created_at for lead in demo5k.leads]
    assert created == sorted(created)
    assert epoch(demo5k.generator.period.start) <= created[0].timestamp()
    assert created[-1].timestamp() < epoch(TODAY)
    first_quarter = sum(1 for c in created if c.date() < demo5k.generator.period.day(91))
    last_quarter = sum(1 for c in created if c.date() >= demo5k.generator.period.day(455))
    assert last_quarter > 1.6 * first_quarter  # leads grow over the period


def test_stage_equals_the_last_history_entry(demo5k: Generated) -> None:
    for lead in demo5k.leads:
        history = demo5k.history[lead.id]
        assert history[0].from_stage is None
        assert history[0].to_stage in (Stage.LEAD, Stage.SUBSCRIBER)
        assert history[0].changed_at == lead.created_at
        for before, after in itertools.pairwise(history):
            assert after.from_stage == before.to_stage
            assert after.changed_at > before.changed_at
        assert lead.stage == history[-1].to_stage
        assert lead.updated_at == history[-1].changed_at
        assert history[-1].changed_at.timestamp() < epoch(TODAY)


def test_owners_only_from_sql_on_and_from_the_leads_territory(demo5k: Generated) -> None:
    team_of = {rep: team for team, reps in demo5k.refs.reps.items() for rep in reps}
    owned = 0
    for lead in demo5k.leads:
        reached_sql = any(c.to_stage == Stage.SQL for c in demo5k.history[lead.id])
        assert (lead.owner_id is not None) == reached_sql
        if lead.owner_id is None:
            assert lead.team_id is None
            continue
        owned += 1
        team = team_of[lead.owner_id]
        assert team == team_for(lead.country, lead.attributes["city"])
        assert lead.team_id == demo5k.refs.team_ids[team]
        actors = {c.actor for c in demo5k.history[lead.id] if c.to_stage == Stage.SQL}
        assert actors == {f"user:{lead.owner_id}"}
    assert owned > 100


@pytest.mark.parametrize(
    ("country", "city", "team"),
    [
        ("DE", "Hamburg", "DACH Nord"),
        ("DE", "München", "DACH Süd"),
        ("AT", "Wien", "DACH Süd"),
        ("CH", "Zürich", "DACH Süd"),
        ("FR", "Paris", "International"),
    ],
)
def test_territories(country: str, city: str, team: str) -> None:
    assert team_for(country, city) == team


def test_scores_grades_and_temperature_are_consistent(demo5k: Generated) -> None:
    end = epoch(TODAY)
    for lead in demo5k.leads:
        assert 0 <= lead.fit_score <= 100
        assert 0 <= lead.engagement_score <= 100
        assert lead.grade == grade(lead.fit_score)
        assert lead.score == total_score(lead.fit_score, lead.engagement_score)
        expected = temperature(
            Stage(lead.stage), lead.engagement_score, int(lead.last_activity_at.timestamp()), end
        )
        assert lead.temperature == expected
        if lead.stage == Stage.DISQUALIFIED:
            assert lead.temperature == Temperature.COLD


def test_leads_further_down_the_funnel_fit_better(demo20k: Generated) -> None:
    def mean_fit(stages: set[str]) -> float:
        fits = [lead.fit_score for lead in demo20k.leads if lead.stage in stages]
        return sum(fits) / len(fits)

    assert mean_fit({"customer"}) > mean_fit({"opportunity", "sql"}) + 2
    assert mean_fit({"opportunity", "sql"}) > mean_fit({"lead", "subscriber"}) + 4


def test_attributes_name_city_and_seed(demo5k: Generated) -> None:
    cities = {c.code: set(c.cities) for c in data.COUNTRIES}
    for lead in demo5k.leads:
        assert lead.attributes["demo_seed"] == 1
        assert lead.attributes["city"] in cities[lead.country]
