"""Factories for forms: a form through the service, and a valid render token for it."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.auth.types import Principal, PrincipalKind, Role
from leadwerk.capture.forms import rules
from leadwerk.capture.forms import service as forms
from leadwerk.capture.forms.models import Form
from leadwerk.capture.forms.types import (
    ConsentPurpose,
    FieldType,
    FormDefinition,
    FormField,
    Option,
    Text,
)
from leadwerk.storage.base import utcnow
from tests.conftest import TEST_SECRET

_seq = itertools.count(1)
ADMIN = Principal(kind=PrincipalKind.USER, id=1, name="Form admin", role=Role.ADMIN)

CONTACT = FormDefinition(
    title=Text("Contact us", "Kontakt"),
    intro=Text("We answer within a day.", "Wir antworten innerhalb eines Tages."),
    submit_label=Text("Send", "Senden"),
    thank_you=Text("Thanks, we will be in touch.", "Danke, wir melden uns."),
    fields=(
        FormField(
            "email",
            FieldType.EMAIL,
            Text("Email", "E-Mail"),
            help=Text("Your work address", "Ihre geschäftliche Adresse"),
            required=True,
        ),
        FormField("first_name", FieldType.TEXT, Text("First name", "Vorname"), required=True),
        FormField("last_name", FieldType.TEXT, Text("Last name", "Nachname")),
        FormField("phone", FieldType.TEL, Text("Phone", "Telefon")),
        FormField("company", FieldType.TEXT, Text("Company", "Firma"), max_length=50),
        FormField("country", FieldType.COUNTRY, Text("Country", "Land")),
        FormField(
            "interest",
            FieldType.SELECT,
            Text("Interest", "Interesse"),
            options=(
                Option("demo", Text("A demo", "Eine Demo")),
                Option("pricing", Text("Pricing", "Preise")),
            ),
        ),
        FormField("message", FieldType.TEXTAREA, Text("Message", "Nachricht")),
        FormField("callback", FieldType.CHECKBOX, Text("Call me back", "Rückruf")),
        FormField("campaign", FieldType.HIDDEN, Text("", ""), default="spring"),
    ),
    purposes=(
        ConsentPurpose(
            "newsletter",
            Text("Send me the monthly newsletter.", "Senden Sie mir den monatlichen Newsletter."),
        ),
        ConsentPurpose(
            "privacy",
            Text("I have read the privacy notice.", "Ich habe den Datenschutzhinweis gelesen."),
            required=True,
        ),
    ),
    allowed_origins=("https://www.example.com",),
)


def make_form(
    session: Session,
    definition: FormDefinition = CONTACT,
    *,
    slug: str | None = None,
    name: str | None = None,
    is_active: bool = True,
    **changes: Any,
) -> Form:
    """A form through the service; `changes` replace fields of the definition."""
    number = next(_seq)
    if changes:
        definition = FormDefinition(**{**_as_kwargs(definition), **changes})
    form = forms.create_form(
        session,
        ADMIN,
        name=name or f"Form {number}",
        slug=slug or f"form-{number}",
        is_active=is_active,
        definition=definition,
    )
    session.flush()
    return form


def _as_kwargs(definition: FormDefinition) -> dict[str, Any]:
    return {name: getattr(definition, name) for name in FormDefinition.__dataclass_fields__}


def token(slug: str, seconds_ago: float = 30.0, now: datetime | None = None) -> str:
    """A render token as the hosted page signs it, `seconds_ago` before `now`."""
    return rules.render_token(TEST_SECRET, slug, (now or utcnow()) - timedelta(seconds=seconds_ago))
