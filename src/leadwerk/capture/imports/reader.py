"""Reading CSV and XLSX files as records: what the file is (encoding, delimiter, sheet,
headers) and its data rows one at a time, so a file of any size streams.

CSV: strict UTF-8 first (a BOM means UTF-8 with BOM), else Windows-1252, or Latin-1 when
bytes Windows-1252 leaves undefined occur; the delimiter is sniffed among `;` `,` tab `|`.
A record the csv module cannot read (a broken quote, a cell over the field limit) becomes a
row with an error; reading goes on with the next record. XLSX: openpyxl in read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]

from leadwerk.capture.imports import rules
from leadwerk.capture.imports.types import FileKind, FileLayout, RawRow
from leadwerk.errors import ValidationFailed

# Read cells up to this size, so a cell over rules.MAX_CELL_CHARS is refused by its row with
# a clear message; a broken quote that swallows the rest of the file stops here.
CSV_FIELD_LIMIT = 1_048_576
SNIFF_CHARS = 64 * 1024
CHUNK = 1 << 20
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_kind(path: Path) -> FileKind:
    if path.suffix.lower() in (".xlsx", ".xlsm") or zipfile.is_zipfile(path):
        return FileKind.XLSX
    return FileKind.CSV


def detect_encoding(path: Path) -> str:
    """Decode the whole file strictly as UTF-8 (in chunks); see `rules.choose_encoding`."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    head = b""
    odd = bytearray()
    valid = True
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not head:
                head = chunk[:4]
            odd.extend(b for b in rules.CP1252_UNDEFINED if b in chunk)
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    return rules.choose_encoding(head + bytes(odd), valid)


def inspect(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> FileLayout:
    """Detect what the file is; options given win over detection. Raises ValidationFailed
    for an unreadable file, an unknown encoding or sheet, or a file without a header."""
    if file_kind(path) is FileKind.XLSX:
        return _inspect_xlsx(path, sheet)
    errors: dict[str, str] = {}
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            errors["encoding"] = (
                f"Unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}."
            )
    if delimiter is not None:
        delimiter = "\t" if delimiter in ("\\t", "tab", "TAB") else delimiter
        if len(delimiter) != 1:
            errors["delimiter"] = "The delimiter is one character, such as ; or , (or tab)."
    if errors:
        raise ValidationFailed(errors, "The file cannot be read with these options.")
    chosen = encoding or detect_encoding(path)
    with _open_text(path, chosen) as handle:
        sample = handle.read(SNIFF_CHARS)
    delim = delimiter or rules.sniff_delimiter(sample)
    header: tuple[Any, ...] = ()
    for row in _csv_records(path, chosen, delim):
        if row.error is None and not rules.is_empty(row.values):
            header = row.values
            break
    if not header:
        raise ValidationFailed({"file": "The file has no header row."}, "The file is empty.")
    headers, warnings = rules.dedupe_headers([str(h) for h in header])
    return FileLayout(
        kind=FileKind.CSV,
        headers=headers,
        encoding=chosen,
        delimiter=delim,
        warnings=warnings,
    )


def read_rows(path: Path, layout: FileLayout) -> Iterator[RawRow]:
    """The data rows after the header, empty ones included (callers skip them)."""
    records = (
        _xlsx_records(path, layout.sheet or "")
        if layout.kind is FileKind.XLSX
        else _csv_records(path, layout.encoding or "utf-8", layout.delimiter or ",")
    )
    header_seen = False
    for row in records:
        if not header_seen:
            header_seen = row.error is None and not rules.is_empty(row.values)
            continue
        yield row


@contextmanager
def _open_text(path: Path, encoding: str) -> Iterator[Any]:
    # A forced encoding that does not fit shows up as replacement characters, not a crash.
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        yield handle


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[RawRow]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with _open_text(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield RawRow(number, (), _csv_message(str(exc), reader.line_num))
                continue
            number += 1
            yield RawRow(number, tuple(values))


def _csv_message(error: str, line: int) -> str:
    if "field larger than field limit" in error:
        return (
            f"A cell ending on line {line} is longer than {CSV_FIELD_LIMIT:,} characters "
            "(a quote that is never closed?); the record was skipped."
        )
    return f"The record ending on line {line} cannot be read: {error} (check the quotes)."


def _inspect_xlsx(path: Path, sheet: str | None) -> FileLayout:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            {"file": f"The file is not a readable XLSX workbook: {exc}"}, "The file is unreadable."
        ) from exc
    try:
        names = tuple(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise ValidationFailed(
                {"sheet": f"There is no sheet {sheet!r}; the workbook has {', '.join(names)}."}
            )
        candidates = [sheet] if sheet is not None else list(names)
        for name in candidates:
            for values in book[name].iter_rows(values_only=True):
                if not rules.is_empty(values):
                    headers, warnings = rules.dedupe_headers(
                        [rules.cell_text(v) or "" for v in _trim(values)]
                    )
                    return FileLayout(
                        kind=FileKind.XLSX,
                        headers=headers,
                        sheet=name,
                        sheets=names,
                        warnings=warnings,
                    )
    finally:
        book.close()
    raise ValidationFailed({"file": "No sheet of the workbook has data."}, "The file is empty.")


def _trim(values: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(values)
    while end and values[end - 1] in (None, ""):
        end -= 1
    return values[:end]


def _xlsx_records(path: Path, sheet: str) -> Iterator[RawRow]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for number, values in enumerate(book[sheet].iter_rows(values_only=True), start=1):
            yield RawRow(number, _trim(values))
    finally:
        book.close()
