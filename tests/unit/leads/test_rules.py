from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.leads.rules import fold, search_text


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Übel", "uebel"),
        ("Straße", "strasse"),
        ("René", "rene"),
        ("ÖZDEMİR", "oezdemir"),
        ("Łukasz", "lukasz"),
        ("Bjørn Sæther", "bjorn saether"),
        ("Œuvre", "oeuvre"),
        ("Dağ Işık", "dag isik"),
        ("MÜLLER", "mueller"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_search_text_joins_present_parts() -> None:
    assert search_text("Jürgen", None, "j@x.de", "Müller GmbH") == "juergen j@x.de mueller gmbh"


@given(st.text(max_size=50))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
