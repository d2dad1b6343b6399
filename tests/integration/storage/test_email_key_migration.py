"""Migration 0010 rewrites the email keys of existing leads into canonical ones (and back)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from leadwerk import schema
from leadwerk.identity import rules
from leadwerk.storage.engine import make_engine

MIGRATION = (
    Path(__file__).resolve().parents[3]
    / "src/leadwerk/storage/migrations/versions/0010_canonical_email_keys.py"
)
_spec = importlib.util.spec_from_file_location("migration_0010", MIGRATION)
assert _spec is not None
assert _spec.loader is not None
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)

ADDRESSES = [
    ("Max.Muster+News@GoogleMail.com", "max.muster+news@googlemail.com", "maxmuster@gmail.com"),
    ("anna+shop@outlook.de", "anna+shop@outlook.de", "anna@outlook.de"),
    ("a.b@firma.de", "a.b@firma.de", "a.b@firma.de"),
    ("eva@gmail.com", "eva@gmail.com", "eva@gmail.com"),
]


def test_upgrade_rewrites_keys_and_downgrade_restores_them(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        schema.downgrade(engine, "0009")
        with engine.begin() as conn:
            for n, (email, old_key, _) in enumerate(ADDRESSES, start=1):
                conn.execute(
                    text(
                        "INSERT INTO leads (id, email, email_key, search_text, channel, stage, "
                        "temperature, fit_score, engagement_score, score, attributes, "
                        "created_at, updated_at) VALUES (:id, :email, :key, '', 'direct', "
                        "'lead', 'cold', 0, 0, 0, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "email": email, "key": old_key},
                )
        schema.upgrade(engine)
        assert _keys(engine) == [new for _, _, new in ADDRESSES]
        schema.downgrade(engine, "0009")
        assert _keys(engine) == [old for _, old, _ in ADDRESSES]
        schema.upgrade(engine)
    finally:
        engine.dispose()


def _keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT email_key FROM leads ORDER BY id"))]


def test_the_frozen_rule_is_todays_rule() -> None:
    assert migration.PROVIDERS == rules.PROVIDERS_WITH_ALIASES


@given(st.emails() | st.sampled_from([a for a, _, _ in ADDRESSES]))
def test_the_frozen_rule_gives_todays_keys(email: str) -> None:
    assert migration.canonical(email) == rules.canonical_email(email)
