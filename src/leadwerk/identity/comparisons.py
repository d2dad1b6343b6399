"""How two values of one field kind compare: an ordered list of levels, from "exact" down to
"different", plus "missing" when either side is empty.

Each kind has a `prepare` (what is compared: folded words, a canonical email, the digits of a
date) and its fuzzy levels, tried in order on the pairs that are not exact:

- `Same`: a derived key is equal (the Kölner Phonetik code, the full form of a nickname, a
  date with day and month swapped);
- `Close`: a string measure passes a threshold (Jaro–Winkler similarity, Damerau–Levenshtein
  distance, token-set ratio), computed by rapidfuzz over whole columns at once.

`compare` works on integer codes (`Column`): equality is a numpy comparison, and each distinct
pair of differing values is measured once however many record pairs share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from leadwerk.identity import rules

MISSING = 0  # level of a pair with an empty side: no information, weight 0
EXACT = 1

Codes = npt.NDArray[np.int32]
Levels = npt.NDArray[np.uint8]


class FieldKind(StrEnum):
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    EMAIL = "email"
    PHONE = "phone"
    COMPANY = "company"
    STREET = "street"
    HOUSE_NUMBER = "house_number"
    ADDRESS_LINE = "address_line"
    CITY = "city"
    POSTCODE = "postcode"
    REGION = "region"
    COUNTRY = "country"
    DATE_OF_BIRTH = "date_of_birth"
    NATIONAL_ID = "national_id"


@dataclass(frozen=True, slots=True)
class Same:
    """Equal after `derive` (None never agrees)."""

    label: str
    derive: Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Close:
    """`scorer(a, b)` ≥ `at_least` (a similarity) or ≤ `at_most` (a distance)."""

    label: str
    scorer: Callable[..., Any]
    at_least: float | None = None
    at_most: float | None = None


Fuzzy = Same | Close


@dataclass(frozen=True, slots=True)
class Comparison:
    kind: FieldKind
    prepare: Callable[[str], str | None]
    fuzzy: tuple[Fuzzy, ...]
    term_frequency: bool = False  # exact agreement weighed by how common the value is

    @property
    def labels(self) -> tuple[str, ...]:
        return ("missing", "exact", *(f.label for f in self.fuzzy), "different")

    @property
    def different(self) -> int:
        return len(self.fuzzy) + 2


# --- preparing values ----------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")
_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_DOTTED_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})[./-](\d{1,2})[./-](\d{1,2})")


def _digits(value: str) -> str | None:
    return _DIGITS.sub("", value) or None


def _phone(value: str) -> str | None:
    """Digits without the leading zeros of a trunk or international prefix: "+49 30 1234",
    "0049 30 1234" and "030 1234" all end in "301234" (`rules.phone_tail` compares those)."""
    digits = _DIGITS.sub("", value).lstrip("0")
    return digits or None


def _code(value: str) -> str | None:
    return _ALNUM.sub("", value).upper() or None


def date_digits(value: str) -> str | None:
    """YYYYMMDD from 1975-03-09, 9.3.1975, 09/03/1975 (day first) or 19750309; the digits of
    anything else. Not checked against the calendar: a typo such as 19751309 still compares."""
    if match := _ISO_DATE.match(value):
        year, month, day = match.groups()
        return f"{year}{int(month):02d}{int(day):02d}"
    if match := _DOTTED_DATE.match(value):
        day, month, year = match.groups()
        return f"{year}{int(month):02d}{int(day):02d}"
    return _digits(value.split(" ", 1)[0].split("T", 1)[0])


def _swapped_day_month(value: str) -> str | None:
    """A date with day and month in order of size: 19750309 and 19750903 give one key."""
    if len(value) != 8:
        return None
    month, day = value[4:6], value[6:8]
    return value[:4] + min(month, day) + max(month, day)


def _year(value: str) -> str | None:
    return value[:4] if len(value) == 8 else None


def _sorted_words(value: str) -> str | None:
    return " ".join(sorted(value.split())) or None


def _given(value: str) -> str | None:
    return rules.given_name_root(value)


def _text(value: str) -> str | None:
    return rules.simple_text(value)


# --- the comparisons -----------------------------------------------------------------------

_JW = JaroWinkler.normalized_similarity
_DL = DamerauLevenshtein.distance


def _names(kind: FieldKind, *first: Fuzzy) -> Comparison:
    return Comparison(
        kind,
        _text,
        (
            *first,
            Same("same sound", rules.phonetic),
            Close("very similar", _JW, at_least=0.92),
            Close("similar", _JW, at_least=0.80),
        ),
        term_frequency=True,
    )


COMPARISONS: dict[FieldKind, Comparison] = {
    c.kind: c
    for c in (
        _names(FieldKind.FIRST_NAME, Same("same name (short form)", _given)),
        _names(FieldKind.LAST_NAME),
        Comparison(
            FieldKind.FULL_NAME,
            _text,
            (
                Same("same words, other order", _sorted_words),
                Same("same sound", rules.sorted_sounds),
                Close("very similar", fuzz.token_set_ratio, at_least=90),
                Close("similar", fuzz.token_set_ratio, at_least=75),
            ),
            term_frequency=True,
        ),
        Comparison(
            FieldKind.EMAIL,
            rules.canonical_email,
            (),
        ),
        Comparison(
            FieldKind.PHONE,
            _phone,
            (
                Same("same number, other prefix", rules.phone_tail),
                Close("one typo", _DL, at_most=1),
            ),
        ),
        Comparison(
            FieldKind.COMPANY,
            rules.company_key,
            (
                Close("very similar", fuzz.token_set_ratio, at_least=95),
                Close("similar", fuzz.token_set_ratio, at_least=80),
            ),
            term_frequency=True,
        ),
        Comparison(
            FieldKind.STREET,
            _text,
            (
                Close("very similar", _JW, at_least=0.92),
                Close("similar", _JW, at_least=0.80),
            ),
            term_frequency=True,
        ),
        Comparison(FieldKind.HOUSE_NUMBER, _code, (Same("same number", _digits),)),
        Comparison(
            FieldKind.ADDRESS_LINE,
            _text,
            (
                Close("very similar", fuzz.token_set_ratio, at_least=90),
                Close("similar", fuzz.token_set_ratio, at_least=70),
            ),
        ),
        Comparison(
            FieldKind.CITY,
            _text,
            (Close("very similar", _JW, at_least=0.92),),
            term_frequency=True,
        ),
        Comparison(
            FieldKind.POSTCODE,
            _code,
            (Close("one typo", _DL, at_most=1),),
            term_frequency=True,
        ),
        Comparison(FieldKind.REGION, _text, ()),
        Comparison(FieldKind.COUNTRY, _text, ()),
        Comparison(
            FieldKind.DATE_OF_BIRTH,
            date_digits,
            (
                Close("one typo", _DL, at_most=1),
                Same("day and month swapped", _swapped_day_month),
                Close("two typos", _DL, at_most=2),
                Same("same year", _year),
            ),
        ),
        Comparison(
            FieldKind.NATIONAL_ID,
            _code,
            (Close("one typo", _DL, at_most=1), Close("two typos", _DL, at_most=2)),
        ),
    )
}


# --- columns and comparing them ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One field of every record, prepared and factorised: `codes[i]` indexes `values`
    (-1: empty); `counts[c]` is how many records hold `values[c]`."""

    comparison: Comparison
    codes: Codes
    values: list[str]
    counts: npt.NDArray[np.int64]
    _derived: dict[Callable[[str], str | None], Codes] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def build(cls, comparison: Comparison, raw: Sequence[str | None]) -> Column:
        index: dict[str, int] = {}
        prepared: dict[str, int] = {}  # raw value → code, so repeated raw values prepare once
        codes = np.empty(len(raw), dtype=np.int32)
        for n, value in enumerate(raw):
            code = prepared.get(value) if value is not None else -1
            if code is None:
                clean = comparison.prepare(value) if value and value.strip() else None
                code = -1 if clean is None else index.setdefault(clean, len(index))
                prepared[value] = code  # type: ignore[index]
            codes[n] = code
        counts = np.bincount(codes[codes >= 0], minlength=len(index)).astype(np.int64)
        return cls(comparison, codes, list(index), counts)

    def derived_codes(self, derive: Callable[[str], str | None]) -> Codes:
        """`derive` of each distinct value as integer codes (-1: None), worked out once."""
        if (cached := self._derived.get(derive)) is not None:
            return cached
        index: dict[str, int] = {}
        out = np.empty(len(self.values), dtype=np.int32)
        for n, value in enumerate(self.values):
            key = derive(value)
            out[n] = -1 if key is None else index.setdefault(key, len(index))
        self._derived[derive] = out
        return out


def compare(column: Column, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]) -> Levels:
    """The level of each record pair (`left[k]`, `right[k]`) on this column."""
    comparison = column.comparison
    a = column.codes[left]
    b = column.codes[right]
    levels = np.full(len(a), comparison.different, dtype=np.uint8)
    missing = (a < 0) | (b < 0)
    levels[missing] = MISSING
    same = (a == b) & ~missing
    levels[same] = EXACT
    differ = np.flatnonzero(~missing & ~same)
    if len(differ) == 0 or not comparison.fuzzy:
        return levels
    # Each distinct (smaller code, larger code) once: the measures are symmetric.
    low = np.minimum(a[differ], b[differ]).astype(np.int64)
    high = np.maximum(a[differ], b[differ]).astype(np.int64)
    pairs, inverse = np.unique(low * len(column.values) + high, return_inverse=True)
    first = pairs // len(column.values)
    second = pairs % len(column.values)
    found = np.full(len(pairs), comparison.different, dtype=np.uint8)
    open_ = np.arange(len(pairs))
    for number, test in enumerate(comparison.fuzzy, start=EXACT + 1):
        if len(open_) == 0:
            break
        hit = _passes(column, test, first[open_], second[open_])
        found[open_[hit]] = number
        open_ = open_[~hit]
    levels[differ] = found[inverse.reshape(-1)]
    return levels


def _passes(
    column: Column, test: Fuzzy, first: npt.NDArray[np.int64], second: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    if isinstance(test, Same):
        derived = column.derived_codes(test.derive)
        x, y = derived[first], derived[second]
        agree: npt.NDArray[np.bool_] = (x == y) & (x >= 0)
        return agree
    values = column.values
    scores = process.cpdist(
        [values[i] for i in first], [values[i] for i in second], scorer=test.scorer
    )
    if test.at_least is not None:
        return np.asarray(scores >= test.at_least)
    return np.asarray(scores <= test.at_most)
