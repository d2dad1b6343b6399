"""Survivorship, rule by rule: which value a merge keeps, and what it records as lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from leadwerk.identity.survivorship import Decision, Kept, Why, source_rank, survive, to_restore

OLD = datetime(2025, 1, 1, tzinfo=UTC)
NEW = datetime(2026, 6, 1, tzinfo=UTC)


def lead(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "email": None,
        "email_key": None,
        "email_status": None,
        "domain": None,
        "phone": None,
        "phone_key": None,
        "phone_status": None,
        "first_name": None,
        "last_name": None,
        "name_key": None,
        "company": None,
        "company_key": None,
        "job_title": None,
        "seniority": None,
        "job_function": None,
        "country": None,
        "language": None,
        "source": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "channel": "direct",
        "stage": "lead",
        "temperature": "cold",
        "fit_score": 0,
        "engagement_score": 0,
        "score": 0,
        "grade": None,
        "owner_id": None,
        "team_id": None,
        "account_id": None,
        "attributes": {},
        "last_activity_at": None,
        "restricted_at": None,
        "profiling_objected_at": None,
        "created_at": OLD,
        "updated_at": OLD,
    }
    return {**base, **values}


def email(address: str, status: str = "valid") -> dict[str, Any]:
    return {
        "email": address,
        "email_key": address.lower(),
        "email_status": status,
        "domain": address.split("@")[1],
    }


def decision(outcome_decisions: list[Decision], field: str) -> Decision:
    return next(d for d in outcome_decisions if d.field == field)


def test_a_value_only_the_merged_lead_has_fills_the_gap() -> None:
    outcome = survive(lead(**email("a@x.de")), lead(phone="+4930123", phone_status="landline"))
    assert outcome.values["phone"] == "+4930123"
    assert outcome.values["phone_status"] == "landline"
    assert outcome.values["email"] == "a@x.de"
    assert decision(outcome.decisions, "phone") == Decision(
        "phone", "+4930123", None, Kept.MERGED, Why.ONLY_ONE
    )
    assert [d.field for d in outcome.decisions] == ["phone"]


def test_the_more_recent_value_wins_and_the_other_is_recorded_as_lost() -> None:
    survivor = lead(**email("a@x.de"), updated_at=OLD)
    merged = lead(**email("anna@y.de"), updated_at=NEW)
    outcome = survive(survivor, merged)
    assert (outcome.values["email"], outcome.values["email_key"], outcome.values["domain"]) == (
        "anna@y.de",
        "anna@y.de",
        "y.de",
    )
    assert decision(outcome.decisions, "email") == Decision(
        "email", "anna@y.de", "a@x.de", Kept.MERGED, Why.MORE_RECENT
    )


def test_a_verified_value_beats_a_more_recent_unverified_one() -> None:
    survivor = lead(**email("a@x.de", "valid"), updated_at=OLD)
    merged = lead(**email("info@y.de", "role"), updated_at=NEW)
    outcome = survive(survivor, merged)
    assert outcome.values["email"] == "a@x.de"
    assert decision(outcome.decisions, "email").why is Why.VERIFIED
    phone_survivor = lead(phone="+49301", phone_status="unverified", updated_at=NEW)
    phone_merged = lead(phone="+49302", phone_status="mobile", updated_at=OLD)
    assert survive(phone_survivor, phone_merged).values["phone"] == "+49302"


def test_source_priority_beats_recency_and_verification() -> None:
    survivor = lead(**email("a@x.de", "role"), source="crm", updated_at=OLD)
    merged = lead(**email("b@y.de", "valid"), source="form:messe", updated_at=NEW)
    kept = survive(survivor, merged, priority=["crm", "form"])
    assert kept.values["email"] == "a@x.de"
    assert decision(kept.decisions, "email").why is Why.SOURCE_PRIORITY
    flipped = survive(survivor, merged, priority=["form", "crm"])
    assert flipped.values["email"] == "b@y.de"


@pytest.mark.parametrize(
    ("source", "rank"),
    [("crm", 0), ("form:messe", 1), ("form", 1), ("import", 2), (None, 2), ("formular", 2)],
)
def test_source_rank(source: str | None, rank: int) -> None:
    assert source_rank(source, ["crm", "form"]) == rank


def test_a_name_stays_whole() -> None:
    survivor = lead(first_name="Anna", last_name="Müller", name_key="anna mueller")
    merged = lead(first_name="Anne", last_name="Mueller-Schmidt", name_key="x", updated_at=NEW)
    outcome = survive(survivor, merged)
    assert (outcome.values["first_name"], outcome.values["last_name"]) == (
        "Anne",
        "Mueller-Schmidt",
    )
    assert outcome.values["name_key"] == "x"
    assert decision(outcome.decisions, "name").lost == "Anna Müller"


def test_equal_values_keep_the_survivor_and_record_nothing() -> None:
    outcome = survive(lead(country="DE"), lead(country="DE", updated_at=NEW))
    assert outcome.values["country"] == "DE"
    assert outcome.decisions == []


def test_first_touch_comes_from_the_lead_created_first() -> None:
    survivor = lead(
        source="api", utm_source="newsletter", channel="email", created_at=NEW, updated_at=NEW
    )
    merged = lead(source="form:messe", utm_source="google", channel="paid_search", created_at=OLD)
    outcome = survive(survivor, merged)
    assert (outcome.values["source"], outcome.values["utm_source"]) == ("form:messe", "google")
    assert outcome.values["channel"] == "paid_search"
    assert outcome.values["created_at"] == OLD
    assert decision(outcome.decisions, "channel").why is Why.FIRST_TOUCH


def test_a_later_lead_with_attribution_wins_over_an_earlier_one_without() -> None:
    survivor = lead(channel="direct", created_at=OLD)
    merged = lead(utm_source="google", channel="paid_search", created_at=NEW)
    outcome = survive(survivor, merged)
    assert (outcome.values["utm_source"], outcome.values["channel"]) == ("google", "paid_search")


@pytest.mark.parametrize(
    ("survivor_stage", "merged_stage", "kept"),
    [
        ("lead", "mql", "mql"),
        ("customer", "sql", "customer"),
        ("disqualified", "subscriber", "subscriber"),
        ("recycled", "disqualified", "recycled"),
        ("opportunity", "opportunity", "opportunity"),
    ],
)
def test_the_stage_furthest_along_wins(survivor_stage: str, merged_stage: str, kept: str) -> None:
    outcome = survive(lead(stage=survivor_stage), lead(stage=merged_stage))
    assert outcome.values["stage"] == kept


def test_hotter_and_higher_win_and_the_grade_goes_with_the_fit() -> None:
    survivor = lead(temperature="hot", fit_score=40, engagement_score=5, score=45, grade="B")
    merged = lead(temperature="warm", fit_score=70, engagement_score=2, score=72, grade="A")
    values = survive(survivor, merged).values
    assert (values["temperature"], values["fit_score"], values["engagement_score"]) == (
        "hot",
        70,
        5,
    )
    assert (values["score"], values["grade"]) == (72, "A")


def test_owner_and_team_stay_with_the_survivor_unless_it_has_none() -> None:
    assert survive(lead(owner_id=1), lead(owner_id=2, team_id=3)).values["team_id"] is None
    values = survive(lead(), lead(owner_id=2, team_id=3)).values
    assert (values["owner_id"], values["team_id"]) == (2, 3)
    assert survive(lead(), lead(account_id=9)).values["account_id"] == 9
    assert survive(lead(account_id=8), lead(account_id=9)).values["account_id"] == 8


def test_attributes_are_united_and_a_clash_is_decided_like_a_field() -> None:
    survivor = lead(attributes={"size": "50", "fair": "CeBIT"}, updated_at=OLD)
    merged = lead(attributes={"size": "200", "budget": "10k"}, updated_at=NEW)
    outcome = survive(survivor, merged)
    assert outcome.values["attributes"] == {"size": "200", "fair": "CeBIT", "budget": "10k"}
    assert decision(outcome.decisions, "attributes.size") == Decision(
        "attributes.size", "200", "50", Kept.MERGED, Why.MORE_RECENT
    )


def test_last_activity_is_the_later_one() -> None:
    assert (
        survive(lead(last_activity_at=OLD), lead(last_activity_at=NEW)).values["last_activity_at"]
        == NEW
    )
    assert survive(lead(), lead()).values["last_activity_at"] is None


def test_to_restore_puts_back_only_what_nobody_changed_since() -> None:
    before = {"email": "a@x.de", "phone": None, "stage": "lead"}
    set_by_merge = {"email": "b@y.de", "phone": "+4930", "stage": "mql"}
    now = {"email": "b@y.de", "phone": "+4940", "stage": "mql"}
    assert to_restore(before, set_by_merge, now) == {"email": "a@x.de", "stage": "lead"}


def test_a_restriction_or_objection_of_either_lead_holds() -> None:
    values = survive(lead(), lead(restricted_at=NEW, profiling_objected_at=OLD)).values
    assert (values["restricted_at"], values["profiling_objected_at"]) == (NEW, OLD)
    both = survive(lead(restricted_at=NEW), lead(restricted_at=OLD)).values
    assert both["restricted_at"] == OLD
