"""Deduplicating a list: the use case behind `leadwerk dedupe FILE`.

The caller reads the file (`capture.imports.reader`: encodings, delimiters, sheets) and hands
over its headers and rows; this module maps the columns onto field kinds, checks the ids,
links the records (`linkage.link`) and writes PAIRS.csv and CLUSTERS.csv. Everything the user
can get wrong (an unknown column or kind, a missing or repeated id, a threshold outside
(0, 1]) is a `ValidationFailed` before any work starts.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from leadwerk.errors import ValidationFailed
from leadwerk.identity import linkage
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.rules import simple_text

# Headers (folded to words) each kind is recognised by, German and English.
KIND_HEADERS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.FIRST_NAME: ("vorname", "first name", "firstname", "given name", "forename"),
    FieldKind.LAST_NAME: (
        "nachname",
        "familienname",
        "zuname",
        "last name",
        "lastname",
        "surname",
        "family name",
    ),
    FieldKind.FULL_NAME: ("name", "full name", "vollstaendiger name", "kontakt", "contact name"),
    FieldKind.EMAIL: ("e mail", "email", "mail", "e mail adresse", "email address"),
    FieldKind.PHONE: (
        "telefon",
        "telefonnummer",
        "tel",
        "mobil",
        "handy",
        "phone",
        "phone number",
        "mobile",
    ),
    FieldKind.COMPANY: ("firma", "unternehmen", "firmenname", "company", "organisation"),
    FieldKind.STREET: ("strasse", "street", "address 1", "address1", "street name"),
    FieldKind.HOUSE_NUMBER: (
        "hausnummer",
        "hausnr",
        "house number",
        "street number",
        "number",
    ),
    FieldKind.ADDRESS_LINE: (
        "adresse",
        "anschrift",
        "adresszusatz",
        "address",
        "address 2",
        "address2",
        "address line",
    ),
    FieldKind.CITY: ("ort", "stadt", "wohnort", "city", "town", "suburb"),
    FieldKind.POSTCODE: ("plz", "postleitzahl", "postcode", "postal code", "zip", "zip code"),
    FieldKind.REGION: ("bundesland", "kanton", "region", "state", "county", "province"),
    FieldKind.COUNTRY: ("land", "country"),
    FieldKind.DATE_OF_BIRTH: (
        "geburtsdatum",
        "geburtstag",
        "date of birth",
        "dob",
        "birth date",
        "birthday",
    ),
    FieldKind.NATIONAL_ID: (
        "sozialversicherungsnummer",
        "steuer id",
        "steuerid",
        "national id",
        "soc sec id",
        "ssn",
        "social security number",
    ),
}
_BY_HEADER = {alias: kind for kind, aliases in KIND_HEADERS.items() for alias in aliases}


def parse_fields(pairs: Sequence[str]) -> dict[str, FieldKind]:
    """`COLUMN=KIND` options into a mapping; raises ValidationFailed naming each bad one."""
    fields: dict[str, FieldKind] = {}
    errors: dict[str, str] = {}
    kinds = ", ".join(k.value for k in FieldKind)
    for pair in pairs:
        column, sep, kind = pair.rpartition("=")
        if not sep or not column:
            errors[pair] = "write COLUMN=KIND, e.g. Vorname=first_name"
        elif kind.strip() not in FieldKind.__members__.values():
            errors[pair] = f"unknown kind {kind.strip()!r}; use one of {kinds}"
        else:
            fields[column.strip()] = FieldKind(kind.strip())
    if errors:
        raise ValidationFailed(errors, "--field takes COLUMN=KIND.")
    return fields


def map_columns(
    headers: Sequence[str], id_column: str, overrides: dict[str, FieldKind]
) -> dict[str, FieldKind]:
    """Column → kind: the overrides, then every other header a kind is known by (each kind
    once, the first such column). The id column is never compared."""
    errors: dict[str, str] = {}
    if id_column not in headers:
        errors["--id-column"] = f"the file has no column {id_column!r}"
    for column in overrides:
        if column not in headers:
            errors[column] = "the file has no such column"
        elif column == id_column:
            errors[column] = "the id column is not compared; choose another column"
    if errors:
        raise ValidationFailed(errors, f"The file's columns are: {', '.join(headers)}.")
    mapping = dict(overrides)
    taken = set(overrides.values())
    for header in headers:
        if header == id_column or header in mapping:
            continue
        kind = _BY_HEADER.get(simple_text(header.replace("_", " ")) or "")
        if kind is not None and kind not in taken:
            mapping[header] = kind
            taken.add(kind)
    # "Vorname;Name": next to a given name, "Name" is the surname.
    named = [c for c, k in mapping.items() if k is FieldKind.FULL_NAME and c not in overrides]
    if named and FieldKind.FIRST_NAME in taken and FieldKind.LAST_NAME not in taken:
        mapping[named[0]] = FieldKind.LAST_NAME
    if not mapping:
        raise ValidationFailed(
            {"--field": "no column is known by its header; map them with --field COLUMN=KIND"},
            "Nothing to compare.",
        )
    return mapping


def check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ValidationFailed(
            {"--threshold": "a match probability above 0 and at most 1, such as 0.5"},
            "The threshold is out of range.",
        )


def _text(value: str | None) -> str | None:
    """A cell as the reader gave it (`capture.imports.rules.cell_text`), blank as None."""
    return value.strip() or None if value is not None else None


@dataclass(slots=True)
class DedupeResult:
    ids: list[str]
    fields: dict[str, FieldKind]
    threshold: float
    result: linkage.Linkage
    chosen: npt.NDArray[np.int64]  # positions of the pairs at or above the threshold
    cluster_of: npt.NDArray[np.int64]  # per record, the first record of its cluster
    skipped_rows: list[tuple[int, str]]  # (row number, why) for rows that could not be read
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        sizes = np.bincount(self.cluster_of, minlength=len(self.ids))
        return {
            "records": len(self.ids),
            "fields": {column: kind.value for column, kind in self.fields.items()},
            "threshold": self.threshold,
            "candidate_pairs": len(self.result.left),
            "pairs": len(self.chosen),
            "clusters": int((sizes > 1).sum()),
            "records_in_clusters": int(sizes[sizes > 1].sum()),
            "skipped_rows": [{"row": n, "reason": why} for n, why in self.skipped_rows],
            "blocking": {
                "pairs_per_rule": self.result.blocking.per_rule,
                "records_in_blocks_too_large": self.result.blocking.skipped,
            },
            "model": {
                "converged": self.result.model.converged,
                "iterations": self.result.model.iterations,
                "prior": self.result.model.prior,
            },
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def dedupe(
    headers: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str | None], str | None]],
    *,
    id_column: str,
    fields: dict[str, FieldKind],
    threshold: float = linkage.DEFAULT_THRESHOLD,
) -> DedupeResult:
    """Link the rows (row number, values, read error) of one file against each other."""
    check_threshold(threshold)
    started = time.perf_counter()
    position = {h: i for i, h in enumerate(headers)}
    id_at = position[id_column]
    ids: list[str] = []
    columns: dict[FieldKind, list[str | None]] = {kind: [] for kind in fields.values()}
    at = [(position[column], kind) for column, kind in fields.items()]
    skipped: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    problems: dict[str, str] = {}
    for number, values, error in rows:
        if error is not None:
            skipped.append((number, error))
            continue
        if all(_text(v) is None for v in values):
            continue
        record_id = _text(values[id_at]) if id_at < len(values) else None
        if record_id is None:
            problems[f"row {number}"] = f"no id in column {id_column!r}"
        elif record_id in seen:
            problems[f"row {number}"] = f"id {record_id!r} is also in row {seen[record_id]}"
        else:
            seen[record_id] = number
        if len(problems) >= 20:
            break
        ids.append(record_id or "")
        for index, kind in at:
            columns[kind].append(_text(values[index]) if index < len(values) else None)
    if problems:
        raise ValidationFailed(problems, f"Each row needs its own id in column {id_column!r}.")
    read = time.perf_counter() - started
    result = linkage.link(columns)
    chosen = result.above(threshold)
    started = time.perf_counter()
    cluster_of = linkage.clusters(len(ids), result.left[chosen], result.right[chosen])
    seconds = {"read": read, **result.seconds, "cluster": time.perf_counter() - started}
    return DedupeResult(ids, fields, threshold, result, chosen, cluster_of, skipped, seconds)


def write_pairs(outcome: DedupeResult, out: TextIO) -> None:
    """left_id,right_id,match_probability; most likely first, left before right in the file."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("left_id", "right_id", "match_probability"))
    ids, result = outcome.ids, outcome.result
    for pair in outcome.chosen.tolist():
        writer.writerow(
            (
                ids[result.left[pair]],
                ids[result.right[pair]],
                f"{result.probabilities[pair]:.6f}",
            )
        )


def write_clusters(outcome: DedupeResult, out: TextIO) -> None:
    """id,cluster_id,cluster_size for every record; a cluster is named by its first id."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("id", "cluster_id", "cluster_size"))
    sizes = np.bincount(outcome.cluster_of, minlength=len(outcome.ids))
    for record, first in enumerate(outcome.cluster_of.tolist()):
        writer.writerow((outcome.ids[record], outcome.ids[first], int(sizes[first])))


def output_paths_differ(source: Path, *targets: Path | None) -> None:
    """Refuse to write an output over the input file or over the other output."""
    chosen = [t for t in targets if t is not None]
    resolved = [source.resolve(), *(t.resolve() for t in chosen)]
    if len(set(resolved)) != len(resolved):
        raise ValidationFailed(
            {"--output": "PAIRS.csv, CLUSTERS.csv and FILE must be three different files"},
            "The outputs would overwrite a file.",
        )
