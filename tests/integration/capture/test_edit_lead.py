"""Edits pass the same checks as the intake, whichever edge they come from."""

from __future__ import annotations

import pytest

from leadwerk.auth.service import user_principal
from leadwerk.auth.types import Role
from leadwerk.capture import service as capture
from leadwerk.errors import ValidationFailed
from leadwerk.storage.engine import Database
from tests.factories.auth import make_user
from tests.factories.leads import make_lead


def test_too_long_values_are_refused_and_nothing_changes(db: Database) -> None:
    with db.transaction() as s:
        admin = user_principal(make_user(s, role=Role.ADMIN))
        lead = make_lead(s, email="a@example.com", first_name="Anna")
        with pytest.raises(ValidationFailed) as caught:
            capture.edit_lead(s, admin, lead.id, {"first_name": "x" * 101, "job_title": "y" * 201})
        assert caught.value.errors == {
            "first_name": "At most 100 characters, not 101.",
            "job_title": "At most 200 characters, not 201.",
        }
        assert lead.first_name == "Anna"


def test_edit_normalises_like_the_intake(db: Database) -> None:
    with db.transaction() as s:
        admin = user_principal(make_user(s, role=Role.ADMIN))
        lead = make_lead(s, email="a@example.com", country="DE")
        edited = capture.edit_lead(
            s, admin, lead.id, {"phone": "030 1234567", "last_name": "MÜLLER"}
        )
        assert (edited.phone, edited.last_name, edited.name_key) == (
            "+49301234567",
            "Müller",
            "mueller",
        )
        assert "mueller" in edited.search_text


def test_edit_needs_the_write_scope_whatever_the_edge(db: Database) -> None:
    from leadwerk.auth.types import Principal, PrincipalKind, Scope
    from leadwerk.errors import PermissionDenied

    reader = Principal(
        kind=PrincipalKind.API_KEY, id=1, name="r", scopes=frozenset({Scope.LEADS_READ})
    )
    with db.transaction() as s:
        lead = make_lead(s, email="a@example.com", first_name="Anna")
        with pytest.raises(PermissionDenied):
            capture.edit_lead(s, reader, lead.id, {"first_name": "Bea"})
        assert lead.first_name == "Anna"
