"""Export of leads to CSV and XLSX, and an import's error report as CSV.

Every text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR at the
start) is written with a leading `'` (OWASP: CSV injection), in CSV and XLSX alike. Leads are
read in keyset pages, so an export of any size runs in constant memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
from typing import IO, Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from leadwerk.auth.rules import LeadVisibility
from leadwerk.capture.imports import rules
from leadwerk.capture.imports.models import Import, ImportRow
from leadwerk.leads import queries
from leadwerk.leads import service as leads

PAGE = 2000


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
    return rules.escape_cell(value)


def lead_rows(
    session: Session, spec: queries.LeadFilter, visibility: LeadVisibility
) -> Iterator[list[Any]]:
    """The header, then one row per lead the filter and the visibility allow, newest first."""
    header: list[str] | None = None
    spec = replace(spec, cursor=None, limit=PAGE)
    while True:
        page = queries.list_leads(session, spec, visibility)
        for lead in page.items:
            document = leads.to_document(lead)
            if header is None:
                header = list(document)
                yield header
            yield [_cell(document.get(name)) for name in header]
        session.expunge_all()  # constant memory over a long export
        if page.next_cursor is None:
            break
        spec = spec.with_cursor(page.next_cursor)
    if header is None:
        yield list(EMPTY_HEADER)


EMPTY_HEADER = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "job_title",
    "country",
    "stage",
    "created_at",
)


def write_csv(rows: Iterator[list[Any]], out: IO[bytes]) -> int:
    """UTF-8 with a BOM (Excel then reads the umlauts right); returns the data rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    count = -1
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    text.flush()
    text.detach()
    return max(count, 0)


def write_xlsx(rows: Iterator[list[Any]], out: IO[bytes], sheet: str = "Leads") -> int:
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    count = -1
    for row in rows:
        worksheet.append(row)
        count += 1
    book.save(out)
    return max(count, 0)


def write(rows: Iterator[list[Any]], out: IO[bytes], fmt: ExportFormat) -> int:
    return write_csv(rows, out) if fmt is ExportFormat.CSV else write_xlsx(rows, out)


def error_report_rows(record: Import, rejected: list[ImportRow]) -> Iterator[list[Any]]:
    """`row`, `errors`, then the file's columns as read: one line per rejected row."""
    headers = [column for column, _ in record.mapping]
    yield ["row", "errors", *headers]
    for row in rejected:
        problems = "; ".join(f"{field}: {message}" for field, message in row.errors.items())
        cells = list(row.raw) + [None] * (len(headers) - len(row.raw))
        yield [row.row_number, _cell(problems), *(_cell(v) for v in cells)]
