"""The pure half of an import's write: a batch of normalised rows staged for `bulk.write_batch`.

`stage` runs where the rows are normalised (a worker process for a large file, which imports
this module and the normalisers, nothing of the database half): it groups the batch's rows by
email key, folds the rows of one address into one set of incoming values with the intake
pipeline's merge rule (`capture.rules.merge_into`), and puts each group's lead columns and
each row's touchpoint into one line of COPY's text format. Column lists come from
`Lead.__table__` and `NormalisedLead`, so a field added to both is written without a change
here.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table

from leadwerk.capture.rules import merge_into
from leadwerk.capture.types import NormalisedLead
from leadwerk.consent.types import ImportedRow
from leadwerk.leads import rules as lead_rules
from leadwerk.leads.models import Lead
from leadwerk.storage.base import EnumValue
from leadwerk.storage.bulk import copy_line, json_text

_leads = cast(Table, Lead.__table__)
_CLEAN_FIELDS = tuple(f.name for f in dc_fields(NormalisedLead))
# The lead's columns a group fills: the normalised ones in table order, then the derived ones.
_NORMALISED = tuple(
    c.key for c in _leads.columns if c.key in _CLEAN_FIELDS and c.key != "attributes"
)
GROUP_VALUES = (*_NORMALISED, "attributes", "phone_key", "search_text")
_normalised_values = operator.attrgetter(*_NORMALISED)
_ENUM_POSITIONS = tuple(
    i for i, name in enumerate(_NORMALISED) if isinstance(_leads.c[name].type, EnumValue)
)
# A row's touchpoint values (after its lead and email key); the rest are the same for the batch.
ROW_VALUES = (
    "channel",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "properties",
)
SEARCH_PARTS = ("first_name", "last_name", "email", "company")
_search_parts = operator.attrgetter(*SEARCH_PARTS)


@dataclass(frozen=True, slots=True)
class AcceptedRow:
    number: int
    clean: NormalisedLead
    marketing_consent: bool


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """A batch as strings and numbers (cheap to send between processes), values as the
    database takes them (enums as their value, JSON as text), each group's and each row's
    put into one line of COPY's text format (`storage.bulk.copy_line`; `copy_values` reads
    one back)."""

    groups: list[str]  # GROUP_VALUES of each group
    complete: list[bool]  # the group gives all four parts of the search text
    keys: list[str | None]  # the email key of each group
    row_groups: list[int]  # the group of each row, in the order of the file
    rows: list[str]  # ROW_VALUES of each row
    # the rows saying yes to consent, when staged with `consents`: (group number, the row)
    consents: list[tuple[int, ImportedRow]] = field(default_factory=list)


def _attributes_text(attributes: dict[str, Any]) -> str:
    return json_text(attributes) if attributes else "{}"


def _fold(rows: Sequence[AcceptedRow]) -> Any:
    """The incoming values of one address: its first row, with the later ones merged in as
    the intake pipeline merges a second intake of the address."""
    first = rows[0].clean
    lead = SimpleNamespace(**{name: getattr(first, name) for name in _CLEAN_FIELDS})
    lead.phone_key = first.phone
    lead.attributes = dict(first.attributes)
    for row in rows[1:]:
        merge_into(cast(Lead, lead), row.clean)
    return lead


def stage(rows: Sequence[AcceptedRow], import_id: int, *, consents: bool = False) -> StagedBatch:
    """Group and fold the batch's rows and put them into COPY lines for `bulk.write_batch`;
    with `consents`, also the rows saying yes (only an import with a consent text records
    them, and a third of a file's rows may say yes)."""
    numbers: dict[str, int] = {}
    grouped: list[list[AcceptedRow]] = []  # in the order of each group's first row
    row_groups: list[int] = []
    staged_rows: list[str] = []
    saying_yes: list[tuple[int, ImportedRow]] = []
    for row in rows:
        clean = row.clean
        key = clean.email_key
        number = numbers.get(key) if key is not None else None
        if number is None:  # without an address every intake makes a new lead
            number = len(grouped)
            grouped.append([row])
            if key is not None:
                numbers[key] = number
        else:
            grouped[number].append(row)
        consent = "true" if row.marketing_consent else "false"
        if row.marketing_consent and consents:
            saying_yes.append((number, ImportedRow(row.number, clean.email, key, clean.phone)))
        row_groups.append(number)
        staged_rows.append(
            copy_line(
                (
                    clean.channel.value,
                    clean.source,
                    clean.utm_source,
                    clean.utm_medium,
                    clean.utm_campaign,
                    clean.utm_term,
                    clean.utm_content,
                    f'{{"import_id":{import_id},"row":{row.number},"marketing_consent":{consent}}}',
                )
            )
        )
    groups: list[str] = []
    complete: list[bool] = []
    keys: list[str | None] = []
    for group in grouped:
        lead: Any = group[0].clean if len(group) == 1 else _fold(group)
        parts = _search_parts(lead)
        values = list(_normalised_values(lead))
        for position in _ENUM_POSITIONS:
            if values[position] is not None:
                values[position] = values[position].value
        values += (_attributes_text(lead.attributes), lead.phone, lead_rules.search_text(*parts))
        groups.append(copy_line(values))
        complete.append(None not in parts)
        keys.append(lead.email_key)
    return StagedBatch(groups, complete, keys, row_groups, staged_rows, saying_yes)
