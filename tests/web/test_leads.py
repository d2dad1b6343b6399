"""The lead list and detail through the UI: the API's filters, htmx partials, who sees what,
the edit form, and the number of queries a list page costs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from starlette.testclient import TestClient

from leadwerk.auth.models import AuditEntry, User
from leadwerk.auth.types import Role
from leadwerk.leads.models import Lead, StageChange
from leadwerk.leads.types import Stage
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.auth import make_team, make_user
from tests.factories.leads import make_lead
from tests.web.conftest import page_token, sign_in, signed_in

LEAD_LINK = re.compile(r'<th scope="row" data-label="[^"]+"><a href="/leads/(\d+)">')


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@dataclass
class Journey:
    rep: User  # sales, in the team
    loner: User  # sales, no team
    leads: dict[str, int]


@pytest.fixture
def journey(db: Database) -> Journey:
    """Five leads: owned by a rep in a team, by a rep alone, held by the team, and unowned."""
    with db.transaction() as s:
        team = make_team(s, "Vertrieb Nord")
        rep = make_user(s, role=Role.SALES, team=team)
        loner = make_user(s, role=Role.SALES)
        google = {"utm_source": "google", "utm_medium": "cpc"}
        rows: dict[str, Lead] = {
            "a": make_lead(
                s, first_name="Anna", last_name="Müller", company="Müller GmbH", **google,
                stage=Stage.MQL, owner_id=rep.id, created_at=_at("2026-03-01T09:00"),
            ),
            "b": make_lead(
                s, first_name="Ben", utm_source="newsletter", utm_medium="email",
                stage=Stage.LEAD, owner_id=loner.id, created_at=_at("2026-03-10T09:00"),
            ),
            "c": make_lead(
                s, first_name="Clara", **google, stage=Stage.MQL, team_id=team.id,
                created_at=_at("2026-03-20T09:00"),
            ),
            "d": make_lead(
                s, first_name="Dirk", stage=Stage.SQL, created_at=_at("2026-04-02T09:00"),
            ),
            "e": make_lead(
                s, first_name="Eva", utm_source="bing", utm_medium="organic",
                stage=Stage.CUSTOMER, owner_id=loner.id, created_at=_at("2026-04-03T09:00"),
            ),
        }  # fmt: skip
        return Journey(rep=rep, loner=loner, leads={k: v.id for k, v in rows.items()})


def _ui_ids(html: str) -> list[int]:
    return [int(x) for x in LEAD_LINK.findall(html)]


def _names(journey: Journey, ids: list[int]) -> list[str]:
    by_id = {v: k for k, v in journey.leads.items()}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["e", "d", "c", "b", "a"]),
        ("stage=mql", ["c", "a"]),
        ("stage=mql&channel=paid_search&created_from=2026-03-15", ["c"]),
        ("unowned=true", ["d", "c"]),
        ("q=m%C3%BCller", ["a"]),
        ("q=MUELLER", ["a"]),
        ("created_from=2026-03-05&created_to=2026-04-03", ["d", "c", "b"]),
        ("channel=email", ["b"]),
    ],
)
def test_list_filters_give_what_the_api_gives(
    client: TestClient, db: Database, journey: Journey, query: str, expected: list[str]
) -> None:
    signed_in(client, db, Role.MARKETING)
    ui = client.get(f"/leads?{query}")
    assert ui.status_code == 200
    api = client.get(f"/api/v1/leads?{query}", headers=bearer(db))
    assert api.status_code == 200, api.text
    api_ids = [item["id"] for item in api.json()["items"]]
    assert _names(journey, _ui_ids(ui.text)) == expected
    assert _ui_ids(ui.text) == api_ids


def test_owner_filter_and_names(client: TestClient, db: Database, journey: Journey) -> None:
    signed_in(client, db, Role.MARKETING)
    r = client.get(f"/leads?owner_id={journey.loner.id}")
    assert _names(journey, _ui_ids(r.text)) == ["e", "b"]
    assert r.text.count(f'<td data-label="Owner">{journey.loner.name}</td>') == 2
    assert f'<option value="{journey.loner.id}" selected>{journey.loner.name}</option>' in r.text


def test_filter_form_keeps_its_values(client: TestClient, db: Database, journey: Journey) -> None:
    signed_in(client, db)
    r = client.get(
        "/leads?stage=mql&channel=paid_search&created_from=2026-03-15&q=cla&unowned=true"
    )
    assert '<option value="mql" selected>Marketing qualified (MQL)</option>' in r.text
    assert '<option value="paid_search" selected>Paid Search</option>' in r.text
    assert 'name="created_from" type="date" value="2026-03-15"' in r.text
    assert 'type="search" value="cla"' in r.text
    assert 'name="unowned" type="checkbox" value="true" checked' in r.text


def test_pages_follow_the_cursor_and_keep_the_filter(
    client: TestClient, db: Database, journey: Journey
) -> None:
    signed_in(client, db)
    first = client.get("/leads?limit=2&created_from=2026-03-05")
    assert _names(journey, _ui_ids(first.text)) == ["e", "d"]
    next_url = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert next_url is not None
    url = next_url.group(1).replace("&amp;", "&")
    assert url.startswith("/leads?created_from=2026-03-05T00%3A00%3A00%2B00%3A00&limit=2&cursor=")
    second = client.get(url)
    assert _names(journey, _ui_ids(second.text)) == ["c", "b"]
    assert ">First page</a>" in second.text
    assert 'rel="next"' not in second.text


def test_invalid_filter_names_the_field(client: TestClient, db: Database, journey: Journey) -> None:
    signed_in(client, db)
    r = client.get("/leads?stage=bogus&owner_id=x")
    assert r.status_code == 422
    assert _ui_ids(r.text) == []
    assert (
        "<li>Stage: Unknown stage &#39;bogus&#39;; use one of subscriber, lead, mql, sql, "
        "opportunity, customer, disqualified, recycled.</li>"
    ) in r.text
    assert "<li>Owner: owner_id must be a whole number, not &#39;x&#39;.</li>" in r.text


def test_htmx_gets_only_the_results(client: TestClient, db: Database, journey: Journey) -> None:
    signed_in(client, db)
    full = client.get("/leads?stage=mql")
    partial = client.get("/leads?stage=mql", headers={"HX-Request": "true"})
    restore = client.get(
        "/leads?stage=mql",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert full.text.startswith("<!doctype html>")
    assert 'hx-target="#lead-results"' in full.text
    assert "<html" not in partial.text
    assert "<form" not in partial.text
    assert _ui_ids(partial.text) == _ui_ids(full.text) == [journey.leads["c"], journey.leads["a"]]
    assert restore.text.startswith("<!doctype html>")


def test_a_sales_rep_sees_own_and_team_leads_only(
    client: TestClient, db: Database, journey: Journey
) -> None:
    sign_in(client, db, journey.rep)
    assert _names(journey, _ui_ids(client.get("/leads").text)) == ["c", "a"]
    assert _names(journey, _ui_ids(client.get("/leads?stage=mql").text)) == ["c", "a"]
    assert client.get(f"/leads/{journey.leads['c']}").status_code == 200
    hidden = client.get(f"/leads/{journey.leads['b']}")
    assert hidden.status_code == 404
    assert "This page does not exist, or it is not visible to you." in hidden.text
    assert "Ben" not in hidden.text
    sign_in(client, db, journey.loner)
    assert _names(journey, _ui_ids(client.get("/leads").text)) == ["e", "b"]


def test_a_sales_rep_cannot_edit_a_lead_of_someone_else(
    client: TestClient, db: Database, journey: Journey
) -> None:
    sign_in(client, db, journey.rep)
    token = page_token(client, "/leads")
    r = client.post(
        f"/leads/{journey.leads['b']}",
        data={**_form(stage="customer"), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 404
    with db.read() as s:
        assert s.get(Lead, journey.leads["b"]).stage is Stage.LEAD  # type: ignore[union-attr]


def _form(**changes: str) -> dict[str, str]:
    base = {
        "stage": "lead",
        "temperature": "cold",
        "owner_id": "",
        "first_name": "Ben",
        "last_name": "",
        "email": "",
        "phone": "",
        "company": "",
        "job_title": "",
        "country": "",
    }
    return {**base, **changes}


TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "job_title", "country")


def _form_of(lead: Lead, **changes: str) -> dict[str, str]:
    values = {
        "stage": lead.stage.value,
        "temperature": lead.temperature.value,
        "owner_id": str(lead.owner_id or ""),
        **{name: getattr(lead, name) or "" for name in TEXT_FIELDS},
    }
    return {**values, **changes}


def _lead(db: Database, lead_id: int) -> Lead:
    with db.read() as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None
        return lead


def test_edit_saves_only_what_changed(client: TestClient, db: Database, journey: Journey) -> None:
    admin = signed_in(client, db)
    lead_id = journey.leads["d"]
    token = page_token(client, f"/leads/{lead_id}")
    form = _form_of(
        _lead(db, lead_id), stage="opportunity", owner_id=str(journey.rep.id), job_title="  CTO "
    )
    r = client.post(f"/leads/{lead_id}", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/leads/{lead_id}?notice=saved"
    lead = _lead(db, lead_id)
    assert (lead.stage, lead.owner_id, lead.job_title) == (Stage.OPPORTUNITY, journey.rep.id, "CTO")
    with db.read() as s:
        history = list(s.scalars(select(StageChange).where(StageChange.lead_id == lead_id)))
        assert [(h.from_stage, h.to_stage, h.actor) for h in history] == [
            (Stage.SQL, Stage.OPPORTUNITY, f"user:{admin.id}")
        ]
        audit = s.scalars(
            select(AuditEntry).where(
                AuditEntry.subject_id == str(lead_id), AuditEntry.action == "lead.updated"
            )
        ).one()
        assert audit.details["changes"] == {
            "stage": {"from": "sql", "to": "opportunity"},
            "owner_id": {"from": None, "to": journey.rep.id},
            "job_title": {"from": None, "to": "CTO"},
            # derived from the title, so they follow it
            "seniority": {"from": None, "to": "executive"},
            "job_function": {"from": None, "to": "engineering"},
        }
    page = client.get(r.headers["location"])
    assert '<p class="alert alert--ok" role="status">The lead was saved.</p>' in page.text
    assert "Stage: SQL" not in page.text
    assert '<p class="timeline__title">Stage: Sales qualified (SQL) → Opportunity</p>' in page.text
    assert f"<dt>Owner</dt><dd>– → {journey.rep.name}</dd>" in page.text
    assert f'<p class="timeline__actor">by {admin.name}</p>' in page.text


def test_edit_with_a_bad_field_shows_the_form_again(
    client: TestClient, db: Database, journey: Journey
) -> None:
    signed_in(client, db)
    lead_id = journey.leads["a"]
    token = page_token(client, f"/leads/{lead_id}")
    before = _lead(db, lead_id)
    form = _form_of(before, email="not-an-email", job_title="Head of <Sales>", first_name="A" * 101)
    r = client.post(f"/leads/{lead_id}", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422
    errors = re.findall(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>', r.text)
    assert errors == [("first_name", "At most 100 characters, not 101.")]
    assert 'value="Head of &lt;Sales&gt;"' in r.text  # the input is kept, escaped
    r = client.post(
        f"/leads/{lead_id}",
        data={**form, "first_name": "Anna", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 422
    errors = re.findall(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>', r.text)
    assert errors == [
        (
            "email",
            "&#39;not-an-email&#39; is not a valid email address: An email address must have "
            "an @-sign.",
        )
    ]
    assert 'id="f-email" name="email" type="email" value="not-an-email"' in r.text
    assert 'aria-invalid="true" aria-describedby="f-email-error"' in r.text
    after = _lead(db, lead_id)
    assert (after.email, after.job_title, after.first_name) == (before.email, None, "Anna")


def test_a_rep_who_hands_a_lead_over_goes_back_to_the_list(
    client: TestClient, db: Database, journey: Journey
) -> None:
    sign_in(client, db, journey.rep)
    lead_id = journey.leads["a"]
    token = page_token(client, f"/leads/{lead_id}")
    form = _form_of(_lead(db, lead_id), owner_id=str(journey.loner.id))
    r = client.post(f"/leads/{lead_id}", data={**form, "csrf_token": token}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/leads?notice=handed_over")
    assert _lead(db, lead_id).owner_id == journey.loner.id
    assert "It belongs to someone else now" in client.get(r.headers["location"]).text


def test_detail_shows_first_touch_attributes_and_timeline(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as s:
        lead = make_lead(
            s,
            email="jo@example.com",
            first_name="Jo",
            utm_source="linkedin",
            utm_medium="paid_social",
            utm_campaign="fruehjahr",
            attributes={"budget": "<50k", "seats": 12},
        )
    r = client.get(f"/leads/{lead.id}")
    assert r.status_code == 200
    assert "<dt>UTM campaign</dt><dd>fruehjahr</dd>" in r.text
    assert "<dt>Channel</dt><dd>Paid Social</dd>" in r.text
    assert "<dt>budget</dt><dd>&lt;50k</dd>" in r.text
    assert "<dt>seats</dt><dd>12</dd>" in r.text
    titles = re.findall(r'<p class="timeline__title">([^<]*)</p>', r.text)
    assert sorted(titles) == ["Lead created", "Received through the API"]


def test_markup_in_lead_data_is_shown_as_text(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as s:
        lead = make_lead(s, email="x@example.com", company='<script>alert("x")</script>')
    listing = client.get("/leads").text
    detail = client.get(f"/leads/{lead.id}").text
    for html in (listing, detail):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@contextmanager
def _count_selects(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_list_page_costs_the_same_queries_for_few_and_many_leads(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    with db.transaction() as s:
        owners = [make_user(s, role=Role.SALES) for _ in range(6)]
        for i in range(3):
            make_lead(s, owner_id=owners[i].id)
    with _count_selects(db) as few:
        assert client.get("/leads").status_code == 200
    with db.transaction() as s:
        for i in range(30):
            make_lead(s, owner_id=owners[i % 6].id)
    with _count_selects(db) as many:
        page = client.get("/leads")
    assert len(_ui_ids(page.text)) == 33
    # the session, the page of leads, the users (filter options and owner names)
    assert len(few) == len(many) == 3


@pytest.mark.parametrize("path", ["/leads/0", "/leads/99999999999999999999", "/leads/abc"])
def test_impossible_lead_ids_are_unknown_pages(client: TestClient, db: Database, path: str) -> None:
    signed_in(client, db)
    r = client.get(path)
    assert r.status_code == 404
    assert "<h1>Not found</h1>" in r.text
