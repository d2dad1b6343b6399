"""`capture.phones` answers exactly as the `phonenumbers` library does: the same number (or
the same refusal) for any input, and the same line type for any number."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumberType

from leadwerk.capture import phones

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = [
    value
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and value != PhoneNumberType.UNKNOWN
]
EXAMPLES = sorted(
    {
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        for region in REGIONS
        for kind in TYPES
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    }
    | {
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
        if (example := phonenumbers.example_number_for_non_geo_entity(code)) is not None
    }
)


def _library(value: str, region: str | None) -> phonenumbers.PhoneNumber | str:
    try:
        return phonenumbers.parse(value, region)
    except NumberParseException as exc:
        return f"error {exc.error_type}"


def _ours(value: str, region: str | None) -> phonenumbers.PhoneNumber | str:
    try:
        return phones.parse(value, region)
    except NumberParseException as exc:
        return f"error {exc.error_type}"


def _same(value: str, region: str | None) -> None:
    ours, library = _ours(value, region), _library(value, region)
    assert ours == library, value
    if isinstance(library, phonenumbers.PhoneNumber):
        assert phones.number_type(library) == phonenumbers.number_type(library), value


def test_there_are_examples_of_every_region() -> None:
    assert len(EXAMPLES) > 1000
    assert {phonenumbers.parse(e).country_code for e in EXAMPLES} == set(
        COUNTRY_CODE_TO_REGION_CODE
    ) - {999}  # (the library's test code, without examples)


@pytest.mark.parametrize("region", [None, "DE", "US"])
def test_every_example_number_reads_and_types_as_in_the_library(region: str | None) -> None:
    for e164 in EXAMPLES:
        cc = str(phonenumbers.parse(e164).country_code)
        national = e164[1 + len(cc) :]
        for written in (
            e164,
            f"+{cc} {national}",
            f"+{cc} ({national[:2]}) {national[2:]}",
            f"+{cc}-{national[:3]}-{national[3:]}",
            f"+{cc} (0) {national}",
            f"+{cc}0{national}",
            f"+{cc}.{national[:1]}.{national[1:]}",
            f"+{cc}/{national}",
        ):
            _same(written, region)


NATIONAL_EXAMPLES = sorted(
    {
        (region, phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL))
        for region in REGIONS
        for kind in TYPES
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    }
)


def test_every_example_number_written_nationally_reads_as_in_the_library() -> None:
    assert len(NATIONAL_EXAMPLES) > 1000
    for region, written in NATIONAL_EXAMPLES:
        digits = "".join(c for c in written if c.isdigit())
        for value in (written, digits, digits[1:], f"0{digits}", f"00{digits}", f"{digits}99"):
            for parsed_in in (region, "DE", "US", "IT"):
                _same(value, parsed_in)


def test_the_shortcut_takes_the_common_forms() -> None:
    """A shortcut only helps when it is taken: the forms it is for take it, others do not."""
    for value in ("+4917612345678", "+49 30 1234567", "+1 (415) 555-2671", "+49 (0) 30 1234567"):
        assert phones._international(value) is not None, value
    for value in ("030 1234567", "+49 30 1234567 ext. 12", "+999 123", "+54 9 11 1234 5678"):
        assert phones._international(value) is None
    for value, region in (("030 1234567", "DE"), ("0171/1234567", "DE"), ("0660 9346723", "AT")):
        assert phones._national(value, region) is not None
    for value, region in (("0049 30 1234567", "DE"), ("49 30 1234567", "DE"), ("011 2", "US")):
        assert phones._national(value, region) is None


SEPARATOR = st.sampled_from(["", "", "", " ", "-", ".", "/", "(", ")", "  ", " / ", "x", "#"])


@st.composite
def written_numbers(draw: st.DrawFn) -> str:
    """The text of a field: a plus (or not), a country code (real or not), digits with
    separators, sometimes something else after it."""
    code = draw(st.sampled_from([*COUNTRY_CODE_TO_REGION_CODE, 0, 28, 999, 1000]))
    digits = draw(st.text(alphabet="0123456789", min_size=0, max_size=19))
    parts = [draw(st.sampled_from(["+", "+", "", "00", "++", "＋"])), str(code)]
    for digit in digits:
        parts.append(draw(SEPARATOR))
        parts.append(digit)
    parts.append(draw(st.sampled_from(["", "", " ", " ext. 7", "x12", ";ext=3", "a"])))
    return "".join(parts)


@st.composite
def dialled_numbers(draw: st.DrawFn) -> str:
    """A number as dialled inside a country: national prefixes, international prefixes,
    country codes without a plus, separators."""
    start = draw(st.sampled_from(["0", "0", "00", "000", "011", "1", "49", "39", "8", "9", ""]))
    digits = start + draw(st.text(alphabet="0123456789", min_size=0, max_size=16))
    parts = []
    for digit in digits:
        parts.append(draw(SEPARATOR))
        parts.append(digit)
    return "".join(parts).lstrip(" -./()x#")


@settings(max_examples=3000)
@given(value=dialled_numbers(), region=st.sampled_from(REGIONS))
def test_any_dialled_number_reads_as_in_the_library(value: str, region: str) -> None:
    _same(value, region)


@settings(max_examples=3000)
@given(value=written_numbers(), region=st.sampled_from([None, "DE", "AT", "CH", "US", "IT", "ZZ"]))
def test_any_text_reads_as_in_the_library(value: str, region: str | None) -> None:
    _same(value, region)


@settings(max_examples=2000)
@given(
    code=st.sampled_from(sorted(COUNTRY_CODE_TO_REGION_CODE)),
    national=st.integers(min_value=0, max_value=10**17),
    zeros=st.integers(min_value=0, max_value=3),
)
def test_any_number_types_as_in_the_library(code: int, national: int, zeros: int) -> None:
    number = phonenumbers.PhoneNumber(country_code=code, national_number=national)
    if zeros:
        number.italian_leading_zero = True
        if zeros > 1:
            number.number_of_leading_zeros = zeros
    assert phones.number_type(number) == phonenumbers.number_type(number)
