from __future__ import annotations

import pytest
from hypothesis import example, given
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


_parts = st.none() | st.text(min_size=1, max_size=20)


@given(_parts, _parts, _parts, _parts)
@example("ǅ", None, "é", "\u0301x")  # title case, a lone accent, a combining mark first
@example("ß", "ℌ", None, "İ")
def test_search_text_folds_part_by_part_as_the_whole_text(
    first: str | None, last: str | None, email: str | None, company: str | None
) -> None:
    """search_text folds (and caches) each part; that must equal folding the joined text."""
    whole = fold(" ".join(p for p in (first, last, email, company) if p))
    assert search_text(first, last, email, company) == whole
