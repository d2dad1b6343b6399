"""Phone numbers in E.164 that libphonenumber accepts as valid for their country.

Parsing and validating every generated number with `phonenumbers` costs ~50 µs; checking the
national number against the country's metadata patterns directly costs ~1 µs and accepts the
same numbers (the unit tests confirm each one with `phonenumbers.is_valid_number`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import phonenumbers

from leadwerk.demo.data import Country

_MAX_TRIES = 60


@dataclass(frozen=True, slots=True)
class _Patterns:
    country_code: int
    general: re.Pattern[str]
    mobile: re.Pattern[str]
    fixed: re.Pattern[str]


def _pattern(desc: phonenumbers.PhoneNumberDesc | None) -> re.Pattern[str]:
    if desc is None or not desc.national_number_pattern:
        raise ValueError("phone metadata without a number pattern")
    return re.compile(str(desc.national_number_pattern))


class PhoneMaker:
    """Makes mobile and landline numbers per country; landlines only for cities it knows."""

    def __init__(self) -> None:
        self._patterns: dict[str, _Patterns] = {}

    def _for(self, region: str) -> _Patterns:
        found = self._patterns.get(region)
        if found is None:
            meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
            if meta is None or meta.country_code is None:
                raise ValueError(f"no phone metadata for {region}")
            found = _Patterns(
                meta.country_code,
                _pattern(meta.general_desc),
                _pattern(meta.mobile),
                _pattern(meta.fixed_line),
            )
            self._patterns[region] = found
        return found

    def make(self, rng: random.Random, country: Country, city: str | None, landline: bool) -> str:
        patterns = self._for(country.code)
        area = country.landlines.get(city or "") if landline else None
        prefixes: tuple[str, ...]
        if area is not None:
            prefixes, length, kind = (area[0],), area[1], patterns.fixed
        else:
            prefixes, length, kind = country.mobile_prefixes, country.mobile_length, patterns.mobile
        for _ in range(_MAX_TRIES):
            prefix = prefixes[int(rng.random() * len(prefixes))]
            digits = length - len(prefix)
            national = prefix + str(rng.randrange(10**digits)).zfill(digits)
            if country.code == "US":  # NANP: the exchange code never starts with 0 or 1
                national = national[:3] + str(2 + int(rng.random() * 8)) + national[4:]
            if kind.fullmatch(national) and patterns.general.fullmatch(national):
                return f"+{patterns.country_code}{national}"
        raise ValueError(f"no valid phone number for {country.code} after {_MAX_TRIES} tries")
