"""Forms on both databases: versions, submissions (accepted, invalid, rejected), consent
evidence, hashed IPs, the daily counters and the list with its figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leadwerk.auth.types import Principal, PrincipalKind, Role
from leadwerk.capture.forms import queries, rules
from leadwerk.capture.forms import service as forms
from leadwerk.capture.forms.models import FormStatsDaily, FormSubmission, FormVersion
from leadwerk.capture.forms.types import (
    DailyStats,
    FormDefinition,
    Problem,
    PublishedForm,
    Submission,
    SubmissionStatus,
    Text,
)
from leadwerk.capture.spam.types import EXPIRED_MESSAGE, SpamPolicy
from leadwerk.consent.models import ConsentEvent, ConsentPurpose, ConsentText, OptInRequest
from leadwerk.consent.types import ConsentLinks, EventKind, Method
from leadwerk.errors import NotFound, PermissionDenied, ValidationFailed
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Channel, TouchpointType
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET
from tests.factories.forms import CONTACT, make_form, token

POLICY = SpamPolicy(
    min_fill_seconds=3,
    max_fill_seconds=3600,
    per_ip_limit=0,
    per_ip_window_seconds=600,
    per_form_limit=0,
    per_form_window_seconds=60,
    reject_disposable=True,
)
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
VALUES = {
    "email": "anna.mueller@example.de",
    "first_name": "anna",
    "last_name": "müller",
    "company": "Müller GmbH",
    "country": "DE",
    "interest": "demo",
    "callback": "yes",
}


def _submission(slug: str, **changes: object) -> Submission:
    fields: dict[str, object] = {
        "values": VALUES,
        "consents": frozenset({"privacy", "newsletter"}),
        "language": "de",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (test)",
        "submitted_at": NOW,
        "render_token": token(slug, 12.5, NOW),
        "page_url": "https://www.example.com/kontakt?utm_source=google",
        "referrer": "https://www.google.com/",
        "utm": {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "herbst"},
    }
    fields.update(changes)
    return Submission(**fields)  # type: ignore[arg-type]


def _published(db: Database, slug: str, version: int | None = None) -> PublishedForm:
    with db.read() as session:
        return forms.published(session, slug, version)


def test_saving_a_changed_definition_freezes_a_new_version(db: Database) -> None:
    with db.transaction() as s:
        form = make_form(s, slug="contact")
        form_id = form.id
    with db.transaction() as s:
        _, new = forms.update_form(
            s,
            forms_admin(),
            form_id,
            name="Renamed",
            slug="contact",
            is_active=True,
            definition=CONTACT,
        )
        assert new is False  # only the name changed: no new version
        changed = FormDefinition(**_with_title("Hallo"))  # type: ignore[arg-type]
        saved, new = forms.update_form(
            s,
            forms_admin(),
            form_id,
            name="Renamed",
            slug="kontakt",
            is_active=True,
            definition=changed,
        )
        assert (new, saved.version, saved.slug) == (True, 2, "kontakt")
    with db.read() as s:
        versions = s.execute(
            select(FormVersion.version, FormVersion.definition)
            .where(FormVersion.form_id == form_id)
            .order_by(FormVersion.version)
        ).all()
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1]["title"] == {"en": "Contact us", "de": "Kontakt"}
    assert versions[1][1]["title"] == {"en": "Hallo", "de": ""}
    # A visitor who saw version 1 is judged by version 1; a wrong number falls back to current.
    assert _published(db, "kontakt", 1).definition == CONTACT
    assert _published(db, "kontakt", 1).version == 1
    assert _published(db, "kontakt", 7).version == 2
    assert _published(db, "kontakt").definition.title == Text("Hallo")


def _with_title(title: str) -> dict[str, object]:
    kwargs = {name: getattr(CONTACT, name) for name in FormDefinition.__dataclass_fields__}
    kwargs["title"] = Text(title)
    return kwargs


def forms_admin() -> Principal:
    return Principal(kind=PrincipalKind.USER, id=1, name="Admin", role=Role.ADMIN)


def test_slug_must_be_free_and_sales_may_not_build(db: Database) -> None:
    with db.transaction() as s:
        make_form(s, slug="taken")
    with pytest.raises(ValidationFailed) as caught, db.transaction() as s:
        make_form(s, slug="taken")
    assert caught.value.errors == {"slug": "Another form has this address already."}
    sales = Principal(kind=PrincipalKind.USER, id=2, name="Sam", role=Role.SALES)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        forms.create_form(s, sales, name="X", slug="x", is_active=True, definition=CONTACT)


def test_inactive_and_unknown_forms_are_not_published(db: Database) -> None:
    with db.transaction() as s:
        make_form(s, slug="off", is_active=False)
    for slug in ("off", "nothing-here"):
        with pytest.raises(NotFound), db.read() as s:
            forms.published(s, slug)


def test_an_accepted_submission_makes_a_lead_with_evidence(db: Database) -> None:
    with db.transaction() as s:
        form_id = make_form(s, slug="contact").id
    outcome = forms.receive(
        db, _published(db, "contact"), _submission("contact"), secret=TEST_SECRET, policy=POLICY
    )
    assert outcome.ok
    assert outcome.status is SubmissionStatus.ACCEPTED
    with db.read() as s:
        lead = s.get(Lead, outcome.lead_id)
        assert lead is not None
        assert (lead.email, lead.first_name, lead.last_name, lead.company, lead.country) == (
            "anna.mueller@example.de",
            "Anna",
            "Müller",
            "Müller GmbH",
            "DE",
        )
        assert (lead.source, lead.language, lead.utm_source, lead.utm_campaign) == (
            "form:contact",
            "de",
            "google",
            "herbst",
        )
        assert lead.channel is Channel.PAID_SEARCH
        assert lead.attributes == {"interest": "demo", "callback": True, "campaign": "spring"}
        touch = s.scalars(select(Touchpoint).where(Touchpoint.lead_id == lead.id)).one()
        assert touch.type is TouchpointType.FORM_SUBMISSION
        assert touch.url == "https://www.example.com/kontakt?utm_source=google"
        row = s.get(FormSubmission, outcome.submission_id)
        assert row is not None
        assert (row.form_id, row.lead_id, row.status, row.reason) == (
            form_id,
            lead.id,
            SubmissionStatus.ACCEPTED,
            None,
        )
        assert row.ip_hash == rules.hash_ip(TEST_SECRET, "203.0.113.7")
        assert row.fill_seconds == 12.5
        assert row.user_agent == "Mozilla/5.0 (test)"
        assert row.payload["values"]["email"] == "anna.mueller@example.de"
        assert row.payload["consents"] == [
            {
                "purpose": "newsletter",
                "text": "Senden Sie mir den monatlichen Newsletter.",
                "language": "de",
                "given_at": "2026-11-22T09:30:00+00:00",
                "ip": "203.0.113.7",
                "form_version": 1,
            },
            {
                "purpose": "privacy",
                "text": "Ich habe den Datenschutzhinweis gelesen.",
                "language": "de",
                "given_at": "2026-11-22T09:30:00+00:00",
                "ip": "203.0.113.7",
                "form_version": 1,
            },
        ]
        assert "203.0.113.7" not in str({k: v for k, v in row.payload.items() if k != "consents"})
        assert queries.daily_stats(s, form_id, NOW.date()) == [
            DailyStats("2026-11-22", views=0, submissions=1, rejected=0)
        ]


def test_invalid_input_is_answered_and_not_stored(db: Database) -> None:
    with db.transaction() as s:
        form_id = make_form(s, slug="contact").id
    outcome = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", values={**VALUES, "email": "anna@"}, consents=frozenset()),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    assert outcome.errors == {
        "email": Problem(rules.BAD_EMAIL),
        "consent_privacy": Problem(rules.MUST_TICK),
    }
    with db.read() as s:
        assert (
            s.scalars(select(FormSubmission).where(FormSubmission.form_id == form_id)).all() == []
        )
        assert s.scalars(select(Lead)).all() == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"honeypot": "http://spam.example"}, "honeypot"),
        ({"render_token": token("contact", 1.0, NOW)}, "too_fast"),
        ({"render_token": "forged.token"}, "too_fast"),
        ({"values": {**VALUES, "email": "x@mailinator.com"}}, "disposable_email"),
    ],
)
def test_spam_is_stored_as_rejected_and_never_becomes_a_lead(
    db: Database, changes: dict[str, object], reason: str
) -> None:
    with db.transaction() as s:
        form_id = make_form(s, slug="contact").id
    outcome = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", **changes),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    assert outcome.ok  # the visitor is thanked all the same
    assert (outcome.status, outcome.reason, outcome.lead_id) == (
        SubmissionStatus.REJECTED,
        reason,
        None,
    )
    with db.read() as s:
        assert s.scalars(select(Lead)).all() == []
        row = s.get(FormSubmission, outcome.submission_id)
        assert row is not None
        assert row.status is SubmissionStatus.REJECTED
        assert "consents" not in row.payload
        assert queries.daily_stats(s, form_id, NOW.date()) == [
            DailyStats("2026-11-22", views=0, submissions=0, rejected=1)
        ]


def test_an_expired_render_asks_to_send_again(db: Database) -> None:
    with db.transaction() as s:
        make_form(s, slug="contact")
    outcome = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", render_token=token("contact", 7200, NOW)),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    assert (outcome.ok, outcome.form_error, outcome.submission_id) == (
        False,
        Problem(EXPIRED_MESSAGE),
        None,
    )


def test_views_and_submissions_add_up_per_day(db: Database) -> None:
    with db.transaction() as s:
        first = make_form(s, slug="first", name="First").id
        second = make_form(s, slug="second", name="Second").id
    yesterday = NOW - timedelta(days=1)
    for when in (yesterday, NOW, NOW, NOW):
        with db.transaction() as s:
            forms.record_view(s, first, when)
    forms.receive(
        db, _published(db, "first"), _submission("first"), secret=TEST_SECRET, policy=POLICY
    )
    forms.receive(
        db,
        _published(db, "first"),
        _submission("first", honeypot="x"),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    with db.read() as s:
        listed = {f.slug: f for f in queries.list_forms(s)}
        days = queries.daily_stats(s, first, yesterday.date())
    assert (listed["first"].views, listed["first"].submissions, listed["first"].rejected) == (
        4,
        1,
        1,
    )
    assert listed["first"].conversion_rate == 0.25
    assert (listed["second"].views, listed["second"].conversion_rate) == (0, None)
    assert [(d.day, d.views, d.submissions, d.rejected) for d in days] == [
        ("2026-11-22", 3, 1, 1),
        ("2026-11-21", 1, 0, 0),
    ]
    assert second > first


def test_the_tracking_visitor_is_stitched_to_the_lead(db: Database) -> None:
    from leadwerk.capture.tracking.models import Visitor

    with db.transaction() as s:
        make_form(s, slug="contact")
    outcome = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", visitor_id="vid_0123456789abcdef"),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    ignored = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", values={**VALUES, "email": "b@example.de"}, visitor_id="<bad id>"),
        secret=TEST_SECRET,
        policy=POLICY,
    )
    assert ignored.ok
    with db.read() as s:
        visitors = s.execute(select(Visitor.anonymous_id, Visitor.lead_id)).all()
    assert [tuple(v) for v in visitors] == [("vid_0123456789abcdef", outcome.lead_id)]


def test_many_views_spread_over_shards_and_sum_up(db: Database) -> None:
    with db.transaction() as s:
        form_id = make_form(s, slug="busy").id
    for _ in range(40):
        with db.transaction() as s:
            forms.record_view(s, form_id, NOW)
    with db.read() as s:
        rows = s.scalars(select(FormStatsDaily).where(FormStatsDaily.form_id == form_id)).all()
        assert queries.daily_stats(s, form_id, NOW.date()) == [
            DailyStats("2026-11-22", views=40, submissions=0, rejected=0)
        ]
    assert 1 < len(rows) <= forms.STATS_SHARDS
    assert sum(r.views for r in rows) == 40


def test_ticked_consent_purposes_go_into_the_ledger_with_the_wording_shown(db: Database) -> None:
    """The form words the newsletter its own way: that wording becomes a text version of its
    own, the ledger entry names it; the privacy notice (no consent purpose) stays evidence of
    the submission; the newsletter needs double opt-in, so its email goes out."""
    with db.transaction() as s:
        make_form(s, slug="contact")
    links = ConsentLinks("https://leads.example", TEST_SECRET)
    outcome = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact"),
        secret=TEST_SECRET,
        policy=POLICY,
        links=links,
    )
    assert outcome.ok
    with db.read() as s:
        (event,) = s.scalars(select(ConsentEvent)).all()
        assert (event.lead_id, event.purpose, event.kind, event.method) == (
            outcome.lead_id,
            "newsletter",
            EventKind.CONFIRMATION_REQUESTED,
            Method.FORM,
        )
        assert (event.ip, event.user_agent, event.method_ref) == (
            "203.0.113.7",
            "Mozilla/5.0 (test)",
            "form:contact",
        )
        assert event.occurred_at == NOW
        text = s.get(ConsentText, event.text_id)
        assert text is not None
        assert (text.language, text.version, text.text, text.created_by) == (
            "de",
            2,
            "Senden Sie mir den monatlichen Newsletter.",
            "form:contact@1",
        )
        assert s.scalars(select(OptInRequest.purpose)).all() == ["newsletter"]
    again = forms.receive(
        db,
        _published(db, "contact"),
        _submission("contact", values={**VALUES, "email": "b@example.de"}),
        secret=TEST_SECRET,
        policy=POLICY,
        links=links,
    )
    assert again.ok
    with db.read() as s:  # the same wording: the same version, not a third one
        versions = s.scalars(
            select(ConsentText.version)
            .where(ConsentText.language == "de")
            .join(ConsentPurpose, ConsentPurpose.id == ConsentText.purpose_id)
            .where(ConsentPurpose.name == "newsletter")
        ).all()
        assert sorted(versions) == [1, 2]
