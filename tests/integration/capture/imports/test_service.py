"""Imports end to end on both databases: what is stored, merged, rejected, resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from leadwerk.auth.models import AuditEntry
from leadwerk.capture.imports import service
from leadwerk.capture.imports.models import Import, ImportRow
from leadwerk.capture.imports.types import ImportCounts, ImportStatus, LawfulBasis
from leadwerk.delivery.models import OutboxMessage
from leadwerk.errors import ValidationFailed
from leadwerk.identity import merging
from leadwerk.identity.types import MergeReason
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Channel, TouchpointType
from leadwerk.storage.engine import Database
from tests.factories.delivery import make_endpoint
from tests.factories.imports import corpus, people_csv, write_csv, write_workbook
from tests.factories.leads import make_lead

OPTIONS = service.ImportOptions(LawfulBasis.CONSENT, "badge scans at Messe X, form v3")


def _run(db: Database, path: Path, **kwargs: Any) -> service.ImportSummary:
    plan = service.plan_import(
        path, overrides=kwargs.pop("overrides", None), sheet=kwargs.pop("sheet", None)
    )
    return service.run_import(db, plan, kwargs.pop("options", OPTIONS), actor="test", **kwargs)


def _leads(db: Database, domain: str) -> list[Lead]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Lead).where(Lead.email_key.like(f"%@{domain}")).order_by(Lead.id)
            )
        )


def _touchpoints(db: Database, import_id: int) -> list[Touchpoint]:
    with db.read() as session:
        return [
            t
            for t in session.scalars(select(Touchpoint).order_by(Touchpoint.id))
            if t.properties.get("import_id") == import_id
        ]


def test_a_german_file_is_stored_with_its_lawful_basis(db: Database) -> None:
    summary = _run(db, corpus("utf8_bom_semicolon.csv"))
    assert summary.counts == ImportCounts(rows=2, created=2, updated=0, merged=0, rejected=0)
    assert summary.status is ImportStatus.COMPLETED
    assert summary.skipped_already_done == 0
    (juergen,) = _leads(db, "example.de")
    (zoe,) = _leads(db, "example.at")
    assert (juergen.first_name, juergen.last_name, juergen.email, juergen.phone) == (
        "Jürgen",
        "Müller",
        "juergen.mueller@example.de",
        "+49301234567",
    )
    assert (juergen.company, juergen.country, juergen.channel) == (
        "Müller & Söhne GmbH",
        "DE",
        Channel.DIRECT,
    )
    assert juergen.attributes == {
        "street": "Hauptstraße 5",
        "postal_code": "01067",
        "city": "Dresden",
        "umsatz": 1234.56,
    }
    assert juergen.search_text == "juergen mueller juergen.mueller@example.de mueller & soehne gmbh"
    assert (zoe.first_name, zoe.last_name, zoe.country, zoe.attributes) == (
        "Zoë",
        "Weiß",
        "AT",
        {"city": "Wien", "umsatz": 12.5},
    )
    touchpoints = _touchpoints(db, summary.import_id)
    assert [(t.lead_id, t.type, t.properties) for t in touchpoints] == [
        (
            juergen.id,
            TouchpointType.IMPORT,
            {"import_id": summary.import_id, "row": 2, "marketing_consent": False},
        ),
        (
            zoe.id,
            TouchpointType.IMPORT,
            {"import_id": summary.import_id, "row": 3, "marketing_consent": False},
        ),
    ]
    with db.read() as session:
        record = session.get(Import, summary.import_id)
        assert record is not None
        assert (record.lawful_basis, record.evidence, record.status) == (
            LawfulBasis.CONSENT,
            "badge scans at Messe X, form v3",
            ImportStatus.COMPLETED,
        )
        assert (record.encoding, record.delimiter, record.kind, record.rows_done) == (
            "utf-8-sig",
            ";",
            "csv",
            2,
        )
        assert record.file_name == "utf8_bom_semicolon.csv"
        assert record.finished_at is not None
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject_type == "import",
                AuditEntry.subject_id == str(summary.import_id),
            )
        ).all()
        assert [(a.action, a.actor, a.details) for a in audit] == [
            (
                "import.completed",
                "test",
                {
                    "import_id": summary.import_id,
                    "file_name": "utf8_bom_semicolon.csv",
                    "lawful_basis": "consent",
                    "rows": 2,
                    "created": 2,
                    "updated": 0,
                    "merged": 0,
                    "rejected": 0,
                    "evidence": "badge scans at Messe X, form v3",
                },
            ),
        ]
        lead_audits = session.scalar(
            select(func.count()).where(
                AuditEntry.subject_type == "lead",
                AuditEntry.subject_id.in_([str(juergen.id), str(zoe.id)]),
            )
        )
        assert lead_audits == 0  # one audit entry per import, not per row


def test_marketing_consent_only_where_the_consent_column_says_yes(db: Database) -> None:
    summary = _run(db, corpus("utf8_comma.csv"))
    assert [t.properties["marketing_consent"] for t in _touchpoints(db, summary.import_id)] == [
        True,
        False,
    ]
    (ada,) = _leads(db, "example.com")
    assert (ada.phone, ada.country, ada.job_title) == ("+442079460958", "GB", "CTO")


def test_rejected_rows_are_recorded_and_never_stop_the_import(db: Database) -> None:
    summary = _run(db, corpus("invalid_rows.csv"))
    assert summary.counts == ImportCounts(rows=5, created=1, updated=0, merged=0, rejected=4)
    with db.read() as session:
        rows = service.rejected_rows(session, summary.import_id)
        assert service.count_rejected(session, summary.import_id) == 4
    assert [(r.row_number, r.raw, r.errors) for r in rows] == [
        (
            3,
            ["not-an-email", "Bad", None, None, None],
            {
                "email": "'not-an-email' is not a valid email address: An email address must have "
                "an @-sign."
            },
        ),
        (
            4,
            ["phone@example.com", "Phone", "abc", "DE", None],
            {
                "phone": "'abc' is not a phone number; write it with the country code, such as "
                "+49 30 1234567."
            },
        ),
        (
            5,
            [None, "Nobody", None, None, None],
            {"email": "A lead needs an email address or a phone number."},
        ),
        (
            6,
            ["land@example.com", "Land", None, "Atlantis", None],
            {"country": "'Atlantis' is not a country; use a name or an ISO code such as DE."},
        ),
    ]


def test_broken_quotes_reject_their_rows_only(db: Database) -> None:
    summary = _run(db, corpus("broken_quotes.csv"))
    assert summary.counts == ImportCounts(rows=4, created=2, updated=0, merged=0, rejected=2)
    assert [lead.email for lead in _leads(db, "example.com")] == [
        "one@example.com",
        "three@example.com",
    ]
    with db.read() as session:
        rows = service.rejected_rows(session, summary.import_id)
    assert [(r.row_number, r.raw, list(r.errors)) for r in rows] == [
        (3, [], ["row"]),
        (5, [], ["row"]),
    ]


def test_empty_rows_are_skipped(db: Database) -> None:
    summary = _run(db, corpus("empty_rows.csv"))
    assert summary.counts == ImportCounts(rows=2, created=2, updated=0, merged=0, rejected=0)
    with db.read() as session:
        record = session.get(Import, summary.import_id)
        assert record is not None
        assert record.rows_done == 8  # records after the header


def test_a_100000_character_cell_rejects_its_row_not_the_file(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        [
            "E-Mail;Vorname;Notiz",
            f"long@example.net;Lang;{'x' * 100_000}",
            "short@example.net;Kurz;ok",
        ],
    )
    summary = _run(db, path)
    assert summary.counts == ImportCounts(rows=2, created=1, updated=0, merged=0, rejected=1)
    with db.read() as session:
        (row,) = service.rejected_rows(session, summary.import_id)
    assert (row.row_number, row.errors) == (
        2,
        {
            "Notiz": "The cell in column 'Notiz' has 100,000 characters; at most 32,767 are "
            "accepted."
        },
    )
    assert [lead.email for lead in _leads(db, "example.net")] == ["short@example.net"]


def test_duplicate_headers_keep_both_columns(db: Database) -> None:
    summary = _run(db, corpus("duplicate_headers.csv"))
    assert summary.plan.layout.warnings == (
        "The header 'E-Mail' appears more than once; column 3 is read as 'E-Mail (2)'.",
        "The header 'Telefon' appears more than once; column 5 is read as 'Telefon (2)'.",
    )
    (lead,) = _leads(db, "example.com")
    assert (lead.email, lead.phone) == ("first@example.com", "+49301111111")
    assert lead.attributes == {"e_mail_2": "second@example.com", "telefon_2": "+49 30 2222222"}


def test_rows_of_one_address_fold_into_one_lead_and_existing_leads_merge(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as session:
        existing = make_lead(
            session,
            email="old@fold.example",
            first_name="Alt",
            source="api",
            utm_source="google",
            attributes={"keep": 1},
        )
        existing_id = existing.id
    path = write_csv(
        tmp_path / "fold.csv",
        [
            "E-Mail;Vorname;Nachname;Quelle;Firma;Notiz",
            "new@fold.example;Neu;Eins;Messe;;a",
            "NEW@fold.example;;Zwei;Web;ACME;b",
            "old@fold.example;Neuer Name;;Messe;;c",
            "other@fold.example;Andere;;;;",
            "old@fold.example;;Nachname;;;d",
            "new@fold.example;Dritter;;;;",
        ],
    )
    summary = _run(db, path, batch_size=3)  # rows of one address in several batches
    assert summary.counts == ImportCounts(rows=6, created=2, updated=1, merged=3, rejected=0)
    leads = {lead.email_key: lead for lead in _leads(db, "fold.example")}
    assert sorted(leads) == ["new@fold.example", "old@fold.example", "other@fold.example"]
    new, old = leads["new@fold.example"], leads["old@fold.example"]
    # newer non-empty identity values win; first-touch fields only fill gaps
    assert (new.email, new.first_name, new.last_name, new.company, new.source) == (
        "new@fold.example",
        "Dritter",
        "Zwei",
        "ACME",
        "Messe",
    )
    assert new.attributes == {"notiz": "b"}
    assert old.id == existing_id
    assert (old.first_name, old.last_name, old.source, old.utm_source) == (
        "Neuer Name",
        "Nachname",
        "api",
        "google",
    )
    assert old.attributes == {"keep": 1, "notiz": "d"}
    assert old.search_text == "neuer name nachname old@fold.example"
    touchpoints = _touchpoints(db, summary.import_id)
    assert sorted((t.lead_id, t.properties["row"]) for t in touchpoints) == sorted(
        [
            (new.id, 2),
            (new.id, 3),
            (old.id, 4),
            (leads["other@fold.example"].id, 5),
            (old.id, 6),
            (new.id, 7),
        ]
    )


class Crash(Exception):
    pass


def test_an_interrupted_import_resumes_where_it_stopped(db: Database, tmp_path: Path) -> None:
    path = people_csv(tmp_path / "people.csv", 10, domain="resume.example")
    calls: list[int] = []

    def crash_after_second_batch(done: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise Crash("power cut")

    with pytest.raises(Crash):
        _run(db, path, batch_size=3, progress=crash_after_second_batch)
    assert calls == [3, 6]
    with db.read() as session:
        (record,) = session.scalars(select(Import).where(Import.file_name == "people.csv")).all()
        assert (record.status, record.rows_done, record.created) == (ImportStatus.FAILED, 6, 6)
        assert record.error == "Crash: power cut"
    assert len(_leads(db, "resume.example")) == 6

    resumed = _run(db, path, batch_size=3, progress=calls.append)
    assert resumed.import_id == record.id
    assert resumed.skipped_already_done == 6
    assert resumed.counts == ImportCounts(rows=10, created=10, updated=0, merged=0, rejected=0)
    assert calls == [3, 6, 9, 10]
    assert [lead.email for lead in _leads(db, "resume.example")] == [
        f"person{n}@resume.example" for n in range(1, 11)
    ]
    again = _run(db, path)
    assert (again.import_id, again.skipped_already_done, again.status) == (
        record.id,
        10,
        ImportStatus.COMPLETED,
    )
    assert len(_leads(db, "resume.example")) == 10
    with db.read() as session:
        touchpoints = session.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .join(Lead)
            .where(Lead.email_key.like("%@resume.example"))
        )
    assert touchpoints == 10


def test_another_mapping_is_another_import(db: Database, tmp_path: Path) -> None:
    path = people_csv(tmp_path / "people.csv", 2, domain="mapping.example")
    first = _run(db, path)
    second = _run(db, path, overrides={"Firma": "-"})
    assert second.import_id != first.import_id
    assert second.counts == ImportCounts(rows=2, created=0, updated=2, merged=0, rejected=0)


def test_xlsx_with_several_sheets(db: Database, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "messe.xlsx",
        {
            "Leer": [[None]],
            "Besucher": [
                ["Vorname", "E-Mail", "Telefon", "Land", "Umsatz", "Einwilligung"],
                ["Eva", "eva@xlsx.example", "+49 30 1234567", "DE", 1234.5, "ja"],
                ["Tom", "tom@xlsx.example", 3012345678, "Deutschland", 7, None],
            ],
            "Aussteller": [["E-Mail"], ["firma@xlsx.example"]],
        },
    )
    summary = _run(db, path)
    assert summary.plan.layout.sheet == "Besucher"
    assert summary.counts == ImportCounts(rows=2, created=2, updated=0, merged=0, rejected=0)
    eva, tom = _leads(db, "xlsx.example")
    assert (eva.phone, eva.attributes) == ("+49301234567", {"umsatz": 1234.5})
    assert (tom.phone, tom.country, tom.attributes) == ("+493012345678", "DE", {"umsatz": 7})
    other = _run(db, path, sheet="Aussteller")
    assert other.counts.created == 1
    assert other.import_id != summary.import_id


def test_one_import_completed_event_not_one_per_lead(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        make_endpoint(session, event_types=["*"])
    summary = _run(db, people_csv(tmp_path / "p.csv", 3, domain="event.example"))
    with db.read() as session:
        messages = session.scalars(select(OutboxMessage)).all()
    assert [(m.event_type, m.payload["data"]) for m in messages] == [
        (
            "import.completed",
            {
                "import_id": summary.import_id,
                "file_name": "p.csv",
                "lawful_basis": "consent",
                "rows": 3,
                "created": 3,
                "updated": 0,
                "merged": 0,
                "rejected": 0,
            },
        ),
    ]


def test_the_dry_run_writes_nothing(db: Database) -> None:
    plan = service.plan_import(corpus("invalid_rows.csv"))
    preview = service.dry_run(plan, source="Messe")
    assert (preview.rows, preview.valid, preview.rejected) == (5, 1, 4)
    assert [e.number for e in preview.errors] == [3, 4, 5, 6]
    assert preview.sample == [
        {
            "row": 2,
            "email": "good@example.com",
            "first_name": "Good",
            "last_name": None,
            "phone": None,
            "company": None,
            "job_title": None,
            "country": "DE",
            "language": "de",
            "source": "Messe",
            "channel": "direct",
            "marketing_consent": False,
            "attributes": {},
        }
    ]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Import)) == 0
        assert session.scalar(select(func.count()).select_from(ImportRow)) == 0


def test_lawful_basis_and_evidence_are_required() -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.check_options("gut gemeint", "  ", "x" * 101)
    assert caught.value.errors == {
        "lawful_basis": "Choose the lawful basis of the import: consent, contract, "
        "legal_obligation, vital_interests, public_task, legitimate_interest.",
        "evidence": "Describe the evidence, such as 'badge scans at trade fair X, consent form "
        "version Y'.",
        "source": "At most 100 characters, not 101.",
    }
    assert service.check_options(" legitimate_interest ", " Messe ", "") == service.ImportOptions(
        LawfulBasis.LEGITIMATE_INTEREST, "Messe", None
    )


@pytest.mark.slow
def test_worker_processes_give_the_same_result(db: Database, tmp_path: Path) -> None:
    lines = ["E-Mail;Vorname;Telefon;Land"]
    lines += [f"w{n}@workers.example;vor{n};030 {1000000 + n};DE" for n in range(1, 41)]
    lines += ["kaputt;X;;DE", "w1@workers.example;Erster;;DE"]
    path = write_csv(tmp_path / "workers.csv", lines)
    calls: list[int] = []
    summary = _run(db, path, batch_size=10, workers=2, progress=calls.append)
    assert summary.counts == ImportCounts(rows=42, created=40, updated=0, merged=1, rejected=1)
    assert calls == [10, 20, 30, 40, 42]
    leads = _leads(db, "workers.example")
    assert [lead.email for lead in leads] == [f"w{n}@workers.example" for n in range(1, 41)]
    assert (leads[0].first_name, leads[0].phone) == ("Erster", "+49301000001")
    assert leads[39].phone == "+49301000040"


def test_lookups_are_sliced_where_sqlite_binds_few_values(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some SQLite builds bind at most 32,766 values per statement and a batch may hold
    50,000 addresses: the lookups go in slices (here of 3) and find every lead."""
    monkeypatch.setattr("leadwerk.storage.base.IN_SLICE", 3)
    with db.transaction() as session:
        for n in range(1, 8):
            make_lead(session, email=f"p{n}@slice.example", first_name=f"Alt{n}")
    lines = ["E-Mail;Nachname"] + [f"p{n}@slice.example;Neu{n}" for n in range(1, 11)]
    summary = _run(db, write_csv(tmp_path / "slices.csv", lines))
    assert summary.counts == ImportCounts(rows=10, created=3, updated=7, merged=0, rejected=0)
    leads = {lead.email_key: lead for lead in _leads(db, "slice.example")}
    assert len(leads) == 10
    assert leads["p2@slice.example"].search_text == "alt2 neu2 p2@slice.example"


def test_an_old_address_of_a_merged_lead_updates_that_lead(db: Database, tmp_path: Path) -> None:
    """A row with the address a merge left as an alias belongs to the surviving lead, which
    keeps its own address (as at intake); the touchpoint remembers the address it came with."""
    with db.transaction() as session:
        keep = make_lead(session, email="anna@firma.example", first_name="Anna")
        other = make_lead(session, email="a.mueller@privat.example")
        merging.merge_leads(
            session,
            survivor_id=keep.id,
            merged_id=other.id,
            actor="test",
            reason=MergeReason.MANUAL,
        )
        keep_id = keep.id
        # the newer address won the merge; the older one is the alias
        assert (keep.email, other.email) == ("a.mueller@privat.example", "a.mueller@privat.example")
    path = write_csv(
        tmp_path / "alias.csv",
        [
            "E-Mail;Vorname;Nachname;Firma",
            "A.Mueller@privat.example;Anna;Müller;Müller Bau",
            "anna@firma.example;Anna;Müller;Müller Bau GmbH",
            "neu@firma.example;Neu;Kunde;",
        ],
    )
    summary = _run(db, path)
    assert (summary.counts.created, summary.counts.updated) == (1, 2)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 2
        lead = session.get(Lead, keep_id)
        assert lead is not None
        # the alias row came last, yet the lead's own address (as typed in the file) stays
        assert (lead.email, lead.email_key, lead.last_name, lead.company) == (
            "A.Mueller@privat.example",
            "a.mueller@privat.example",
            "Müller",
            "Müller Bau GmbH",
        )
        keys = sorted(
            k or ""
            for k in session.scalars(
                select(Touchpoint.email_key).where(
                    Touchpoint.lead_id == keep_id, Touchpoint.type == TouchpointType.IMPORT
                )
            )
        )
        assert keys == ["a.mueller@privat.example", "anna@firma.example"]
