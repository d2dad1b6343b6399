"""Phone numbers read and typed with Google's metadata (the `phonenumbers` library), faster.

`phonenumbers` is a line-by-line port of libphonenumber: reading one number runs some thirty
Python functions and a dozen regular expressions through its own compile cache, and telling
its line type up to twelve more; together 20 µs, a quarter of an import's normalisation per
row (bench/import_leads.py). Two shortcuts give the library's own answers for less:

- `parse`: a number made of digits and the usual separators, written with "+" and the
  country code ("+49 30 1234567", "+1 (415) 555-2671", what ad platforms, form widgets and
  most CRM exports hand over) or as dialled inside the row's country ("030 1234567",
  "0171/1234567", what German lists hold), is read by the library's own rules for these
  two forms: the country code is the first one to three digits that name one; a number
  dialled at home is not one dialled abroad and does not start with the country code; the
  national prefix ("0") comes off when the rest still fits the region's pattern and
  lengths. Everything else (extensions, letters, "0049 …", a country whose national prefix
  carries a carrier code or is rewritten) goes to `phonenumbers.parse`.
- `number_type`: the same checks in the same order as `phonenumbers.number_type`, with each
  region's patterns compiled once instead of looked up in a cache for every check.

tests/unit/capture/test_phones.py holds both against the library: the example numbers of
every region and type, and generated numbers in every shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberDesc,
    PhoneNumberType,
)

# "+", a digit that may start a country code, then digits, at most two separators between
# two of them, ending in a digit; without the "+", at least three digits.
_INTERNATIONAL = re.compile(r"\+[1-9](?:[ \-./()]{0,2}[0-9])+")
_NATIONAL = re.compile(r"[0-9](?:[ \-./()]{0,2}[0-9]){2,}")
_SEPARATORS = str.maketrans("", "", " -./()")
# What the library accepts as a national significant number (its _MIN/_MAX_LENGTH_FOR_NSN).
_SHORTEST, _LONGEST = 2, 17


def parse(value: str, region: str | None) -> PhoneNumber:
    """As `phonenumbers.parse(value, region)`: the number, or NumberParseException."""
    if value.startswith("+"):
        number = _international(value)
    else:
        number = _national(value, region) if region else None
    return number if number is not None else phonenumbers.parse(value, region)


def _international(value: str) -> PhoneNumber | None:
    """A number written as "+<country code><national number>", or None where the library's
    own rules have to decide. The country code is the first one to three digits that name
    one, as the library reads it."""
    if _INTERNATIONAL.fullmatch(value) is None:
        return None
    digits = value[1:].translate(_SEPARATORS)
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None  # no such country code: the library's error message
    plan = _code_plan(code)
    if plan is None:
        return None
    return _number(code, _without_national_prefix(plan, digits[size:]))


def _national(value: str, region: str) -> PhoneNumber | None:
    """A number written as dialled inside `region` ("030 1234567", "0171/1234567"), or None
    where the library's own rules have to decide: one dialled abroad (it starts with the
    region's international prefix, "00") or one that may start with the region's country
    code ("49 30 …")."""
    if _NATIONAL.fullmatch(value) is None:
        return None
    plan = _region_plan(region)
    if plan is None:
        return None
    digits = value.translate(_SEPARATORS)
    if plan.abroad.match(digits) or digits.startswith(plan.code_text):
        return None
    return _number(plan.code, _without_national_prefix(plan, digits))


def _without_national_prefix(plan: _Plan, digits: str) -> str:
    """The national number without its national prefix ("0"), taken off as the library takes
    it off: unless the number fits the region's pattern with the prefix and not without it,
    and only when what is left has a possible length (or is longer than any)."""
    stripped = plan.prefix.match(digits) if plan.prefix is not None else None
    if stripped is None:
        return digits
    rest = digits[stripped.end() :]
    if plan.general.fullmatch(digits) is not None and plan.general.fullmatch(rest) is None:
        return digits
    length = len(rest)
    if length in plan.local or not (length in plan.lengths or length > plan.lengths[-1]):
        return digits  # (`local` is disjoint from `lengths` in every region today)
    return rest


def _number(code: int, national: str) -> PhoneNumber | None:
    """The number of a country code and a national number, marked as the library marks a
    national number with leading zeros; None for a length the library refuses."""
    if not _SHORTEST <= len(national) <= _LONGEST:
        return None
    number = PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        number.italian_leading_zero = True
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number


@dataclass(frozen=True, slots=True)
class _Plan:
    """What parsing needs of a region's metadata, compiled once."""

    code: int
    code_text: str
    abroad: re.Pattern[str]  # its international (IDD) prefix
    prefix: re.Pattern[str] | None  # its national prefix for parsing, if it has one
    general: re.Pattern[str]  # the pattern of all its numbers
    lengths: tuple[int, ...]  # their possible lengths, ascending
    local: frozenset[int]  # lengths only dialled locally


@cache
def _region_plan(region: str) -> _Plan | None:
    return _plan(PhoneMetadata.metadata_for_region(region, None))


@cache
def _code_plan(code: int) -> _Plan | None:
    """The plan of the country code's main region (or of a non-geographic code itself), whose
    metadata the library reads a "+" number with."""
    region = phonenumbers.region_code_for_country_code(code)
    return _plan(PhoneMetadata.metadata_for_region_or_calling_code(code, region))


def _plan(metadata: PhoneMetadata | None) -> _Plan | None:
    """None where the shortcut does not apply: no metadata, or a national prefix that
    carries a carrier code or is rewritten (Argentina, Mexico, ...)."""
    if metadata is None or metadata.country_code is None:
        return None
    general = metadata.general_desc
    prefix = metadata.national_prefix_for_parsing or None
    if (
        (
            prefix is not None
            and (metadata.national_prefix_transform_rule or re.compile(prefix).groups)
        )
        or general is None
        or not general.national_number_pattern
        or not general.possible_length
    ):
        return None
    return _Plan(
        code=metadata.country_code,
        code_text=str(metadata.country_code),
        abroad=re.compile(metadata.international_prefix or r"(?!)"),
        prefix=re.compile(prefix) if prefix is not None else None,
        general=re.compile(general.national_number_pattern),
        lengths=tuple(general.possible_length),
        local=frozenset(general.possible_length_local_only or ()),
    )


# (the type, as the library's int constant; the possible lengths; the pattern)
_Check = tuple[int, frozenset[int], re.Pattern[str]]


def number_type(number: PhoneNumber) -> int:
    """As `phonenumbers.number_type(number)`."""
    compiled = _checks(number.country_code, phonenumbers.region_code_for_number(number))
    if compiled is None:
        return PhoneNumberType.UNKNOWN
    national = phonenumbers.national_significant_number(number)
    general, checks, fixed, mobile, same = compiled
    if not _matches(national, general):
        return PhoneNumberType.UNKNOWN
    for kind, lengths, pattern in checks:  # `_matches` inlined: 0.5 µs per number
        if (not lengths or len(national) in lengths) and pattern.fullmatch(national):
            return kind
    if _matches(national, fixed):
        if same or _matches(national, mobile):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not same and _matches(national, mobile):
        return PhoneNumberType.MOBILE
    return PhoneNumberType.UNKNOWN


def _matches(national: str, check: _Check | None) -> bool:
    if check is None:
        return False
    _, lengths, pattern = check
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


# The kinds checked before fixed line and mobile, in the library's order.
_SPECIAL_KINDS = (
    (PhoneNumberType.PREMIUM_RATE, "premium_rate"),
    (PhoneNumberType.TOLL_FREE, "toll_free"),
    (PhoneNumberType.SHARED_COST, "shared_cost"),
    (PhoneNumberType.VOIP, "voip"),
    (PhoneNumberType.PERSONAL_NUMBER, "personal_number"),
    (PhoneNumberType.PAGER, "pager"),
    (PhoneNumberType.UAN, "uan"),
    (PhoneNumberType.VOICEMAIL, "voicemail"),
)


@cache
def _checks(
    code: int, region: str | None
) -> tuple[_Check | None, tuple[_Check, ...], _Check | None, _Check | None, bool] | None:
    """A region's descriptions compiled once: (general, the special kinds in order, fixed
    line, mobile, whether fixed line and mobile share one pattern); None without metadata."""
    metadata = (
        None if region is None else PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    )
    if metadata is None:
        return None

    def check(kind: int, desc: PhoneNumberDesc | None) -> _Check | None:
        if desc is None or not desc.national_number_pattern:
            return None  # the library matches nothing against an empty pattern
        return kind, frozenset(desc.possible_length), re.compile(desc.national_number_pattern)

    specials = tuple(
        c
        for c in (check(kind, getattr(metadata, name)) for kind, name in _SPECIAL_KINDS)
        if c is not None
    )
    return (
        check(PhoneNumberType.UNKNOWN, metadata.general_desc),
        specials,
        check(PhoneNumberType.FIXED_LINE, metadata.fixed_line),
        check(PhoneNumberType.MOBILE, metadata.mobile),
        bool(metadata.same_mobile_and_fixed_line_pattern),
    )
