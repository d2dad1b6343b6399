"""Normalisation and validation of intake fields, and the channel grouping. Pure functions.

email-validator, phonenumbers and Babel's territory data are used without any I/O (no DNS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import email_validator
import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email

from leadwerk.capture import phones
from leadwerk.capture.quality import rules as quality
from leadwerk.capture.quality.rules import (  # re-exported for spam defence
    is_disposable_domain as is_disposable_domain,
)
from leadwerk.capture.types import Intake, NormalisedLead
from leadwerk.identity.rules import canonical_email, company_key, sound_key
from leadwerk.leads.rules import fold
from leadwerk.leads.types import Channel

if TYPE_CHECKING:
    from leadwerk.leads.models import Lead

FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "hotmail.com",
        "hotmail.de",
        "outlook.com",
        "outlook.de",
        "live.com",
        "live.de",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "freenet.de",
        "posteo.de",
        "mailbox.org",
        "protonmail.com",
        "proton.me",
        "yandex.ru",
        "mail.ru",
        "arcor.de",
        "online.de",
        "bluewin.ch",
        "aon.at",
    }
)

SEARCH_ENGINES = frozenset(
    {
        "google",
        "bing",
        "yahoo",
        "duckduckgo",
        "ecosia",
        "baidu",
        "yandex",
        "qwant",
        "startpage",
        "ask",
        "naver",
        "seznam",
    }
)
SOCIAL_NETWORKS = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "linkedin",
        "lnkd",
        "twitter",
        "x",
        "t.co",
        "xing",
        "tiktok",
        "youtube",
        "pinterest",
        "reddit",
        "snapchat",
        "threads",
        "mastodon",
        "whatsapp",
        "meta",
    }
)
PAID_MEDIA = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "sem", "cpv", "cpa"})
PAID_SOCIAL_MEDIA = frozenset(
    {"paid_social", "paidsocial", "social_paid", "social-paid", "paid-social", "sponsored"}
)
DISPLAY_MEDIA = frozenset(
    {"display", "banner", "cpm", "expandable", "interstitial", "programmatic"}
)
EMAIL_MEDIA = frozenset({"email", "e-mail", "e_mail", "newsletter", "mail"})
AFFILIATE_MEDIA = frozenset({"affiliate", "partner", "partners"})
SOCIAL_MEDIA = frozenset(
    {
        "social",
        "social-network",
        "social_network",
        "social-media",
        "social_media",
        "sm",
        "organic_social",
    }
)
OFFLINE_MEDIA = frozenset(
    {
        "offline",
        "event",
        "events",
        "trade_show",
        "tradeshow",
        "fair",
        "messe",
        "print",
        "direct_mail",
        "conference",
        "webinar",
    }
)

FIELD_LIMITS = {
    "email": 320,
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "job_title": 200,
    "source": 100,
    "utm_source": 200,
    "utm_medium": 200,
    "utm_campaign": 200,
    "utm_term": 200,
    "utm_content": 200,
}
NAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "la",
        "le",
        "du",
        "da",
        "di",
        "del",
        "zu",
        "zur",
        "zum",
        "ten",
        "ter",
        "dos",
        "das",
        "y",
        "af",
    }
)
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def clean_text(value: str | None) -> str | None:
    """Trim, fold inner whitespace, drop control characters; empty becomes None."""
    if value is None:
        return None
    if value.isprintable() and "  " not in value and value.strip(" ") == value:
        # already clean (no controls, tabs or runs of spaces): only the composition may differ
        return unicodedata.normalize("NFC", value) or None
    value = unicodedata.normalize("NFC", value)
    # controls go, but a line break or tab between two words becomes the space between them
    value = "".join(ch for ch in value if ch.isspace() or unicodedata.category(ch)[0] != "C")
    value = " ".join(value.split())
    return value or None


# Plain ASCII addresses, the bulk of every import: checked here, as email-validator would,
# without its full parse. Anything else (quotes, Unicode, IP literals, special-use domains, long
# parts) goes to email-validator; tests/unit/capture/test_email_fast_path.py compares the two.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(value: str) -> str | None:
    match = _PLAIN_EMAIL.fullmatch(value)
    if match is None or len(match["local"]) > 64 or len(value) > 254:
        return None
    domain = match["domain"].lower()
    if "--" in domain or _special_use(domain):
        return None  # refused, or an IDNA form ("xn--"): email-validator decides
    return f"{match['local']}@{domain}"


@lru_cache(maxsize=65_536)  # domains repeat: a few big providers and each company's own
def _special_use(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE)


def normalise_email(value: str | None) -> tuple[str | None, str | None]:
    """(normalised address, error message)."""
    value = clean_text(value)
    if value is None:
        return None, None
    plain = _plain_email(value)
    if plain is not None:
        return plain, None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, f"{value!r} is not a valid email address: {exc}"
    return f"{result.local_part}@{result.domain.lower()}", None


def email_key(email: str | None) -> str | None:
    """The exact-match key: the mailbox the address reaches (`identity.rules.canonical_email`:
    lower case; Gmail dots and +tags, googlemail.com; +tags where providers document them)."""
    return canonical_email(email)


def email_domain(email: str | None) -> str | None:
    if not email:
        return None
    return email.rsplit("@", 1)[1].lower()


def company_domain(email: str | None) -> str | None:
    domain = email_domain(email)
    return None if domain is None or domain in FREEMAIL_DOMAINS else domain


def normalise_phone(value: str | None, country: str | None) -> tuple[str | None, str | None]:
    """E.164, with the lead's country as the default region; (phone, error)."""
    phone, _, problem = parse_phone(value, country)
    return phone, problem


def parse_phone(
    value: str | None, country: str | None
) -> tuple[str | None, phonenumbers.PhoneNumber | None, str | None]:
    """(E.164, the parsed number for the quality flags, error)."""
    value = clean_text(value)
    if value is None:
        return None, None, None
    try:
        parsed = phones.parse(value, country or None)
    except phonenumbers.NumberParseException:
        return (
            None,
            None,
            f"{value!r} is not a phone number; write it with the country code, "
            "such as +49 30 1234567.",
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_possible_number(parsed) or not _stable_e164(e164, parsed):
        return None, None, f"{value!r} is not a possible phone number for its country."
    return e164, parsed, None


def _stable_e164(e164: str, parsed: phonenumbers.PhoneNumber) -> bool:
    """At most 15 digits, and read again it is the same number: "+49 (0) 0012345" would give
    "+490012345", which reads back as "+49012345" (two match keys for one number). Only a
    number kept with leading zeros can change when read again, so only those are re-read."""
    if not _E164.fullmatch(e164):
        return False
    if not parsed.italian_leading_zero:
        return True
    again = phones.parse(e164, None)
    return phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) == e164


def _lower(text: str) -> str:
    # Turkish İ lower-cases to i + U+0307 (combining dot); a name wants the plain i.
    return text.lower().replace("i\u0307", "i")


def _capital(text: str) -> str:
    """First letter in title case ("ß" → "Ss", "ǆ" → "ǅ"), the rest lower."""
    return text[:1].title() + _lower(text[1:])


def _case_word(word: str, first: bool) -> str:
    lower = _lower(word)
    if not first and lower in NAME_PARTICLES:
        return lower
    if lower.startswith("mc") and len(word) > 2:
        return "Mc" + _capital(word[2:])
    sep = "'" if "'" in word else "’" if "’" in word else None
    if sep is not None:
        head, _, tail = word.partition(sep)
        if len(head) == 1:
            # d'Arcy keeps its small d; O'Brien and similar get a capital.
            head = _lower(head) if _lower(head) == "d" else head.title()
            return head + sep + _capital(tail)
    return "-".join(_capital(part) for part in word.split("-"))


@lru_cache(maxsize=65_536)  # names repeat: imports see the same few thousand again and again
def normalise_name(value: str | None) -> str | None:
    """Trimmed; cased only when it came all upper or all lower ("van der Berg" stays)."""
    # NFKC first: ligatures and old forms ("ŉ") spelled out, before trimming.
    value = clean_text(unicodedata.normalize("NFKC", value) if value else value)
    if value is None:
        return None
    if value != value.upper() and value != value.lower():
        return value  # mixed case: the person wrote it that way on purpose
    cased = " ".join(_case_word(w, i == 0) for i, w in enumerate(value.split(" ")))
    return unicodedata.normalize("NFC", cased)


@lru_cache(maxsize=65_536)
def _name_words(name: str | None) -> tuple[str, ...]:
    return tuple(_NOT_KEY_CHARACTER.sub(" ", fold(name)).split()) if name else ()


_NOT_KEY_CHARACTER = re.compile(r"[^a-z0-9 ]")


def name_key(first: str | None, last: str | None) -> str | None:
    """Folded words of both names (each name's words cached: names repeat)."""
    return " ".join((*_name_words(first), *_name_words(last))) or None


@lru_cache(maxsize=1)
def _country_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lang in ("en", "de", "fr"):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                lookup[fold(name)] = code
                lookup[code.lower()] = code
    lookup.update(
        {
            "uk": "GB",
            "england": "GB",
            "usa": "US",
            "deutschland": "DE",
            "schweiz": "CH",
            "oesterreich": "AT",
            "brd": "DE",
        }
    )
    return lookup


@lru_cache(maxsize=4096)
def normalise_country(value: str | None) -> tuple[str | None, str | None]:
    """ISO 3166-1 alpha-2 from a code or an English, German or French name; (code, error)."""
    value = clean_text(value)
    if value is None:
        return None, None
    code = _country_lookup().get(fold(value))
    if code is None:
        return None, f"{value!r} is not a country; use a name or an ISO code such as DE."
    return code, None


@lru_cache(maxsize=1024)
def normalise_language(value: str | None) -> tuple[str | None, str | None]:
    value = clean_text(value)
    if value is None:
        return None, None
    tag = value.replace("_", "-").split("-")[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", tag):
        return None, f"{value!r} is not a language code; use one such as de or en."
    return tag, None


def _host_word(host: str) -> str:
    """`www.google.de` → `google`, `t.co` → `t.co`."""
    parts = [p for p in host.lower().split(".") if p not in ("www", "m", "l", "lm", "mobile")]
    if len(parts) >= 2 and parts[-2] not in ("co", "com"):
        return parts[-2]
    return (
        ".".join(parts[-2:])
        if len(parts) >= 2 and len(parts[-1]) <= 2
        else (parts[0] if parts else "")
    )


def normalise_origin(value: str) -> str | None:
    """A web origin as browsers send it in `Origin`: `https://WWW.Example.com:443/` →
    `https://www.example.com` (default port dropped, IPv6 hosts in brackets); None when the
    value is not an http(s) origin (a path, query, credentials, whitespace, a bad port).
    Forms (embedding) and tracking (site origins) share it."""
    value = value.strip()
    if len(value) > 2000 or any(ch.isspace() or not ch.isprintable() for ch in value):
        return None
    try:
        parts = urlsplit(value)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = f"[{hostname}]" if ":" in hostname else hostname.lower()
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """Whether a browser's `Origin` names one of the configured origins (compared normalised)."""
    mine = normalise_origin(origin) if origin else None
    return mine is not None and mine in {normalise_origin(a) for a in allowed}


def classify_channel(
    utm_source: str | None,
    utm_medium: str | None,
    referrer: str | None = None,
    own_host: str | None = None,
) -> Channel:
    """The default channel grouping of DESIGN.md §6 from UTM source/medium and the referrer."""
    source = (utm_source or "").strip().lower()
    medium = (utm_medium or "").strip().lower().replace(" ", "_")
    source_word = _host_word(source) if "." in source else source
    if medium in PAID_SOCIAL_MEDIA or (medium in PAID_MEDIA and source_word in SOCIAL_NETWORKS):
        return Channel.PAID_SOCIAL
    if medium in PAID_MEDIA:
        return Channel.PAID_SEARCH
    if medium in DISPLAY_MEDIA:
        return Channel.DISPLAY
    if medium in EMAIL_MEDIA or source_word in {"newsletter", "email"}:
        return Channel.EMAIL
    if medium in AFFILIATE_MEDIA:
        return Channel.AFFILIATE
    if medium in OFFLINE_MEDIA or source_word in {"offline", "event", "messe"}:
        return Channel.OFFLINE
    if medium in SOCIAL_MEDIA or (source_word in SOCIAL_NETWORKS and medium in ("", "referral")):
        return Channel.ORGANIC_SOCIAL
    if medium == "organic" or (source_word in SEARCH_ENGINES and medium == ""):
        return Channel.ORGANIC_SEARCH
    if medium == "referral":
        return Channel.REFERRAL
    if source or medium:
        return Channel.OTHER
    return _channel_from_referrer(referrer, own_host)


def _channel_from_referrer(referrer: str | None, own_host: str | None) -> Channel:
    if not referrer:
        return Channel.DIRECT
    try:
        host = (urlsplit(referrer).hostname or "").lower()
    except ValueError:  # "http://[" and the like: visitors send what they like
        return Channel.DIRECT
    if not host or (own_host and host.endswith(own_host.lower())):
        return Channel.DIRECT
    word = _host_word(host)
    if word in SEARCH_ENGINES:
        return Channel.ORGANIC_SEARCH
    if word in SOCIAL_NETWORKS or host in SOCIAL_NETWORKS:
        return Channel.ORGANIC_SOCIAL
    return Channel.REFERRAL


def check_lengths(values: dict[str, Any], errors: dict[str, str]) -> None:
    """Add a message for each text field longer than its column allows."""
    for name, limit in FIELD_LIMITS.items():
        value = values.get(name)
        if value is not None and len(value) > limit:
            errors.setdefault(name, f"At most {limit} characters, not {len(value)}.")


def normalise(intake: Intake) -> tuple[NormalisedLead | None, dict[str, str]]:
    """Clean every field; (the lead, {}) or (None, field → message)."""
    errors: dict[str, str] = {}
    email, problem = normalise_email(intake.email)
    if problem:
        errors["email"] = problem
    country, problem = normalise_country(intake.country)
    if problem:
        errors["country"] = problem
    phone, parsed_phone, problem = parse_phone(intake.phone, country)
    if problem:
        errors["phone"] = problem
    language, problem = normalise_language(intake.language)
    if problem:
        errors["language"] = problem
    first, last = normalise_name(intake.first_name), normalise_name(intake.last_name)
    texts = {
        "first_name": first,
        "last_name": last,
        "email": email,
        "company": clean_text(intake.company),
        "job_title": clean_text(intake.job_title),
        "source": clean_text(intake.source),
        **{
            f: clean_text(getattr(intake, f))
            for f in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
        },
    }
    check_lengths(texts, errors)
    if email is None and phone is None and "email" not in errors and "phone" not in errors:
        errors["email"] = "A lead needs an email address or a phone number."
    if errors:
        return None, errors
    attributes: dict[str, Any] = dict(intake.attributes)
    return NormalisedLead(
        email=email,
        email_key=email_key(email),
        first_name=first,
        last_name=last,
        name_key=name_key(first, last),
        sound_key=sound_key(first, last),
        phone=phone,
        company=texts["company"],
        company_key=company_key(texts["company"]),
        domain=company_domain(email),
        job_title=texts["job_title"],
        country=country,
        language=language,
        source=texts["source"],
        utm_source=texts["utm_source"],
        utm_medium=texts["utm_medium"],
        utm_campaign=texts["utm_campaign"],
        utm_term=texts["utm_term"],
        utm_content=texts["utm_content"],
        channel=classify_channel(texts["utm_source"], texts["utm_medium"], intake.referrer),
        attributes=attributes,
        email_status=quality.email_status(email),
        phone_status=quality.phone_status(parsed_phone),
        seniority=quality.seniority(texts["job_title"]),
        job_function=quality.job_function(texts["job_title"]),
    ), {}


# --- the merge rule: an intake into a lead that exists --------------------------------------

# Filled on an existing lead only where it has no value yet; first-touch attribution stays.
_FIRST_TOUCH = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "channel",
)
_IDENTITY = (
    "email",
    "email_key",
    "first_name",
    "last_name",
    "name_key",
    "sound_key",
    "phone",
    "company",
    "company_key",
    "domain",
    "job_title",
    "country",
    "language",
)
# Derived from the identity fields, so they follow them; not listed as changes in the audit.
_DERIVED = ("email_status", "phone_status", "seniority", "job_function")


def merge_into(lead: Lead, clean: NormalisedLead) -> dict[str, Any]:
    """A newer non-empty value wins for identity fields; first-touch fields fill gaps only.
    The intake pipeline's rule (`capture.service.run_intake`), shared with the bulk import,
    which must merge exactly the same way (`capture.imports.staging` folds the rows of one
    address with it, `merge_sql` is its SQL twin). Returns the changes as the audit shows them
    (field → from and to), without the match keys and the domain."""
    changes: dict[str, Any] = {}
    for name in _IDENTITY:
        value = getattr(clean, name)
        if value is not None and getattr(lead, name) != value:
            changes[name] = {"from": getattr(lead, name), "to": value}
            setattr(lead, name, value)
    for name in _DERIVED:
        if getattr(clean, name) is not None:
            setattr(lead, name, getattr(clean, name))
    if clean.phone is not None:
        lead.phone_key = clean.phone
    for name in _FIRST_TOUCH:
        if getattr(lead, name) in (None, "") and getattr(clean, name) is not None:
            setattr(lead, name, getattr(clean, name))
    if clean.attributes:
        lead.attributes = {**(lead.attributes or {}), **clean.attributes}
    return {k: v for k, v in changes.items() if not k.endswith("_key") and k != "domain"}


def merge_sql(dialect: str, *, lead: str = "leads", incoming: str = "g") -> dict[str, str]:
    """`merge_into` as SQL for the bulk import's `UPDATE leads … FROM`: column → expression
    over the lead's row (`lead`) and a row of incoming values with the lead's column names
    (`incoming`, one row per lead, several rows of one address folded by `merge_into` first).
    The same tuples drive both; tests/integration/capture/test_merge_sql.py checks that the two
    agree on random leads on both databases. Attribute values from imports are scalars, so
    SQLite's `json_patch` (RFC 7396) is the shallow merge of `merge_into`."""
    merged = {
        name: f"COALESCE({incoming}.{name}, {lead}.{name})" for name in (*_IDENTITY, *_DERIVED)
    }
    merged["phone_key"] = f"COALESCE({incoming}.phone, {lead}.phone_key)"
    for name in _FIRST_TOUCH:
        merged[name] = f"COALESCE(NULLIF({lead}.{name}, ''), {incoming}.{name}, {lead}.{name})"
    if dialect == "postgresql":
        base = f"COALESCE(NULLIF({lead}.attributes, 'null'::jsonb), '{{}}'::jsonb)"
        added = f"{base} || {incoming}.attributes"
        empty = "'{}'::jsonb"
    else:
        added = f"json_patch(COALESCE({lead}.attributes, '{{}}'), {incoming}.attributes)"
        empty = "'{}'"
    merged["attributes"] = (
        f"CASE WHEN {incoming}.attributes IS NULL OR {incoming}.attributes = {empty} "
        f"THEN {lead}.attributes ELSE {added} END"
    )
    return merged
