"""Rejection labels and visitor messages, their German translations, and the policy from the
settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages import pofile
from pydantic import ValidationError

from leadwerk.capture.spam.types import EXPIRED_MESSAGE, Rejection, SpamPolicy
from leadwerk.settings import Settings
from leadwerk.web import i18n

SPAM_PO = Path(i18n.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "spam.po"


def test_values_and_labels() -> None:
    assert {r.value: r.label for r in Rejection} == {
        "honeypot": "Hidden trap field filled in",
        "too_fast": "Sent faster than a person can fill in the form",
        "expired": "Form was open too long before it was sent",
        "rate_limited_ip": "Too many submissions from one network",
        "rate_limited_form": "Too many submissions to this form",
        "disposable_email": "Disposable email address",
        "challenge_failed": "Bot check not passed",
    }


def test_every_label_and_message_has_its_german_translation() -> None:
    with SPAM_PO.open("rb") as fh:
        catalog = {str(m.id): str(m.string) for m in pofile.read_po(fh) if m.id}
    wanted = [r.label for r in Rejection] + [EXPIRED_MESSAGE]
    assert sorted(catalog) == sorted(wanted)
    assert catalog[EXPIRED_MESSAGE] == (
        "Dieses Formular war lange geöffnet. Bitte prüfen Sie Ihre Angaben und senden Sie es "
        "erneut ab."
    )
    assert catalog[Rejection.DISPOSABLE_EMAIL.label] == "Wegwerf-E-Mail-Adresse"
    german = i18n.load_catalog("de")
    assert german.gettext(Rejection.TOO_FAST.label) == (
        "Schneller abgeschickt, als ein Mensch das Formular ausfüllen kann"
    )


def test_policy_from_default_settings() -> None:
    assert SpamPolicy.from_settings(Settings(environment="dev")) == SpamPolicy(
        min_fill_seconds=3.0,
        max_fill_seconds=86_400.0,
        per_ip_limit=10,
        per_ip_window_seconds=600,
        per_form_limit=300,
        per_form_window_seconds=60,
        reject_disposable=True,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("form_min_fill_seconds", -1),
        ("form_ip_limit", -1),
        ("form_ip_window_seconds", 0),
        ("form_limit", -5),
        ("form_window_seconds", 0),
    ],
)
def test_settings_refuse_impossible_values(name: str, value: int) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings.model_validate({"environment": "dev", name: value})


def test_policy_from_other_settings() -> None:
    settings = Settings(
        environment="dev",
        form_min_fill_seconds=1.5,
        form_max_fill_seconds=0,
        form_ip_limit=3,
        form_ip_window_seconds=30,
        form_limit=0,
        form_window_seconds=5,
        form_reject_disposable=False,
    )
    assert SpamPolicy.from_settings(settings) == SpamPolicy(1.5, 0.0, 3, 30, 0, 5, False)
