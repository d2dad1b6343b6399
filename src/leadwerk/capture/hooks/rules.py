"""Pure rules of capture.hooks: checking who sent a request, and turning a platform's payload
into an `Intake`. No I/O.

Payload shapes follow the platforms' public documentation:
- Google Ads lead form webhooks: https://developers.google.com/google-ads/webhook/docs/implementation
- Meta webhooks (handshake, X-Hub-Signature-256):
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started
- Meta leads: https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import Any

from leadwerk.capture.hooks.types import MetaLead, MetaLeadRef, Parsed, PayloadError
from leadwerk.capture.types import Intake
from leadwerk.delivery import rules as signing
from leadwerk.leads.types import TouchpointType

GOOGLE_SOURCE = "google_ads"
META_SOURCE = "meta_lead_ads"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"
GENERIC_SIGNATURE_HEADER = signing.SIGNATURE_HEADER  # one recipe for both directions

# Google Ads column ids (user_column_data[].column_id) → Intake fields.
GOOGLE_COLUMNS = {
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "EMAIL": "email",
    "PHONE_NUMBER": "phone",
    "COMPANY_NAME": "company",
    "JOB_TITLE": "job_title",
    "COUNTRY": "country",
}
# Used only where the personal column is empty.
GOOGLE_FALLBACKS = {"WORK_EMAIL": "email", "WORK_PHONE": "phone"}
# Kept as lead attributes under their lower-case id.
GOOGLE_ADDRESS = ("POSTAL_CODE", "CITY", "REGION", "STREET_ADDRESS")

# Meta field_data names of the standard questions → Intake fields.
META_FIELDS = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone_number": "phone",
    "company_name": "company",
    "job_title": "job_title",
    "country": "country",
}
META_FALLBACKS = {"work_email": "email", "work_phone_number": "phone"}
META_ADDRESS = ("city", "zip_code", "post_code", "state", "province", "street_address")
META_IDS = ("ad_id", "adset_id", "campaign_id", "form_id", "platform")

# Fields a generic hook can fill, and the flat names tried when the mapping names no path.
GENERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("email", "email_address", "e_mail", "mail"),
    "first_name": ("first_name", "firstname", "firstName", "given_name"),
    "last_name": ("last_name", "lastname", "lastName", "family_name", "surname"),
    "full_name": ("full_name", "fullName", "name"),
    "phone": ("phone", "phone_number", "phoneNumber", "mobile", "telephone"),
    "company": ("company", "company_name", "companyName", "organization", "organisation"),
    "job_title": ("job_title", "jobTitle", "title", "position"),
    "country": ("country", "country_code"),
    "language": ("language", "lang", "locale"),
    "utm_source": ("utm_source",),
    "utm_medium": ("utm_medium",),
    "utm_campaign": ("utm_campaign",),
    "utm_term": ("utm_term",),
    "utm_content": ("utm_content",),
    "url": ("url", "page_url", "pageUrl"),
    "referrer": ("referrer", "referer"),
    "external_id": ("lead_id", "external_id", "id"),
}
MAX_PATH_LENGTH = 200
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d{1,6})\]|(\.)")


# --- who sent it ------------------------------------------------------------------------------


def same_secret(expected: str | None, given: str | None) -> bool:
    """Constant-time equality of two secrets; an empty or missing one never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def google_key_valid(expected_key: str, payload: Any) -> bool:
    """Google puts the advertiser's key into the body as `google_key`."""
    given = payload.get("google_key") if isinstance(payload, dict) else None
    return same_secret(expected_key, given if isinstance(given, str) else None)


def meta_signature(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends: `sha256=` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def meta_signature_valid(app_secret: str, header: str | None, body: bytes) -> bool:
    if not app_secret or not header:
        return False
    return same_secret(meta_signature(app_secret, body), header.strip().lower())


def meta_challenge(
    verify_token: str | None, mode: str | None, given_token: str | None, challenge: str | None
) -> str | None:
    """The text to answer Meta's subscription handshake with, or None to refuse it."""
    if mode != "subscribe" or challenge is None or not same_secret(verify_token, given_token):
        return None
    return challenge


def generic_signature_valid(
    secret: str, header: str | None, body: bytes, now: int, tolerance: int
) -> bool:
    """The Leadwerk-Signature scheme of our outbound webhooks (docs/webhooks.md)."""
    if not header:
        return False
    return signing.verify(secret, header, body, now, tolerance)


# --- payloads --------------------------------------------------------------------------------


def parse_json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"The payload is not JSON: {exc}") from exc


def _text(value: Any) -> str | None:
    """A scalar as stripped text; None for missing, empty and structured values."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def split_full_name(full: str | None) -> tuple[str | None, str | None]:
    """ "Anna van der Berg" → ("Anna", "van der Berg"); one word is a first name."""
    if not full:
        return None, None
    first, _, rest = full.strip().partition(" ")
    return first or None, rest.strip() or None


def _timestamp(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _ids(values: dict[str, Any]) -> dict[str, str]:
    return {k: t for k, v in values.items() if (t := _text(v)) is not None}


def google_external_id(payload: Any) -> str | None:
    return _text(payload.get("lead_id")) if isinstance(payload, dict) else None


def parse_google(payload: Any) -> Parsed:
    """A Google Ads lead form webhook body → Intake (Paid Search via google / cpc)."""
    if not isinstance(payload, dict):
        raise PayloadError("The payload is not a JSON object.")
    columns = payload.get("user_column_data")
    if not isinstance(columns, list):
        raise PayloadError("The payload has no user_column_data list.")
    values: dict[str, Any] = {}
    fallbacks: dict[str, str] = {}
    address: dict[str, str] = {}
    answers: dict[str, str] = {}
    full_name: str | None = None
    for column in columns:
        if not isinstance(column, dict):
            continue
        column_id = str(column.get("column_id") or "").upper()
        value = _text(column.get("string_value"))
        if value is None:
            continue
        if column_id == "FULL_NAME":
            full_name = value
        elif column_id in GOOGLE_COLUMNS:
            values[GOOGLE_COLUMNS[column_id]] = value
        elif column_id in GOOGLE_FALLBACKS:
            fallbacks[GOOGLE_FALLBACKS[column_id]] = value
        elif column_id in GOOGLE_ADDRESS:
            address[column_id.lower()] = value
        else:
            answers[_text(column.get("column_name")) or column_id or "unnamed"] = value
    for name, value in fallbacks.items():
        values.setdefault(name, value)
    if "first_name" not in values and "last_name" not in values:
        first, last = split_full_name(full_name)
        values.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    lead_id = google_external_id(payload)
    platform = _ids(
        {
            "lead_id": lead_id,
            "form_id": payload.get("form_id"),
            "campaign_id": payload.get("campaign_id"),
            "adgroup_id": payload.get("adgroup_id"),
            "creative_id": payload.get("creative_id"),
            "asset_group_id": payload.get("asset_group_id"),
            "gclid": payload.get("gcl_id"),
            "api_version": payload.get("api_version"),
        }
    )
    attributes: dict[str, Any] = {GOOGLE_SOURCE: platform, **address}
    if answers:
        attributes["answers"] = answers
    if payload.get("is_test") is True:
        attributes["test_lead"] = True
    _require_contact(values, "user_column_data")
    intake = Intake(
        **values,
        source=GOOGLE_SOURCE,
        utm_source="google",
        utm_medium="cpc",
        utm_campaign=platform.get("campaign_id"),
        attributes=attributes,
        touchpoint_type=TouchpointType.AD_LEAD_FORM,
        occurred_at=_timestamp(payload.get("lead_submit_time")),
    )
    return Parsed(intake=intake, external_id=lead_id)


def _require_contact(values: dict[str, Any], where: str) -> None:
    if not values.get("email") and not values.get("phone"):
        raise PayloadError(f"No email address and no phone number in {where}.")


def meta_lead_refs(payload: Any) -> list[MetaLeadRef]:
    """Every `leadgen` change of a Meta notification (several entries and changes per POST)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise PayloadError("The payload has no entry list.")
    refs: list[MetaLeadRef] = []
    for entry in payload["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict) or change.get("field") != "leadgen":
                continue
            try:
                refs.append(meta_ref_from_document(change.get("value")))
            except PayloadError:
                continue
    return refs


def meta_ref_document(ref: MetaLeadRef) -> dict[str, Any]:
    """What a delivery of one Meta lead stores: the change's value, as Meta sent it."""
    doc = {
        "leadgen_id": ref.leadgen_id,
        "page_id": ref.page_id,
        "form_id": ref.form_id,
        "ad_id": ref.ad_id,
        "adgroup_id": ref.adgroup_id,
        "created_time": ref.created_time,
    }
    return {k: v for k, v in doc.items() if v is not None}


def meta_ref_from_document(doc: Any) -> MetaLeadRef:
    """A stored delivery of one Meta lead (see `meta_ref_document`) → MetaLeadRef."""
    leadgen_id = _text(doc.get("leadgen_id")) if isinstance(doc, dict) else None
    if leadgen_id is None or not isinstance(doc, dict):
        raise PayloadError("The notification holds no leadgen change.")
    created = doc.get("created_time")
    return MetaLeadRef(
        leadgen_id=leadgen_id,
        page_id=_text(doc.get("page_id")),
        form_id=_text(doc.get("form_id")),
        ad_id=_text(doc.get("ad_id")),
        adgroup_id=_text(doc.get("adgroup_id")),
        created_time=created if isinstance(created, int) else None,
    )


def meta_lead_from_graph(doc: Any) -> MetaLead:
    """The Graph API's answer for one lead → MetaLead; anything else is a clear error."""
    if not isinstance(doc, dict) or _text(doc.get("id")) is None:
        raise PayloadError("The Graph API answered without a lead id.")
    field_data = doc.get("field_data")
    if not isinstance(field_data, list):
        raise PayloadError("The Graph API answered without field_data.")
    fields: dict[str, str] = {}
    for item in field_data:
        if not isinstance(item, dict) or not isinstance(item.get("values"), list):
            continue
        name = _text(item.get("name"))
        value = next((t for v in item["values"] if (t := _text(v)) is not None), None)
        if name is not None and value is not None:
            fields[name] = value
    return MetaLead(
        id=str(doc["id"]),
        created_time=_text(doc.get("created_time")),
        fields=fields,
        extra=_ids({k: doc.get(k) for k in META_IDS}),
    )


def parse_meta(ref: MetaLeadRef, lead: MetaLead) -> Parsed:
    """A fetched Meta lead → Intake (Paid Social via facebook or instagram / paid_social)."""
    values: dict[str, Any] = {}
    fallbacks: dict[str, str] = {}
    address: dict[str, str] = {}
    answers: dict[str, str] = {}
    for name, value in lead.fields.items():
        key = name.lower()
        if key in META_FIELDS:
            values[META_FIELDS[key]] = value
        elif key in META_FALLBACKS:
            fallbacks[META_FALLBACKS[key]] = value
        elif key in META_ADDRESS:
            address[key] = value
        elif key != "full_name":
            answers[name] = value
    for name, value in fallbacks.items():
        values.setdefault(name, value)
    if "first_name" not in values and "last_name" not in values:
        first, last = split_full_name(lead.fields.get("full_name"))
        values.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    platform = _ids(
        {
            "leadgen_id": ref.leadgen_id,
            "page_id": ref.page_id,
            "form_id": ref.form_id,
            "ad_id": ref.ad_id,
            "adgroup_id": ref.adgroup_id,
            **lead.extra,
        }
    )
    attributes: dict[str, Any] = {META_SOURCE: platform, **address}
    if answers:
        attributes["answers"] = answers
    _require_contact(values, "the lead's field_data")
    intake = Intake(
        **values,
        source=META_SOURCE,
        utm_source="instagram" if lead.extra.get("platform") == "ig" else "facebook",
        utm_medium="paid_social",
        utm_campaign=platform.get("campaign_id"),
        attributes=attributes,
        touchpoint_type=TouchpointType.AD_LEAD_FORM,
        occurred_at=_timestamp(lead.created_time),
    )
    return Parsed(intake=intake, external_id=ref.leadgen_id)


# --- generic hooks: field mapping ------------------------------------------------------------


def parse_path(path: str) -> list[str | int]:
    """`data.fields[0].value` → ["data", "fields", 0, "value"]; ValueError when malformed."""
    if not path or len(path) > MAX_PATH_LENGTH:
        raise ValueError(f"A path has 1 to {MAX_PATH_LENGTH} characters.")
    steps: list[str | int] = []
    position = 0
    expect_name = True  # at the start and after a dot a name (or an index at the start) follows
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None:
            raise ValueError(f"Unexpected character {path[position]!r} at position {position}.")
        name, index, dot = match.groups()
        if dot is not None:
            if expect_name:
                raise ValueError(f"A name is missing before position {position}.")
            expect_name = True
        elif name is not None:
            if not expect_name:
                raise ValueError(f"A dot is missing before {name!r}.")
            steps.append(name.strip())
            expect_name = False
        else:
            if expect_name and steps:
                raise ValueError(f"A name is missing before position {position}.")
            steps.append(int(index))
            expect_name = False
        position = match.end()
    if expect_name:
        raise ValueError("The path ends with a dot.")
    return steps


def resolve(doc: Any, steps: list[str | int]) -> Any:
    """The value at `steps` in `doc`, or None where the path leads nowhere."""
    current = doc
    for step in steps:
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return None
            current = current[step]
    return current


def check_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """field → message for each unknown field or malformed path (empty when all is well)."""
    errors: dict[str, str] = {}
    for name, path in mapping.items():
        if name not in GENERIC_FIELDS:
            errors[name] = f"Unknown field {name!r}; known: {', '.join(GENERIC_FIELDS)}."
            continue
        try:
            parse_path(path)
        except ValueError as exc:
            errors[name] = f"{path!r} is not a path: {exc}"
    return errors


def _generic_value(payload: Any, name: str, mapping: dict[str, str]) -> str | None:
    if name in mapping:
        value = resolve(payload, parse_path(mapping[name]))
        if isinstance(value, dict | list):
            raise PayloadError(f"{mapping[name]!r} ({name}) points at an object, not a value.")
        return _text(value)
    if not isinstance(payload, dict):
        return None
    return next(
        (t for key in GENERIC_FIELDS[name] if (t := _text(payload.get(key))) is not None), None
    )


def generic_external_id(payload: Any, mapping: dict[str, str]) -> str | None:
    try:
        return _generic_value(payload, "external_id", mapping)
    except (PayloadError, ValueError):
        return None


def parse_generic(payload: Any, mapping: dict[str, str], source: str) -> Parsed:
    """A generic hook's JSON → Intake through the mapping, with flat names as defaults."""
    if not isinstance(payload, dict | list):
        raise PayloadError("The payload is not a JSON object or array.")
    values: dict[str, Any] = {}
    for name in GENERIC_FIELDS:
        try:
            value = _generic_value(payload, name, mapping)
        except ValueError as exc:
            raise PayloadError(f"The mapping of {name} is not a path: {exc}") from exc
        if value is not None:
            values[name] = value
    external_id = values.pop("external_id", None)
    full_name = values.pop("full_name", None)
    if "first_name" not in values and "last_name" not in values:
        first, last = split_full_name(full_name)
        values.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    if not values.get("email") and not values.get("phone"):
        tried = ", ".join(f"{k} ← {mapping[k]}" for k in ("email", "phone") if k in mapping)
        raise PayloadError(
            "No email address and no phone number in the payload"
            + (f" (mapped: {tried})." if tried else " (no mapping; tried the flat names).")
        )
    attributes: dict[str, Any] = {"hook": source}
    if external_id is not None:
        attributes["external_id"] = external_id
    intake = Intake(
        **values, source=source, attributes=attributes, touchpoint_type=TouchpointType.API
    )
    return Parsed(intake=intake, external_id=external_id)
