"""Tables of capture.imports: one row per import (with its lawful basis, evidence, progress
and counts) and one per rejected row (for the error report)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.capture.imports.types import ImportStatus, LawfulBasis
from leadwerk.storage.base import Base, BigId, EnumValue, JSONDoc, UTCDateTime, utcnow


class Import(Base):
    """One import of a file. `fingerprint` (the file's sha256 with the mapping and sheet)
    finds an interrupted import again; `rows_done` records are written, counts included."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_fingerprint_id", "fingerprint", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    sheet: Mapped[str | None] = mapped_column(String(100))
    # [[column, target], ...] in the file's column order (a JSON object would lose it in JSONB)
    mapping: Mapped[list[list[str]]] = mapped_column(JSONDoc, default=list)
    lawful_basis: Mapped[LawfulBasis] = mapped_column(EnumValue(LawfulBasis))
    evidence: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(100))
    # the consent text the people of the file agreed to: a row that says yes is recorded in
    # the ledger with it (none: the rows' consent is not proven, nothing is recorded)
    consent_text_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_texts.id", ondelete="RESTRICT")
    )
    status: Mapped[ImportStatus] = mapped_column(
        EnumValue(ImportStatus), default=ImportStatus.RUNNING
    )
    error: Mapped[str | None] = mapped_column(Text)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRow(Base):
    """A rejected row: its number in the file, its cells as read, and why."""

    __tablename__ = "import_rows"
    __table_args__ = (UniqueConstraint("import_id", "row_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    raw: Mapped[list[Any]] = mapped_column(JSONDoc)
    errors: Mapped[dict[str, str]] = mapped_column(JSONDoc)
