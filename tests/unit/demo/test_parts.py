"""The pieces demo data is made of: period, arrival times, names, phones, companies, campaigns."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import phonenumbers
import pytest

from leadwerk.capture import rules
from leadwerk.demo import data
from leadwerk.demo.bulk import sqlite_time
from leadwerk.demo.campaigns import CampaignPlan
from leadwerk.demo.companies import ascii_words, company_pool
from leadwerk.demo.names import POOLS, surname_for
from leadwerk.demo.phones import PhoneMaker
from leadwerk.demo.timeline import DAY, CreationClock, Period, epoch, months_before
from leadwerk.identity import rules as identity_rules
from leadwerk.leads.types import Channel

PERIOD = Period.ending(date(2025, 6, 1), 18)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 6, 1), 18, date(2023, 12, 1)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 1, date(2024, 12, 15)),
        (date(2025, 1, 15), 13, date(2023, 12, 15)),
        (date(2025, 12, 31), 12, date(2024, 12, 31)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_period_needs_a_month() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        Period.ending(date(2025, 6, 1), 0)
    assert PERIOD.days == 548
    assert PERIOD.end_ts - PERIOD.start_ts == 548 * DAY


def test_creation_clock_is_monotonic_and_busy_in_office_hours() -> None:
    clock = CreationClock(PERIOD)
    times = [clock.at(i / 20_000) for i in range(20_000)]
    assert times == sorted(times)
    assert PERIOD.start_ts <= times[0]
    assert times[-1] < PERIOD.end_ts
    stamps = [datetime.fromtimestamp(t, UTC) for t in times]
    office = sum(1 for s in stamps if 7 <= s.hour < 17)
    assert office / len(stamps) > 0.6
    weekend = sum(1 for s in stamps if s.weekday() >= 5)
    assert weekend / len(stamps) < 0.12  # two of seven days, at a quarter of the weekday rate


@pytest.mark.parametrize(
    ("male", "female"),
    [
        ("Kowalski", "Kowalska"),
        ("Nowicki", "Nowicka"),
        ("Zawadzki", "Zawadzka"),
        ("Nowak", "Nowak"),
    ],
)
def test_polish_surnames_take_the_feminine_form(male: str, female: str) -> None:
    assert surname_for("pl", male, female=True) == female
    assert surname_for("pl", male, female=False) == male
    assert surname_for("de", "Kowalski", female=True) == "Kowalski"


def test_every_country_names_pools_and_free_mail_providers_that_exist() -> None:
    for country in data.COUNTRIES:
        assert set(country.origins) <= set(POOLS), country.code
        assert set(country.freemail) <= rules.FREEMAIL_DOMAINS, country.code
        assert set(country.landlines) <= set(country.cities), country.code
        assert rules.normalise_country(country.code) == (country.code, None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Brüggemann & Söhne", ["brueggemann", "soehne"]),
        ("Łukasz Wiśniewski", ["lukasz", "wisniewski"]),
        ("Bjørn Sæther", ["bjorn", "saether"]),
        ("Yıldız Çelik", ["yildiz", "celik"]),
        ("Jean-Luc D'Angelo", ["jean", "luc", "d", "angelo"]),
        ("Weiß", ["weiss"]),
    ],
)
def test_ascii_words(text: str, words: list[str]) -> None:
    assert ascii_words(text) == words


@pytest.mark.parametrize("country", data.COUNTRIES, ids=lambda c: c.code)
def test_phone_numbers_of_every_country_and_landline_city(country: data.Country) -> None:
    maker = PhoneMaker()
    rng = random.Random(country.code)
    for city in (*country.landlines, None):
        for _ in range(100):
            number = maker.make(rng, country, city, landline=city is not None)
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.region_code_for_number(parsed) == country.code
            expected = (
                phonenumbers.PhoneNumberType.FIXED_LINE
                if city is not None
                else phonenumbers.PhoneNumberType.MOBILE
            )
            assert phonenumbers.number_type(parsed) in (
                expected,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            )


def test_company_pool_has_unique_domains_and_legal_forms() -> None:
    pool = company_pool(seed=3, size=3000)
    assert pool == company_pool(seed=3, size=3000)
    assert len({c.domain for c in pool}) == len(pool)
    for company in pool:
        assert rules.normalise_email(f"info@{company.domain}") == (f"info@{company.domain}", None)
        forms = {form for form, _ in company.country.legal_forms} | {"SA", "Sàrl"}
        assert any(company.name.endswith(" " + form) for form in forms), company.name
        assert company.name_key == identity_rules.company_key(company.name)
    countries = Counter(c.country.code for c in pool)
    assert countries.most_common(3) == [("DE", countries["DE"]), ("AT", countries["AT"]),
                                        ("CH", countries["CH"])]  # fmt: skip


def test_campaign_keys_are_unique_and_their_utm_values_name_their_channel() -> None:
    plan = CampaignPlan(PERIOD)
    rows = plan.rows()
    assert len({r.key for r in rows}) == len(rows)
    for row in rows:
        assert rules.classify_channel(row.utm_source, row.utm_medium) == Channel(row.channel)
    keys = {r.key for r in rows}
    assert {"newsletter_2023_12", "newsletter_2025_05", "event_dmexco_2024"} <= keys
    assert "newsletter_2025_06" not in keys  # the period ends before June 2025
    assert "li_webinar_lead_scoring_2025q2" in keys


def test_spend_only_for_channels_that_cost_money_and_within_the_campaign() -> None:
    plan = CampaignPlan(PERIOD)
    specs = {s.key: s for s in plan.specs}
    spend = list(plan.spend(seed=1))
    assert spend == list(plan.spend(seed=1))
    assert spend != list(plan.spend(seed=2))
    paying = {Channel.PAID_SEARCH, Channel.PAID_SOCIAL, Channel.DISPLAY, Channel.AFFILIATE,
              Channel.OFFLINE}  # fmt: skip
    assert {specs[s.campaign_key].channel for s in spend} == paying
    days = Counter((s.campaign_key, s.day) for s in spend)
    assert max(days.values()) == 1
    for row in spend:
        spec = specs[row.campaign_key]
        assert spec.active(row.day)
        assert PERIOD.start <= row.day < PERIOD.end
        assert row.amount > Decimal(0)
        assert row.amount == row.amount.quantize(Decimal("0.01"))
        assert row.currency == "EUR"
        if spec.channel is Channel.OFFLINE:
            assert spec.event_days is not None
            assert spec.event_days[0] <= row.day <= spec.event_days[1]
            assert row.clicks is None
        else:
            assert row.clicks is not None
            assert row.impressions is not None
            assert row.impressions >= row.clicks >= 1
    always_on = [s for s in spend if s.campaign_key == "g_search_generic_dach"]
    assert len(always_on) == PERIOD.days


def test_pick_returns_a_running_campaign_of_the_channel() -> None:
    plan = CampaignPlan(PERIOD)
    rng = random.Random(5)
    for index in range(0, PERIOD.days, 7):
        day = PERIOD.day(index)
        for channel in (Channel.PAID_SEARCH, Channel.EMAIL, Channel.OFFLINE, Channel.DISPLAY):
            spec = plan.pick(channel, index, rng.random())
            assert spec is not None
            assert spec.channel is channel
            assert spec.active(day)
        assert plan.pick(Channel.ORGANIC_SEARCH, index, 0.5) is None


def test_fair_days_bring_most_event_leads() -> None:
    plan = CampaignPlan(PERIOD)
    fair = next(s for s in plan.specs if s.key == "event_dmexco_2024")
    assert fair.event_days is not None
    index = (fair.event_days[0] - PERIOD.start).days
    picks = Counter(
        plan.pick(Channel.OFFLINE, index, i / 1000).key  # type: ignore[union-attr]
        for i in range(1000)
    )
    assert picks["event_dmexco_2024"] > 900  # the roadshow campaign gets the rest


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "2025-01-02 03:04:05.000000"),
        (datetime(2025, 1, 2, 3, 4, 5, 120, tzinfo=UTC), "2025-01-02 03:04:05.000120"),
        (None, None),
    ],
)
def test_sqlite_times_are_stored_as_sqlalchemy_stores_them(
    value: datetime | None, stored: str | None
) -> None:
    assert sqlite_time(value) == stored


def test_sqlite_times_must_be_utc() -> None:
    with pytest.raises(ValueError, match="UTC"):
        sqlite_time(datetime(2025, 1, 2, tzinfo=timezone(timedelta(hours=2))))


def test_epoch() -> None:
    assert epoch(date(1970, 1, 2)) == DAY
