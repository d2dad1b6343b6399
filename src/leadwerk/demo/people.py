"""Who a demo lead is: name, email address, job title and where they work.

Values come out exactly as the intake would store them: names as written (mixed case, so
`normalise_name` keeps them), addresses in lower-case ASCII (umlauts transliterated, accents
dropped), unique within one demo load.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from leadwerk.demo import data
from leadwerk.demo.companies import Company, ascii_words
from leadwerk.demo.data import Country
from leadwerk.demo.names import POOLS, surname_for

FREEMAIL_SHARE = 0.14  # leads that sign up with a private address
FREEMAIL_WITH_COMPANY = 0.55  # of those, the share that still names their employer
FEMALE_SHARE = 0.48
GERMAN_TITLE_SHARE = 0.8  # DACH leads with a German job title (the rest use English ones)
# Freelancers and private persons without a company.
_SOLO_TITLES_DE = (("Freiberufler", "Freiberuflerin"), ("Selbstständig", "Selbstständig"))
_SOLO_TITLES_EN = ("Freelancer", "Consultant", "Self-employed")


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    female: bool
    origin: str
    language: str


def _cumulative(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


class PeopleMaker:
    """Names, emails and titles; remembers the addresses it gave so each one is unique."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._slugs: dict[str, str] = {}
        self._origins = {
            c.code: (list(c.origins), _cumulative(list(c.origins.values()))) for c in data.COUNTRIES
        }
        self._countries = list(data.COUNTRIES)
        self._country_cum = _cumulative([c.weight for c in data.COUNTRIES])

    def country(self, rng: random.Random) -> Country:
        u = rng.random() * self._country_cum[-1]
        return self._countries[min(bisect_right(self._country_cum, u), len(self._countries) - 1)]

    def person(self, rng: random.Random, country: Country) -> Person:
        origins, cum = self._origins[country.code]
        origin = origins[min(bisect_right(cum, rng.random() * cum[-1]), len(origins) - 1)]
        pool = POOLS[origin]
        female = rng.random() < FEMALE_SHARE
        firsts = pool.female if female else pool.male
        first = firsts[int(rng.random() * len(firsts))]
        last = surname_for(origin, pool.last[int(rng.random() * len(pool.last))], female)
        if pool.double_surname and rng.random() < pool.double_surname:
            last = f"{last} {pool.last[int(rng.random() * len(pool.last))]}"
        language = country.origin_languages.get(origin, country.language)
        return Person(first, last, female, origin, language)

    def _slug(self, text: str, joiner: str) -> str:
        key = joiner + text
        slug = self._slugs.get(key)
        if slug is None:
            slug = joiner.join(ascii_words(text))
            self._slugs[key] = slug
        return slug

    def email(self, rng: random.Random, person: Person, company: Company | None,
              freemail: str | None) -> str:  # fmt: skip
        first = self._slug(person.first_name, "-")
        # Spanish double surnames: the address uses the first one.
        last_name = person.last_name.split(" ")[0] if person.origin == "es" else person.last_name
        last = self._slug(last_name, "")
        if freemail is not None or company is None:
            domain = freemail or "gmail.com"
            u = rng.random()
            if u < 0.45:
                local = f"{first}.{last}"
            elif u < 0.7:
                local = f"{first}{last}{int(rng.random() * 90) + 10}"
            elif u < 0.9:
                local = f"{first[0]}.{last}{int(rng.random() * 40) + 60}"
            else:
                local = f"{last}.{first}"
        else:
            domain = company.domain
            pattern = company.email_pattern
            if pattern == 5 and company.employees >= 50:
                pattern = 0
            local = (
                f"{first}.{last}",
                f"{first[0]}.{last}",
                f"{first}{last}",
                f"{first[0]}{last}",
                f"{first}_{last}",
                first,
            )[pattern]
        address = f"{local}@{domain}"
        if address in self._used:
            number = 2
            while f"{local}{number}@{domain}" in self._used:
                number += 1
            address = f"{local}{number}@{domain}"
        self._used.add(address)
        return address

    @staticmethod
    def job_title(rng: random.Random, person: Person, country: Country, seniority: int,
                  has_company: bool) -> str | None:  # fmt: skip
        german = country.code in data.DACH and rng.random() < GERMAN_TITLE_SHARE
        if not has_company:
            if rng.random() < 0.6:
                return None
            if german:
                male, female = _SOLO_TITLES_DE[int(rng.random() * len(_SOLO_TITLES_DE))]
                return female if person.female else male
            return _SOLO_TITLES_EN[int(rng.random() * len(_SOLO_TITLES_EN))]
        if german:
            titles_de = data.TITLES_DE[seniority]
            male, female = titles_de[int(rng.random() * len(titles_de))]
            return female if person.female else male
        titles = data.TITLES_EN[seniority]
        return titles[int(rng.random() * len(titles))]
