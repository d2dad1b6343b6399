"""Pure rules of inbound hooks: payloads from the platforms' documentation → exact Intakes, and
the checks of keys and signatures.

Fixtures (tests/fixtures/hooks/README.md) are written from:
- https://developers.google.com/google-ads/webhook/docs/implementation
- https://developers.facebook.com/docs/graph-api/webhooks/getting-started
- https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leadwerk.capture.hooks import rules
from leadwerk.capture.hooks.types import MetaLead, MetaLeadRef, PayloadError
from leadwerk.capture.rules import classify_channel
from leadwerk.capture.types import Intake
from leadwerk.delivery import rules as signing
from leadwerk.leads.types import Channel, TouchpointType

FIXTURES = Path(__file__).parents[3] / "fixtures" / "hooks"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- Google Ads --------------------------------------------------------------------------------


def test_google_lead_from_the_documented_payload() -> None:
    parsed = rules.parse_google(fixture("google_ads_lead.json"))
    assert parsed.external_id == "Lw-7f3a9c21-GAds-0001"
    assert parsed.intake == Intake(
        email="Juergen.vdBerg@Example.COM",
        first_name="Jürgen",
        last_name="van der Berg",
        phone="+49 30 1234567",
        company="Berg Maschinenbau GmbH",
        job_title="Head of Purchasing",
        country="Germany",
        source="google_ads",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="50000000456",
        attributes={
            "google_ads": {
                "lead_id": "Lw-7f3a9c21-GAds-0001",
                "form_id": "40000000123",
                "campaign_id": "50000000456",
                "adgroup_id": "20000000789",
                "creative_id": "30000000111",
                "gclid": "EAIaIQobChMI-fixture-gclid",
                "api_version": "1.0",
            },
            "postal_code": "10115",
            "city": "Berlin",
            "answers": {"How many machines do you run?": "11-50"},
        },
        touchpoint_type=TouchpointType.AD_LEAD_FORM,
        occurred_at=datetime(2026, 9, 26, 12, 30, tzinfo=UTC),
    )
    assert classify_channel("google", "cpc") is Channel.PAID_SEARCH


def test_google_test_lead_is_marked_and_full_name_split() -> None:
    parsed = rules.parse_google(fixture("google_ads_test_lead.json"))
    intake = parsed.intake
    assert (intake.first_name, intake.last_name) == ("FirstName", "LastName")
    assert (intake.email, intake.phone) == ("test@example.com", "+16505550123")
    assert intake.attributes["test_lead"] is True
    assert intake.attributes["answers"] == {"What is your preferred dealership?": "Downtown"}
    assert intake.occurred_at is None


def test_google_work_email_only_where_the_personal_one_is_missing() -> None:
    payload = {
        "lead_id": "x1",
        "user_column_data": [
            {"column_id": "WORK_EMAIL", "string_value": "a@firma.de"},
            {"column_id": "WORK_PHONE", "string_value": "+49 89 123456"},
        ],
    }
    intake = rules.parse_google(payload).intake
    assert (intake.email, intake.phone) == ("a@firma.de", "+49 89 123456")
    assert "test_lead" not in intake.attributes


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "The payload is not a JSON object."),
        ({"lead_id": "1"}, "The payload has no user_column_data list."),
        (
            {"lead_id": "1", "user_column_data": [{"column_id": "CITY", "string_value": "Ulm"}]},
            "No email address and no phone number in user_column_data.",
        ),
    ],
)
def test_google_payload_errors(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        rules.parse_google(payload)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("expected", "payload", "valid"),
    [
        ("k1", {"google_key": "k1"}, True),
        ("k1", {"google_key": "k2"}, False),
        ("k1", {"google_key": "k1 "}, False),
        ("k1", {}, False),
        ("k1", {"google_key": 1}, False),
        ("", {"google_key": ""}, False),
        ("k1", ["google_key", "k1"], False),
    ],
)
def test_google_key(expected: str, payload: Any, valid: bool) -> None:
    assert rules.google_key_valid(expected, payload) is valid


# --- Meta ----------------------------------------------------------------------------------


def test_meta_handshake() -> None:
    assert rules.meta_challenge("vt", "subscribe", "vt", "1158201444") == "1158201444"
    assert rules.meta_challenge("vt", "subscribe", "other", "1158201444") is None
    assert rules.meta_challenge("vt", "unsubscribe", "vt", "1158201444") is None
    assert rules.meta_challenge("vt", "subscribe", None, "1158201444") is None
    assert rules.meta_challenge("vt", "subscribe", "vt", None) is None
    assert rules.meta_challenge(None, "subscribe", "", "1") is None


def test_meta_signature() -> None:
    body = b'{"object":"page","entry":[]}'
    header = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert rules.meta_signature("app-secret", body) == header
    assert rules.meta_signature_valid("app-secret", header, body)
    assert rules.meta_signature_valid(
        "app-secret", header.upper().replace("SHA256", "sha256"), body
    )
    assert not rules.meta_signature_valid("app-secret", header, body + b" ")
    assert not rules.meta_signature_valid("other-secret", header, body)
    assert not rules.meta_signature_valid("app-secret", None, body)
    assert not rules.meta_signature_valid("app-secret", header.removeprefix("sha256="), body)
    sha1 = "sha1=" + hmac.new(b"app-secret", body, hashlib.sha1).hexdigest()
    assert not rules.meta_signature_valid("app-secret", sha1, body)


def test_meta_notification_with_several_entries_and_changes() -> None:
    refs = rules.meta_lead_refs(fixture("meta_leadgen_notification.json"))
    assert refs == [
        MetaLeadRef(
            leadgen_id="130528934038370",
            page_id="230076207144371",
            form_id="129595594131704",
            ad_id="6123450000001",
            adgroup_id="6123450000002",
            created_time=1790000001,
        ),
        MetaLeadRef(
            leadgen_id="130528934038371",
            page_id="230076207144371",
            form_id="129595594131704",
            ad_id="6123450000001",
            adgroup_id="6123450000002",
            created_time=1790000001,
        ),
        MetaLeadRef(
            leadgen_id="130528934038372",
            page_id="230076207144371",
            form_id="129595594131704",
            ad_id="0",
            adgroup_id="0",
            created_time=1790000004,
        ),
    ]
    assert rules.meta_ref_from_document(rules.meta_ref_document(refs[2])) == refs[2]


def test_meta_notification_ignores_other_fields_and_refuses_garbage() -> None:
    other = {"object": "page", "entry": [{"changes": [{"field": "feed", "value": {"x": 1}}]}]}
    assert rules.meta_lead_refs(other) == []
    with pytest.raises(PayloadError, match="no entry list"):
        rules.meta_lead_refs({"object": "page"})


def test_meta_lead_from_the_graph_answer() -> None:
    lead = rules.meta_lead_from_graph(fixture("meta_graph_lead.json"))
    assert lead == MetaLead(
        id="130528934038370",
        created_time="2026-09-21T14:13:21+0000",
        fields={
            "full_name": "Renée d'Arcy",
            "email": "renee.darcy@example.org",
            "phone_number": "+43 1 5861234",
            "company_name": "d'Arcy & Söhne KG",
            "job_title": "CTO",
            "country": "AT",
            "city": "Wien",
            "wie_viele_mitarbeiter?": "50-249",
        },
        extra={
            "ad_id": "6123450000001",
            "campaign_id": "6123450000003",
            "form_id": "129595594131704",
            "platform": "fb",
        },
    )
    ref = rules.meta_lead_refs(fixture("meta_leadgen_notification.json"))[0]
    parsed = rules.parse_meta(ref, lead)
    assert parsed.external_id == "130528934038370"
    assert parsed.intake == Intake(
        email="renee.darcy@example.org",
        first_name="Renée",
        last_name="d'Arcy",
        phone="+43 1 5861234",
        company="d'Arcy & Söhne KG",
        job_title="CTO",
        country="AT",
        source="meta_lead_ads",
        utm_source="facebook",
        utm_medium="paid_social",
        utm_campaign="6123450000003",
        attributes={
            "meta_lead_ads": {
                "leadgen_id": "130528934038370",
                "page_id": "230076207144371",
                "form_id": "129595594131704",
                "ad_id": "6123450000001",
                "adgroup_id": "6123450000002",
                "campaign_id": "6123450000003",
                "platform": "fb",
            },
            "city": "Wien",
            "answers": {"wie_viele_mitarbeiter?": "50-249"},
        },
        touchpoint_type=TouchpointType.AD_LEAD_FORM,
        occurred_at=datetime(2026, 9, 21, 14, 13, 21, tzinfo=UTC),
    )
    assert classify_channel("facebook", "paid_social") is Channel.PAID_SOCIAL


def test_meta_instagram_leads_come_from_instagram() -> None:
    lead = MetaLead(id="1", created_time=None, fields={"email": "a@b.de"}, extra={"platform": "ig"})
    intake = rules.parse_meta(MetaLeadRef(leadgen_id="1"), lead).intake
    assert (intake.utm_source, intake.utm_medium) == ("instagram", "paid_social")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("<html>oops</html>", "The Graph API answered without a lead id."),
        ({"error": {"message": "x"}}, "The Graph API answered without a lead id."),
        ({"id": "1", "field_data": "email"}, "The Graph API answered without field_data."),
    ],
)
def test_meta_graph_garbage(doc: Any, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        rules.meta_lead_from_graph(doc)
    assert str(caught.value) == message


# --- generic -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("email", ["email"]),
        ("contact.email", ["contact", "email"]),
        ("data.fields[0].value", ["data", "fields", 0, "value"]),
        ("[2].email", [2, "email"]),
        ("rows[1][0]", ["rows", 1, 0]),
        ("E-Mail Adresse", ["E-Mail Adresse"]),
    ],
)
def test_parse_path(path: str, steps: list[str | int]) -> None:
    assert rules.parse_path(path) == steps


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "A path has 1 to 200 characters."),
        ("a.", "The path ends with a dot."),
        (".a", "A name is missing before position 0."),
        ("a..b", "A name is missing before position 2."),
        ("a[x]", "Unexpected character '[' at position 1."),
        ("a[0]b", "A dot is missing before 'b'."),
        ("a.[0]", "A name is missing before position 2."),
        ("x" * 201, "A path has 1 to 200 characters."),
    ],
)
def test_parse_path_refuses(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        rules.parse_path(path)


def test_resolve() -> None:
    doc = fixture("generic_zapier.json")
    assert rules.resolve(doc, ["data", "fields", 0, "value"]) == "Muster AG"
    assert rules.resolve(doc, ["data", "fields", 5, "value"]) is None
    assert rules.resolve(doc, ["contact", 0]) is None
    assert rules.resolve(doc, ["missing"]) is None


MAPPING = {
    "email": "contact.email",
    "first_name": "contact.name.first",
    "last_name": "contact.name.last",
    "phone": "contact.phone",
    "company": "data.fields[0].value",
    "country": "data.fields[1].value",
    "utm_source": "tracking.utm_source",
    "utm_medium": "tracking.utm_medium",
    "utm_campaign": "tracking.utm_campaign",
    "external_id": "submission_id",
}


def test_generic_mapping() -> None:
    parsed = rules.parse_generic(fixture("generic_zapier.json"), MAPPING, "Zapier")
    assert parsed.external_id == "zap-sub-000417"
    assert parsed.intake == Intake(
        email="MAX.Mustermann@Example.de",
        first_name="max",
        last_name="mustermann",
        phone="030 9876543",
        company="Muster AG",
        country="DE",
        source="Zapier",
        utm_source="linkedin",
        utm_medium="paid_social",
        utm_campaign="q4-webinar",
        attributes={"hook": "Zapier", "external_id": "zap-sub-000417"},
        touchpoint_type=TouchpointType.API,
    )


def test_generic_flat_names_without_mapping() -> None:
    payload = {"id": 77, "name": "Eva Maria Schulz", "email": "eva@schulz.de", "firma": "x"}
    parsed = rules.parse_generic(payload, {}, "n8n")
    assert parsed.external_id == "77"
    assert parsed.intake == Intake(
        email="eva@schulz.de",
        first_name="Eva",
        last_name="Maria Schulz",
        source="n8n",
        attributes={"hook": "n8n", "external_id": "77"},
        touchpoint_type=TouchpointType.API,
    )


def test_generic_errors() -> None:
    with pytest.raises(PayloadError) as caught:
        rules.parse_generic({"contact": {}}, {"email": "contact.email"}, "Make")
    assert str(caught.value) == (
        "No email address and no phone number in the payload (mapped: email ← contact.email)."
    )
    with pytest.raises(PayloadError) as caught:
        rules.parse_generic({"contact": {"a": 1}}, {"email": "contact"}, "Make")
    assert str(caught.value) == "'contact' (email) points at an object, not a value."
    with pytest.raises(PayloadError, match="not a JSON object or array"):
        rules.parse_generic("text", {}, "Make")


def test_check_mapping() -> None:
    assert rules.check_mapping(MAPPING) == {}
    assert rules.check_mapping({"emial": "a", "phone": "a..b"}) == {
        "emial": "Unknown field 'emial'; known: " + ", ".join(rules.GENERIC_FIELDS) + ".",
        "phone": "'a..b' is not a path: A name is missing before position 2.",
    }


def test_generic_signature_is_the_outbound_scheme() -> None:
    body = b'{"email":"a@b.de"}'
    header = signing.sign("lwhk_s", 1_800_000_000, body)
    assert rules.generic_signature_valid("lwhk_s", header, body, 1_800_000_100, 300)
    assert not rules.generic_signature_valid("lwhk_s", header, body, 1_800_000_400, 300)
    assert not rules.generic_signature_valid("lwhk_s", header, body + b"x", 1_800_000_000, 300)
    assert not rules.generic_signature_valid("other", header, body, 1_800_000_000, 300)
    assert not rules.generic_signature_valid("lwhk_s", None, body, 1_800_000_000, 300)
    assert not rules.generic_signature_valid("lwhk_s", "garbage", body, 1_800_000_000, 300)
