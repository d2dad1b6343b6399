"""Factories for imports: corpus paths, workbooks and CSV files written into a folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"


def corpus(name: str) -> Path:
    return CORPUS / name


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """An XLSX file with these sheets (in order), each a list of rows."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, lines: Sequence[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(f"{line}\n" for line in lines).encode(encoding))
    return path


def people_csv(path: Path, count: int, *, start: int = 1, domain: str = "example.com") -> Path:
    """`count` people with addresses person{n}@domain, semicolons, German headers."""
    lines = ["Vorname;Nachname;E-Mail;Firma"]
    lines += [f"Vor{n};Nach{n};person{n}@{domain};Firma {n}" for n in range(start, start + count)]
    return write_csv(path, lines)
