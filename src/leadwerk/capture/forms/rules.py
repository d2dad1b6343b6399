"""Pure rules of capture.forms: no I/O.

- the builder: its flat form fields ⇄ a `FormDefinition`, and what makes a definition valid;
- a visitor's input checked against the version they saw (messages as msgids + parameters,
  translated at the edge into the visitor's language);
- the signed render timestamp, the IP hash, allowed origins and redirect URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from leadwerk.capture import rules as capture_rules
from leadwerk.capture.forms.types import (
    INTAKE_KEYS,
    LANGUAGES,
    UTM_FIELDS,
    ConsentPurpose,
    FieldType,
    FormDefinition,
    FormField,
    Option,
    Problem,
    Text,
)
from leadwerk.capture.rules import (  # shared with the other channels, re-exported
    normalise_origin as normalise_origin,
)
from leadwerk.capture.rules import (
    origin_allowed as origin_allowed,
)

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
# Names the renderings use for their own hidden fields; no form field may take them.
RESERVED_KEYS = frozenset(
    {*UTM_FIELDS, "source", "url", "referrer", "language", "attributes", "csrf_token"}
)
HONEYPOT = "lw_website"
MAX_FIELDS = 40
MAX_PURPOSES = 10
MAX_OPTIONS = 200
MAX_ORIGINS = 20
LABEL_LIMIT = 200
HELP_LIMIT = 500
TEXT_LIMIT = 2000
DEFAULT_LIMITS = {FieldType.TEXTAREA: 5000, FieldType.TEL: 40, FieldType.EMAIL: 320}
DEFAULT_LIMIT = 500
# Builder inputs of one field row and one purpose row (`field-3-key`, `purpose-0-text_de`).
FIELD_INPUTS = (
    "key",
    "type",
    "label_en",
    "label_de",
    "help_en",
    "help_de",
    "required",
    "max_length",
    "pattern",
    "options",
    "default",
    "remove",
)
PURPOSE_INPUTS = ("name", "text_en", "text_de", "required", "remove")
TEXT_INPUTS = ("title", "intro", "submit_label", "thank_you")

REQUIRED = "This field is required."
MUST_TICK = "Tick this box to continue."
TOO_LONG = "At most %(limit)d characters, not %(length)d."
BAD_EMAIL = "Enter a valid email address, such as name@example.com."
BAD_PHONE = "Enter a valid phone number, such as +49 30 1234567."
BAD_COUNTRY = "Choose a country from the list."
BAD_CHOICE = "Choose one of the values offered."
BAD_FORMAT = "This value does not have the expected format."
EMAIL_OR_PHONE = "Enter an email address or a phone number."
BAD_KEY = "Use lower-case letters, digits and _ (starting with a letter), not a reserved name."
DUPLICATE_KEY = "Each field key may appear once."
BAD_NUMBER = "Enter a whole number from 1 to %(limit)d."
BAD_PATTERN = "This is not a valid regular expression."
BAD_URL = "Enter an address starting with http:// or https://."
BAD_ORIGIN = "%(value)s is not an origin such as https://www.example.com."
NEEDS_CONTACT = "A form needs an email or a phone field to create a lead."
NEEDS_OPTIONS = "A choice list needs options: one per line, as value|English label|German label."
BAD_PURPOSE = "Use lower-case letters, digits and _ (starting with a letter)."


# --- the builder -----------------------------------------------------------------------------


def builder_values(
    name: str, slug: str, is_active: bool, definition: FormDefinition
) -> dict[str, str]:
    """The builder's inputs for an existing form (the inverse of `parse_builder`)."""
    values = {
        "name": name,
        "slug": slug,
        "is_active": "on" if is_active else "",
        "double_opt_in": "on" if definition.double_opt_in else "",
        "redirect_url": definition.redirect_url or "",
        "allowed_origins": "\n".join(definition.allowed_origins),
    }
    for text_name in TEXT_INPUTS:
        text: Text = getattr(definition, text_name)
        values[f"{text_name}_en"], values[f"{text_name}_de"] = text.en, text.de
    for i, f in enumerate(definition.fields):
        values.update(
            {
                f"field-{i}-key": f.key,
                f"field-{i}-type": f.type.value,
                f"field-{i}-label_en": f.label.en,
                f"field-{i}-label_de": f.label.de,
                f"field-{i}-help_en": f.help.en,
                f"field-{i}-help_de": f.help.de,
                f"field-{i}-required": "on" if f.required else "",
                f"field-{i}-max_length": str(f.max_length or ""),
                f"field-{i}-pattern": f.pattern or "",
                f"field-{i}-options": "\n".join(
                    "|".join([o.value, o.label.en, o.label.de]).rstrip("|") for o in f.options
                ),
                f"field-{i}-default": f.default,
            }
        )
    for i, p in enumerate(definition.purposes):
        values.update(
            {
                f"purpose-{i}-name": p.purpose,
                f"purpose-{i}-text_en": p.text.en,
                f"purpose-{i}-text_de": p.text.de,
                f"purpose-{i}-required": "on" if p.required else "",
            }
        )
    return values


def row_count(values: Mapping[str, str], prefix: str) -> int:
    """How many rows of `field-N-…` or `purpose-N-…` inputs the values hold."""
    pattern = re.compile(rf"^{prefix}-(\d+)-")
    numbers = [int(m.group(1)) for key in values if (m := pattern.match(key))]
    return min(max(numbers, default=-1) + 1, 100)


def _row(values: Mapping[str, str], prefix: str, i: int, inputs: tuple[str, ...]) -> dict[str, str]:
    return {name: values.get(f"{prefix}-{i}-{name}", "").strip() for name in inputs}


def _blank(row: Mapping[str, str], *names: str) -> bool:
    return not any(row.get(n) for n in names)


def parse_builder(
    values: Mapping[str, str],
) -> tuple[FormDefinition | None, dict[str, Problem]]:
    """The builder's inputs → (definition, {}) or (None, input name → problem).

    A field or purpose row left blank, or ticked `remove`, is dropped."""
    errors: dict[str, Problem] = {}
    texts = {
        t: Text(values.get(f"{t}_en", "").strip(), values.get(f"{t}_de", "").strip())
        for t in TEXT_INPUTS
    }
    if not texts["title"].en:
        errors["title_en"] = Problem(REQUIRED)
    for t, text in texts.items():
        limit = LABEL_LIMIT if t in ("title", "submit_label") else TEXT_LIMIT
        for lang in LANGUAGES:
            value = getattr(text, lang)
            if len(value) > limit:
                errors[f"{t}_{lang}"] = Problem(TOO_LONG, {"limit": limit, "length": len(value)})
    fields = _parse_fields(values, errors)
    purposes = _parse_purposes(values, errors)
    redirect = values.get("redirect_url", "").strip() or None
    if redirect is not None and not is_web_url(redirect):
        errors["redirect_url"] = Problem(BAD_URL)
    origins: list[str] = []
    for line in values.get("allowed_origins", "").splitlines():
        if not line.strip():
            continue
        origin = normalise_origin(line)
        if origin is None:
            errors["allowed_origins"] = Problem(
                BAD_ORIGIN,
                {"value": line.strip()[:100]},
            )
            break
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors["allowed_origins"] = Problem("At most %(limit)d origins.", {"limit": MAX_ORIGINS})
    if errors:
        return None, errors
    return FormDefinition(
        title=texts["title"],
        intro=texts["intro"],
        submit_label=texts["submit_label"],
        thank_you=texts["thank_you"],
        fields=tuple(fields),
        purposes=tuple(purposes),
        double_opt_in=bool(values.get("double_opt_in")),
        redirect_url=redirect,
        allowed_origins=tuple(origins),
    ), {}


def _parse_fields(values: Mapping[str, str], errors: dict[str, Problem]) -> list[FormField]:
    fields: list[FormField] = []
    seen: set[str] = set()
    rows = 0
    for i in range(row_count(values, "field")):
        row = _row(values, "field", i, FIELD_INPUTS)
        if row["remove"] or _blank(row, "key", "label_en", "label_de"):
            continue
        rows += 1
        parsed = _parse_field(row, f"field-{i}-", seen, errors)
        if parsed is not None:
            fields.append(parsed)
            seen.add(parsed.key)
    if not rows:
        errors["field-0-key"] = Problem("A form needs at least one field.")
    elif fields and not any(f.key in ("email", "phone") for f in fields):
        errors.setdefault("field-0-key", Problem(NEEDS_CONTACT))
    if len(fields) > MAX_FIELDS:
        errors["field-0-key"] = Problem("At most %(limit)d fields.", {"limit": MAX_FIELDS})
    return fields


def _parse_field(
    row: Mapping[str, str], at: str, seen: set[str], errors: dict[str, Problem]
) -> FormField | None:
    before = len(errors)
    key = row["key"]
    if not FIELD_KEY.match(key) or key in RESERVED_KEYS or key.startswith("lw_"):
        errors[at + "key"] = Problem(BAD_KEY)
    elif key in seen:
        errors[at + "key"] = Problem(DUPLICATE_KEY)
    try:
        kind = FieldType(row["type"])
    except ValueError:
        errors[at + "type"] = Problem(BAD_CHOICE)
        kind = None
    expected = {"email": FieldType.EMAIL, "phone": FieldType.TEL, "country": FieldType.COUNTRY}
    if kind is None:
        kind = FieldType.TEXT
    elif key in expected and kind not in (expected[key], FieldType.HIDDEN):
        errors[at + "type"] = Problem(
            "The field %(key)s must have the type %(type)s.",
            {"key": key, "type": expected[key].label},
        )
    elif key in INTAKE_KEYS and kind is FieldType.CHECKBOX:
        errors[at + "type"] = Problem("A checkbox can only fill a custom field.")
    if not row["label_en"] and kind is not FieldType.HIDDEN:
        errors[at + "label_en"] = Problem(REQUIRED)
    for name, limit in (("label", LABEL_LIMIT), ("help", HELP_LIMIT)):
        for lang in LANGUAGES:
            if len(row[f"{name}_{lang}"]) > limit:
                errors[f"{at}{name}_{lang}"] = Problem(
                    TOO_LONG, {"limit": limit, "length": len(row[f"{name}_{lang}"])}
                )
    max_length = None
    if row["max_length"]:
        ceiling = capture_rules.FIELD_LIMITS.get(key, DEFAULT_LIMITS.get(kind, DEFAULT_LIMIT))
        if not row["max_length"].isdigit() or not 1 <= int(row["max_length"]) <= ceiling:
            errors[at + "max_length"] = Problem(BAD_NUMBER, {"limit": ceiling})
        else:
            max_length = int(row["max_length"])
    pattern = row["pattern"] or None
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error:
            errors[at + "pattern"] = Problem(BAD_PATTERN)
    options = _parse_options(row["options"])
    if kind is FieldType.SELECT and not options:
        errors[at + "options"] = Problem(NEEDS_OPTIONS)
    elif len(options) > MAX_OPTIONS:
        errors[at + "options"] = Problem("At most %(limit)d options.", {"limit": MAX_OPTIONS})
    if len(errors) > before:
        return None
    return FormField(
        key=key,
        type=kind,
        label=Text(row["label_en"], row["label_de"]),
        help=Text(row["help_en"], row["help_de"]),
        required=bool(row["required"]) and kind is not FieldType.HIDDEN,
        max_length=max_length,
        pattern=pattern,
        options=options if kind is FieldType.SELECT else (),
        default=row["default"][:DEFAULT_LIMIT] if kind is FieldType.HIDDEN else "",
    )


def _parse_options(text: str) -> tuple[Option, ...]:
    options: list[Option] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        label_en = parts[1] if len(parts) > 1 and parts[1] else parts[0]
        label_de = parts[2] if len(parts) > 2 else ""
        options.append(Option(parts[0][:DEFAULT_LIMIT], Text(label_en[:LABEL_LIMIT], label_de)))
    return tuple(options)


def _parse_purposes(values: Mapping[str, str], errors: dict[str, Problem]) -> list[ConsentPurpose]:
    purposes: list[ConsentPurpose] = []
    for i in range(row_count(values, "purpose")):
        row = _row(values, "purpose", i, PURPOSE_INPUTS)
        if row["remove"] or _blank(row, "name", "text_en", "text_de"):
            continue
        at = f"purpose-{i}-"
        name = row["name"]
        if not PURPOSE.match(name):
            errors[at + "name"] = Problem(BAD_PURPOSE)
        elif any(p.purpose == name for p in purposes):
            errors[at + "name"] = Problem("Each purpose may appear once.")
        if not row["text_en"]:
            errors[at + "text_en"] = Problem(REQUIRED)
        for lang in LANGUAGES:
            if len(row[f"text_{lang}"]) > TEXT_LIMIT:
                errors[f"{at}text_{lang}"] = Problem(
                    TOO_LONG, {"limit": TEXT_LIMIT, "length": len(row[f"text_{lang}"])}
                )
        if not any(k.startswith(at) for k in errors):
            purposes.append(
                ConsentPurpose(name, Text(row["text_en"], row["text_de"]), bool(row["required"]))
            )
    if len(purposes) > MAX_PURPOSES:
        errors["purpose-0-name"] = Problem("At most %(limit)d purposes.", {"limit": MAX_PURPOSES})
    return purposes


def check_slug(slug: str) -> Problem | None:
    if not SLUG.match(slug):
        return Problem(
            "Use 1 to 60 lower-case letters, digits and hyphens, not starting or ending with one."
        )
    return None


# --- addresses -------------------------------------------------------------------------------


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and nothing that could break a header."""
    if any(ch in url for ch in "\r\n\t ") or len(url) > 2000:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def frame_ancestors(allowed: tuple[str, ...]) -> str:
    """The CSP `frame-ancestors` source list of a form: its origins, else none at all."""
    return " ".join(allowed) if allowed else "'none'"


# Challenge providers by the host of their verify URL: (widget script, class of its element).
CHALLENGE_WIDGETS = {
    "challenges.cloudflare.com": (
        "https://challenges.cloudflare.com/turnstile/v0/api.js",
        "cf-turnstile",
    ),
    "api.hcaptcha.com": ("https://js.hcaptcha.com/1/api.js", "h-captcha"),
    "hcaptcha.com": ("https://js.hcaptcha.com/1/api.js", "h-captcha"),
    "www.google.com": ("https://www.google.com/recaptcha/api.js", "g-recaptcha"),
}


def challenge_widget(verify_url: str) -> tuple[str, str] | None:
    """The widget that goes with a provider's verify URL, or None for an unknown provider."""
    return CHALLENGE_WIDGETS.get((urlsplit(verify_url).hostname or "").lower())


def origin_of(url: str | None) -> str | None:
    return normalise_origin(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}") if url else None


# --- a visitor's input -----------------------------------------------------------------------


def check_submission(
    definition: FormDefinition, values: Mapping[str, str], consents: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Problem]]:
    """(clean values by field key, {}) or ({}, field key → problem).

    Consent problems are keyed `consent_<purpose>`. Email, phone and country are checked
    here with the visitor's own message, before the pipeline normalises them again."""
    clean: dict[str, Any] = {}
    errors: dict[str, Problem] = {}
    country_field = next((f for f in definition.fields if f.key == "country"), None)
    country = None
    if country_field is not None:
        country, _ = capture_rules.normalise_country(values.get("country", "").strip() or None)
    for f in definition.fields:
        problem, value = _check_field(f, values.get(f.key, ""), country)
        if problem is not None:
            errors[f.key] = problem
        elif value not in (None, ""):
            clean[f.key] = value
    keys = {f.key for f in definition.fields}
    if not errors and not clean.get("email") and not clean.get("phone"):
        target = "email" if "email" in keys else "phone"
        errors[target] = Problem(EMAIL_OR_PHONE)
    for p in definition.purposes:
        if p.required and p.purpose not in consents:
            errors[f"consent_{p.purpose}"] = Problem(MUST_TICK)
    return ({}, errors) if errors else (clean, {})


def _check_field(f: FormField, raw: str, country: str | None) -> tuple[Problem | None, Any]:
    if f.type is FieldType.CHECKBOX:
        ticked = raw not in ("", "off", "false", "0")
        if f.required and not ticked:
            return Problem(MUST_TICK), None
        return None, ticked
    if f.type is FieldType.HIDDEN and not raw:
        raw = f.default
    value = capture_rules.clean_text(raw) if f.type is not FieldType.TEXTAREA else raw.strip()
    if not value:
        return (Problem(REQUIRED), None) if f.required else (None, None)
    limit = field_limit(f)
    if len(value) > limit:
        return Problem(TOO_LONG, {"limit": limit, "length": len(value)}), None
    if f.type is FieldType.EMAIL or f.key == "email":
        email, problem = capture_rules.normalise_email(value)
        return (Problem(BAD_EMAIL), None) if problem else (None, email)
    if f.type is FieldType.TEL or f.key == "phone":
        _, problem = capture_rules.normalise_phone(value, country)
        if problem:
            return Problem(BAD_PHONE), None
    if f.type is FieldType.COUNTRY or f.key == "country":
        code, problem = capture_rules.normalise_country(value)
        return (Problem(BAD_COUNTRY), None) if problem or code is None else (None, code)
    if f.type is FieldType.SELECT and value not in {o.value for o in f.options}:
        return Problem(BAD_CHOICE), None
    if f.pattern and re.fullmatch(f.pattern, value) is None:
        return Problem(BAD_FORMAT), None
    return None, value


def field_limit(f: FormField) -> int:
    """The longest value a field takes: its own limit, else the lead column's, else a default."""
    return f.max_length or capture_rules.FIELD_LIMITS.get(
        f.key, DEFAULT_LIMITS.get(f.type, DEFAULT_LIMIT)
    )


def split_values(clean: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Intake keyword arguments, custom attributes) of checked values."""
    intake = {k: v for k, v in clean.items() if k in INTAKE_KEYS}
    attributes = {k: v for k, v in clean.items() if k not in INTAKE_KEYS}
    return intake, attributes


def utm_values(raw: Mapping[str, str]) -> dict[str, str]:
    """The UTM parameters among `raw` (a query string or the hidden fields), trimmed."""
    found: dict[str, str] = {}
    for name in UTM_FIELDS:
        value = capture_rules.clean_text(raw.get(name))
        if value:
            found[name] = value[: capture_rules.FIELD_LIMITS[name]]
    return found


def clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def page_address(value: str | None) -> str | None:
    """A page URL or referrer a browser reported: kept only when it is an http(s) URL."""
    return value if value and is_web_url(value) else None


# --- tokens and hashes -----------------------------------------------------------------------


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def render_token(secret: str, slug: str, rendered_at: datetime) -> str:
    """`<unix ms>.<HMAC>` over the form and the time it was shown: a bot cannot forge an
    older time to pass the minimum fill time."""
    stamp = int(rendered_at.timestamp() * 1000)
    return f"{stamp}.{_mac(secret, f'form-render:{slug}:{stamp}')[:32]}"


def read_render_token(secret: str, slug: str, token: str) -> datetime | None:
    """The render time a token vouches for, or None if it is missing or forged."""
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit() or len(stamp) > 15 or not mac:
        return None
    expected = _mac(secret, f"form-render:{slug}:{stamp}")[:32]
    if not hmac.compare_digest(expected, mac):
        return None
    return datetime.fromtimestamp(int(stamp) / 1000, UTC)


def hash_ip(secret: str, ip: str | None) -> str | None:
    return _mac(secret, f"ip:{ip}") if ip else None


def fill_seconds(rendered_at: datetime | None, submitted_at: datetime) -> float | None:
    if rendered_at is None:
        return None
    return round((submitted_at - rendered_at).total_seconds(), 3)


def shown_text(text: Text, language: str) -> tuple[str, str]:
    """(the language, the wording) a visitor in `language` is shown: the text in their
    language, else in the other one (as `Text.get` falls back)."""
    own = text.de if language == "de" else text.en
    if own:
        return language, own
    return ("en", text.en) if language == "de" else ("de", text.de)
