"""The pool of companies demo leads work for: names with legal forms, unique domains, industry,
size, country and city. Generated once per seed; an account row appears with its first lead."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from leadwerk.demo import data
from leadwerk.demo.data import Country, Industry
from leadwerk.demo.names import POOLS
from leadwerk.identity.rules import company_key
from leadwerk.leads.rules import fold

# Letters fold() leaves alone because Unicode has no decomposition for them.
_TRANSLITERATE = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "ı": "i", "œ": "oe", "ð": "d", "þ": "th"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def ascii_words(text: str) -> list[str]:
    """ "Brüggemann & Söhne" → ["brueggemann", "soehne"]: transliterated, lower case ASCII."""
    return [w for w in _NOT_SLUG.split(fold(text).translate(_TRANSLITERATE)) if w]


def pick_weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    total = sum(w for _, w in items)
    u = rng.random() * total
    for item, weight in items:
        u -= weight
        if u < 0:
            return item
    return items[-1][0]


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    name_key: str | None
    domain: str
    industry: Industry
    employees: int
    employee_fit: int
    country: Country
    city: str
    email_pattern: int  # see generator._EMAIL_PATTERNS


_COUNTRY_WEIGHTS = tuple((c.code, c.weight) for c in data.COUNTRIES)
_INDUSTRY_WEIGHTS = tuple((i.name, i.weight) for i in data.INDUSTRIES)
_INDUSTRY_BY_NAME = {i.name: i for i in data.INDUSTRIES}
_EMAIL_PATTERN_WEIGHTS = (("0", 55), ("1", 15), ("2", 5), ("3", 12), ("4", 3), ("5", 10))
_FRENCH_SWISS = frozenset({"Genève", "Lausanne", "Fribourg", "Neuchâtel", "Biel/Bienne"})
_GERMAN_SPEAKING = frozenset({"DE", "AT", "CH"})


def _naming_language(country: Country, city: str) -> str:
    if country.code in _GERMAN_SPEAKING:
        return "fr" if city in _FRENCH_SWISS else "de"
    if country.code in ("GB", "IE", "US"):
        return "en"
    if country.code == "BE":
        return "nl"
    if country.code == "LU":
        return "fr"
    if country.code == "NO":
        return "da"
    return country.language


def _surname(rng: random.Random, country: Country) -> str:
    origin = max(country.origins, key=lambda o: country.origins[o])
    pool = POOLS[origin].last
    return pool[int(rng.random() * len(pool))]


def _brand(rng: random.Random, language: str) -> str:
    if language == "de":
        prefixes, suffixes = data.BRAND_PREFIXES_DE, data.BRAND_SUFFIXES_DE
        return (
            prefixes[int(rng.random() * len(prefixes))]
            + suffixes[int(rng.random() * len(suffixes))]
        )
    syllables = data.BRAND_SYLLABLES
    word = "".join(
        syllables[int(rng.random() * len(syllables))] for _ in range(2 + (rng.random() < 0.4))
    )
    return word.capitalize()


def _name(rng: random.Random, country: Country, city: str, industry: Industry) -> tuple[str, str]:
    """(name without legal form, legal form)."""
    language = _naming_language(country, city)
    if language == "de":
        words = industry.words_de
    elif language == "en" or rng.random() < 0.5:
        words = industry.words_en
    else:
        words = data.COMPANY_WORDS.get(language, industry.words_en)
    word = words[int(rng.random() * len(words))]
    pattern = rng.random()
    if pattern < 0.33:
        base = f"{_surname(rng, country)} {word}"
    elif pattern < 0.45:
        base = f"{_surname(rng, country)} & {_surname(rng, country)}"
    elif pattern < 0.68:
        base = _brand(rng, language) + (f" {word}" if rng.random() < 0.6 else "")
    elif pattern < 0.78:
        base = f"{word} {city.split('/')[0]}"
    elif pattern < 0.9:
        initials = "".join(
            chr(65 + int(rng.random() * 26)) for _ in range(2 + (rng.random() < 0.5))
        )
        base = f"{initials} {word}"
    else:
        base = _surname(rng, country)
    forms = country.legal_forms
    if country.code == "CH" and language == "fr":
        forms = data.SWISS_FRENCH_LEGAL_FORMS
    return base, pick_weighted(rng, forms)


def _domain(base: str, country: Country, city: str, taken: set[str], com: bool) -> str:
    stem = "-".join(ascii_words(base))[:40].strip("-") or "firma"
    tld = "com" if com else country.tld
    candidate = f"{stem}.{tld}"
    if candidate in taken:
        candidate = f"{stem}-{'-'.join(ascii_words(city))}.{tld}"
    number = 2
    while candidate in taken:
        candidate = f"{stem}{number}.{tld}"
        number += 1
    taken.add(candidate)
    return candidate


def _employees(rng: random.Random) -> tuple[int, int]:
    u = rng.random() * sum(band[2] for band in data.EMPLOYEE_BANDS)
    low, high, _, fit = data.EMPLOYEE_BANDS[-1]
    for band in data.EMPLOYEE_BANDS:
        u -= band[2]
        if u < 0:
            low, high, _, fit = band
            break
    count = int(math.exp(math.log(low) + rng.random() * (math.log(high + 1) - math.log(low))))
    return min(max(count, low), high), fit


def company_pool(seed: int, size: int) -> list[Company]:
    rng = random.Random(f"leadwerk-demo/{seed}/companies")
    taken: set[str] = set()
    pool: list[Company] = []
    for _ in range(size):
        country = data.COUNTRY_BY_CODE[pick_weighted(rng, _COUNTRY_WEIGHTS)]
        city = country.cities[int(rng.random() * len(country.cities))]
        industry = _INDUSTRY_BY_NAME[pick_weighted(rng, _INDUSTRY_WEIGHTS)]
        base, legal = _name(rng, country, city, industry)
        name = f"{base} {legal}"
        employees, fit = _employees(rng)
        com = country.code != "US" and rng.random() < 0.1
        domain = _domain(base, country, city, taken, com)
        pattern = int(pick_weighted(rng, _EMAIL_PATTERN_WEIGHTS))
        pool.append(
            Company(
                name, company_key(name), domain, industry, employees, fit, country, city, pattern
            )
        )
    return pool
