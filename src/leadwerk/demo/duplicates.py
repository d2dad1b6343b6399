"""Planted duplicates: lists of people with some of them twice (the data the dedupe tests and
the identity benchmarks measure against: which pairs are true is known because they were
planted), and known people again in a database of leads (the demo's review queue, the
duplicate search benchmark)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.demo.generator import DemoGenerator, DemoSpec
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.nicknames import NICKNAMES
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database

HEADER = ("Kundennummer", "Vorname", "Nachname", "E-Mail", "Telefon", "Firma", "Land")
# What each column is compared as (the id column is not compared).
FIELD_KINDS = {
    "Vorname": FieldKind.FIRST_NAME,
    "Nachname": FieldKind.LAST_NAME,
    "E-Mail": FieldKind.EMAIL,
    "Telefon": FieldKind.PHONE,
    "Firma": FieldKind.COMPANY,
    "Land": FieldKind.COUNTRY,
}
TRANSLITERATE = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss"})


@dataclass(frozen=True)
class PlantedList:
    rows: list[tuple[str, ...]]
    duplicates: set[tuple[str, str]]  # (original id, duplicate id)


def _national(phone: str) -> str:
    """+4915191980286 → 0151 91980286, as people type it."""
    digits = "0" + phone[3:] if phone.startswith("+49") else phone
    return f"{digits[:4]} {digits[4:]}"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def people_with_duplicates(
    count: int, planted: int, seed: int, *, distinct_names: bool = True
) -> PlantedList:
    """About `count` people from the demo generator (with `distinct_names`, a second person
    of the same name is left out: whether two namesakes are one person is exactly what a list
    cannot tell, so a test that wants one right answer avoids them), then
    `planted` of them again with what goes wrong in real lists: another spelling, a typo, the
    phone in national format, another address or none. Ids: C0001… for the people, D0001… for
    the duplicates."""
    generator = DemoGenerator(DemoSpec(seed=seed, leads=count, today=date(2025, 6, 1)))
    names: set[tuple[str, str]] = set()
    people = []
    for batch in generator.batches(generator.synthetic_references(), 5000):
        for lead in batch.leads:
            if not distinct_names or (lead.first_name, lead.last_name) not in names:
                names.add((lead.first_name, lead.last_name))
                people.append(lead)
    rng = random.Random(seed)
    rows: list[tuple[str, ...]] = [
        (
            f"C{n:04d}",
            p.first_name,
            p.last_name,
            p.email,
            p.phone or "",
            p.company or "",
            p.country or "",
        )
        for n, p in enumerate(people, start=1)
    ]
    duplicates: set[tuple[str, str]] = set()
    for n, original in enumerate(rng.sample(rows, planted), start=1):
        _, first, last, email, phone, company, country = original
        variant = n % 4 if phone else n % 2  # the last two keep the phone as the link
        if variant == 0:  # other spelling, address in capitals, phone typed nationally
            row = (first, last.translate(TRANSLITERATE), email.upper(), _national(phone), company)
        elif variant == 1:  # a typo in the surname, no phone
            row = (first, _typo(last, rng), email, "", company)
        elif variant == 2:  # a private address, same phone
            row = (first, last, f"{first}.{last}@gmail.com".lower(), phone, "")
        else:  # no address at all, same phone and company
            row = (first, last, "", phone, company)
        duplicate_id = f"D{n:04d}"
        rows.append((duplicate_id, *row, country))
        duplicates.add((original[0], duplicate_id))
    rng.shuffle(rows)
    return PlantedList(rows, duplicates)


def columns(rows: list[tuple[str, ...]]) -> dict[FieldKind, list[str | None]]:
    """The rows as `identity.linkage.link` takes them: one list per field kind."""
    at = {kind: HEADER.index(column) for column, kind in FIELD_KINDS.items()}
    return {kind: [row[i] or None for row in rows] for kind, i in at.items()}


def write_list(path: Path, planted: PlantedList, delimiter: str = ";") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(planted.rows)
    return path


# full name → a short form of it (the table maps short forms to full ones)
_SHORT_FORMS: dict[str, str] = {}
for _short, _full in NICKNAMES.items():
    _SHORT_FORMS.setdefault(_full, _short)


def plant_leads(db: Database, count: int, seed: int) -> dict[int, int]:
    """`count` people of the database again, through the intake pipeline, under a new address:
    a third with a typo in the surname, a third under a short form of the given name (Bob for
    Robert) where it has one, half with the phone. Returns new lead id → original lead id."""
    rng = random.Random(seed)
    with db.read() as session:
        people = session.execute(
            select(
                Lead.id,
                Lead.first_name,
                Lead.last_name,
                Lead.phone,
                Lead.company,
                Lead.job_title,
                Lead.country,
            )
            .where(Lead.first_name.is_not(None), Lead.last_name.is_not(None))
            .order_by(Lead.id)
        ).all()
    chosen = rng.sample(people, min(count, len(people)))
    planted: dict[int, int] = {}
    for start in range(0, len(chosen), 500):
        with db.transaction() as session:
            for n, person in enumerate(chosen[start : start + 500], start):
                first, last = person.first_name, person.last_name
                if n % 3 == 1:
                    last = _typo(last, rng)
                elif n % 3 == 2:
                    first = _SHORT_FORMS.get(first.lower(), first.lower()).capitalize()
                result, _ = capture.run_intake(
                    session,
                    Intake(
                        email=f"{first.lower()}.{n}@planted.example",
                        first_name=first,
                        last_name=last,
                        phone=person.phone if n % 2 == 0 else None,
                        company=person.company,
                        job_title=person.job_title,
                        country=person.country,
                    ),
                    actor="demo",
                )
                planted[result.lead_id] = person.id
    return planted
