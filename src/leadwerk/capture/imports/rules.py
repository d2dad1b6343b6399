"""Pure rules of capture.imports: no I/O.

Header detection (German and English synonyms), the column mapping and its overrides, cell
values (decimal commas, booleans, dates), encoding and delimiter choice from bytes and text
handed in, and the escaping of exported cells against formula injection.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from leadwerk.capture.imports.types import PreparedRow
from leadwerk.leads.rules import fold

IGNORE = "-"
CONSENT = "consent"
ATTRIBUTE_PREFIX = "attributes."
# Excel's own limit for one cell; a longer cell is a broken export or an attack, not data.
MAX_CELL_CHARS = 32_767
# Text fields of `Intake` a column can fill.
INTAKE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "job_title",
    "country",
    "language",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
    "url",
)
TARGETS = (*INTAKE_FIELDS, CONSENT)

# Header spellings per target, written as `header_key` folds them (lower case, umlauts
# spelled out, ß → ss, no spaces, dashes, dots or underscores).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailadresse", "emailaddress", "mail", "eMail", "mailadresse"),
    "first_name": ("vorname", "firstname", "givenname", "forename", "first"),
    "last_name": ("nachname", "lastname", "surname", "familyname", "familienname", "name"),
    "phone": (
        "telefon",
        "tel",
        "telefonnummer",
        "phone",
        "phonenumber",
        "telephone",
        "mobil",
        "mobile",
        "handy",
        "mobilnummer",
        "mobiltelefon",
    ),
    "company": (
        "firma",
        "unternehmen",
        "company",
        "companyname",
        "organisation",
        "organization",
        "firmenname",
        "arbeitgeber",
    ),
    "job_title": ("position", "jobtitel", "jobtitle", "title", "titel", "funktion", "rolle"),
    "country": ("land", "country", "staat", "countrycode", "laendercode"),
    "language": ("sprache", "language", "lang", "locale"),
    "source": ("quelle", "source", "leadquelle", "leadsource", "herkunft"),
    "utm_source": ("utmsource",),
    "utm_medium": ("utmmedium",),
    "utm_campaign": ("utmcampaign", "kampagne", "campaign"),
    "utm_term": ("utmterm",),
    "utm_content": ("utmcontent",),
    "referrer": ("referrer", "referer"),
    "url": ("url", "seite", "page", "landingpage"),
    CONSENT: (
        "consent",
        "einwilligung",
        "marketingconsent",
        "marketingeinwilligung",
        "optin",
        "werbeeinwilligung",
        "newsletter",
    ),
    "attributes.postal_code": ("plz", "postleitzahl", "postcode", "postalcode", "zip", "zipcode"),
    "attributes.city": ("ort", "stadt", "city", "town", "wohnort"),
    "attributes.street": ("strasse", "street", "adresse", "address", "anschrift"),
    "attributes.salutation": ("anrede", "salutation"),
    "attributes.website": ("website", "webseite", "homepage", "web"),
}
_BY_KEY = {key.lower(): target for target, keys in SYNONYMS.items() for key in keys}

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "ja", "j", "x", "wahr", "on", "ok", "✓"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "nein", "falsch", "off", ""})

_GERMAN_DECIMAL = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+),\d+")
_DOT_DECIMAL = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)\.\d+")
_INTEGER = re.compile(r"-?[1-9]\d{0,14}|0")
_AMBIGUOUS = re.compile(r"-?\d{1,3}\.\d{3}")  # 1.234: a thousand (German) or 1.234?
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (";", ",", "\t", "|")
# Bytes Windows-1252 leaves undefined: a file holding them is Latin-1 (ISO 8859-1).
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def header_key(header: str) -> str:
    """How headers are compared: folded ("Straße" → "strasse"), without spaces and marks."""
    return re.sub(r"[\s\-_.:/()]+", "", fold(header.strip()))


def attribute_key(header: str) -> str:
    """The key an unknown column gets in `attributes`: folded, words joined by `_`."""
    key = re.sub(r"[^a-z0-9]+", "_", fold(header.strip())).strip("_")
    return key or "column"


def dedupe_headers(headers: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Blank headers get a name from their position, a repeated one a suffix (`E-Mail (2)`);
    both columns are kept. Returns (headers, warnings)."""
    seen: dict[str, int] = {}
    result: list[str] = []
    warnings: list[str] = []
    for index, raw in enumerate(headers, start=1):
        header = " ".join(str(raw or "").split()) or f"column_{index}"
        count = seen.get(header.lower(), 0) + 1
        seen[header.lower()] = count
        if count > 1:
            renamed = f"{header} ({count})"
            warnings.append(
                f"The header {header!r} appears more than once; column {index} is read as "
                f"{renamed!r}."
            )
            header = renamed
        result.append(header)
    return tuple(result), tuple(warnings)


def detect_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Column → target for every column: a field of `Intake`, `consent`, or
    `attributes.<key>`. Each field is taken by the first column that names it; a later
    column with the same meaning goes to the attributes."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = _BY_KEY.get(header_key(header))
        if target is None or target in taken:
            mapping[header] = ATTRIBUTE_PREFIX + attribute_key(header)
        else:
            mapping[header] = target
            taken.add(target)
    return mapping


def apply_overrides(
    mapping: Mapping[str, str], overrides: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The mapping with `--map COLUMN=FIELD` applied (`-` ignores a column); (mapping,
    errors by column). A column is found by its exact header or, failing that, its key."""
    result = dict(mapping)
    errors: dict[str, str] = {}
    by_key = {header_key(h): h for h in mapping}
    for column, target in overrides.items():
        header = column if column in result else by_key.get(header_key(column))
        if header is None:
            errors[column] = f"The file has no column {column!r}."
            continue
        target = target.strip()
        if target == IGNORE or target in TARGETS:
            pass
        elif target.startswith(ATTRIBUTE_PREFIX) and len(target) > len(ATTRIBUTE_PREFIX):
            target = ATTRIBUTE_PREFIX + attribute_key(target[len(ATTRIBUTE_PREFIX) :])
        else:
            errors[column] = (
                f"Unknown field {target!r}; use one of {', '.join(TARGETS)}, "
                f"attributes.<name>, or - to ignore the column."
            )
            continue
        if target in TARGETS:  # a field is filled by one column: the override takes it
            for other, other_target in result.items():
                if other_target == target and other != header:
                    result[other] = ATTRIBUTE_PREFIX + attribute_key(other)
        result[header] = target
    return result, errors


def parse_overrides(items: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """`COLUMN=FIELD` strings → (overrides, errors)."""
    overrides: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            errors[item] = f"{item!r} is not COLUMN=FIELD."
            continue
        overrides[column.strip()] = target.strip()
    return overrides, errors


def parse_bool(value: Any) -> bool:
    """A consent cell: yes/ja/x/1/true/a date are yes; empty, no/nein/0/false are no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, datetime | date):
        return True  # the date consent was given
    text = fold(str(value or "").strip())
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return bool(re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", text))


def parse_number(text: str) -> int | float | str:
    """A cell for the attributes: `1.234,5` and `1234,5` (decimal comma) and `1234.5` become
    numbers, an integer without a leading zero too; anything else (a postcode `01067`, a
    phone number, the ambiguous `1.234`) stays text."""
    value = text.strip()
    if _AMBIGUOUS.fullmatch(value):
        return text
    if _GERMAN_DECIMAL.fullmatch(value):
        return float(value.replace(".", "").replace(",", "."))
    if _DOT_DECIMAL.fullmatch(value):
        return float(value.replace(",", ""))
    if _INTEGER.fullmatch(value):
        return int(value)
    return text


def cell_text(value: Any) -> str | None:
    """A cell as text for a field of `Intake`: numbers without a trailing `.0`, dates in ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def attribute_value(value: Any) -> Any:
    """A cell for the attributes (JSON): numbers stay numbers, dates become ISO text."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime | date):
        return cell_text(value)
    return parse_number(str(value))


def is_empty(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass(frozen=True, slots=True)
class MappedColumn:
    position: int
    header: str
    target: str  # an Intake field, CONSENT, or the key of an attribute
    kind: str  # "field", "consent" or "attribute"


def mapped_columns(headers: Sequence[str], mapping: Mapping[str, str]) -> tuple[MappedColumn, ...]:
    """The columns a mapping uses, worked out once per file rather than once per row."""
    columns: list[MappedColumn] = []
    for position, header in enumerate(headers):
        target = mapping.get(header, IGNORE)
        if target == IGNORE:
            continue
        if target == CONSENT:
            columns.append(MappedColumn(position, header, target, "consent"))
        elif target.startswith(ATTRIBUTE_PREFIX):
            name = target[len(ATTRIBUTE_PREFIX) :]
            columns.append(MappedColumn(position, header, name, "attribute"))
        else:
            columns.append(MappedColumn(position, header, target, "field"))
    return tuple(columns)


def prepare_row(
    number: int, headers: Sequence[str], values: Sequence[Any], columns: Sequence[MappedColumn]
) -> PreparedRow:
    """One record → intake values by the mapping (`mapped_columns`). Too long cells and a
    record with more cells than the header has are errors of the row; normalisation comes
    later."""
    errors: dict[str, str] = {}
    if len(values) > len(headers) and not is_empty(values[len(headers) :]):
        errors["row"] = (
            f"The row has {len(values)} cells but the header only {len(headers)} columns; "
            "check the delimiter and the quotes."
        )
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    consent = False
    width = len(values)
    for column in columns:
        if column.position >= width:
            break
        value = values[column.position]
        if value is None:
            continue
        if type(value) is str:
            if len(value) > MAX_CELL_CHARS:
                field = column.target if column.kind != "attribute" else column.header
                errors[field] = (
                    f"The cell in column {column.header!r} has {len(value):,} characters; at "
                    f"most {MAX_CELL_CHARS:,} are accepted."
                )
                continue
            if not value.strip():
                continue
        if column.kind == "field":
            fields[column.target] = value if type(value) is str else cell_text(value)
        elif column.kind == "consent":
            consent = parse_bool(value)
        else:
            attributes[column.target] = attribute_value(value)
    fields["attributes"] = attributes
    return PreparedRow(number=number, values=fields, marketing_consent=consent, errors=errors)


def choose_encoding(data: bytes, valid_utf8: bool) -> str:
    """`utf-8-sig` for a BOM, `utf-8` when the whole file decodes strictly (`valid_utf8`),
    else `cp1252`, or `latin-1` when bytes Windows-1252 leaves undefined occur."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if valid_utf8:
        return "utf-8"
    if CP1252_UNDEFINED.intersection(data):
        return "latin-1"
    return "cp1252"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among `;` `,` tab `|` that splits the sample's records into the same
    number (more than one) of cells most often; `,` when none does."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut off
    text = "".join(lines)
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        share = sum(1 for r in records if len(r) == width) / len(records)
        score = (share, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def escape_cell(value: Any) -> Any:
    """An exported cell: text that a spreadsheet would run as a formula gets a leading `'`
    (OWASP, CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def fingerprint_parts(mapping: Mapping[str, str], sheet: str | None) -> str:
    """What, besides the file's bytes, decides which rows an import writes how."""
    pairs = ";".join(f"{k}={v}" for k, v in sorted(mapping.items()))
    return f"sheet={sheet or ''};{pairs}"
