"""The consent ledger (issue 5): `consent_purposes`, `consent_texts` (versioned wording per
purpose and language) and `consent_events` (append-only, hash-chained). Seeds the default
purposes (newsletter and marketing_email with double opt-in, sales_contact, profiling) and a
first German and English text for each, which a company replaces by publishing new versions.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_SEEDED = datetime(2026, 12, 4, tzinfo=UTC)
# name, English label, German label, double opt-in, English text, German text
_PURPOSES = (
    (
        "newsletter",
        "Newsletter",
        "Newsletter",
        True,
        "Yes, I would like to receive the newsletter by email. I can withdraw my consent at any "
        "time, for example through the link in every newsletter.",
        "Ja, ich möchte den Newsletter per E-Mail erhalten. Meine Einwilligung kann ich jederzeit "
        "widerrufen, zum Beispiel über den Link in jedem Newsletter.",
    ),
    (
        "marketing_email",
        "Marketing emails",
        "Marketing-E-Mails",
        True,
        "Yes, I agree to receive information about products, offers and events by email. I can "
        "withdraw this consent at any time with effect for the future.",
        "Ja, ich bin einverstanden, per E-Mail Informationen zu Produkten, Angeboten und "
        "Veranstaltungen zu erhalten. Diese Einwilligung kann ich jederzeit mit Wirkung für die "
        "Zukunft widerrufen.",
    ),
    (
        "sales_contact",
        "Contact by sales",
        "Kontakt durch den Vertrieb",
        False,
        "Yes, a member of the sales team may contact me by phone or email about my enquiry and "
        "related offers. I can withdraw this consent at any time.",
        "Ja, der Vertrieb darf mich zu meiner Anfrage und passenden Angeboten per Telefon oder "
        "E-Mail kontaktieren. Diese Einwilligung kann ich jederzeit widerrufen.",
    ),
    (
        "profiling",
        "Profiling",
        "Profilbildung",
        False,
        "Yes, my details and my use of the website may be analysed to tailor offers to my "
        "interests. I can withdraw this consent at any time.",
        "Ja, meine Angaben und meine Nutzung der Website dürfen ausgewertet werden, um Angebote "
        "auf meine Interessen abzustimmen. Diese Einwilligung kann ich jederzeit widerrufen.",
    ),
)


def upgrade() -> None:
    purposes = op.create_table(
        "consent_purposes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("label_de", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("double_opt_in", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_purposes")),
        sa.UniqueConstraint("name", name=op.f("uq_consent_purposes_name")),
    )
    texts = op.create_table(
        "consent_texts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("purpose_id", _ID, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["consent_purposes.id"],
            name=op.f("fk_consent_texts_purpose_id_consent_purposes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_texts")),
        sa.UniqueConstraint(
            "purpose_id",
            "language",
            "version",
            name=op.f("uq_consent_texts_purpose_id_language_version"),
        ),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.Column("lead_id", _ID, nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("text_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("method_ref", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("evidence", _JSON, nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_consent_events_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["text_id"],
            ["consent_texts.id"],
            name=op.f("fk_consent_events_text_id_consent_texts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_consent_events_seq")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_events_lead_id_purpose_seq", ["lead_id", "purpose", "seq"], unique=False
        )
    bind = op.get_bind()
    for n, (name, label_en, label_de, double, text_en, text_de) in enumerate(_PURPOSES, 1):
        bind.execute(
            purposes.insert().values(
                id=n,
                name=name,
                label_en=label_en,
                label_de=label_de,
                description="",
                double_opt_in=double,
                created_at=_SEEDED,
            )
        )
        for language, text in (("en", text_en), ("de", text_de)):
            bind.execute(
                texts.insert().values(
                    purpose_id=n,
                    language=language,
                    version=1,
                    text=text,
                    created_at=_SEEDED,
                    created_by="leadwerk",
                )
            )
    if bind.dialect.name == "postgresql":  # the seeds took ids by hand
        op.execute(
            "SELECT setval(pg_get_serial_sequence('consent_purposes', 'id'), "
            "(SELECT max(id) FROM consent_purposes))"
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_events_lead_id_purpose_seq")
    op.drop_table("consent_events")
    op.drop_table("consent_texts")
    op.drop_table("consent_purposes")
