"""Pure rules of the lead core: text folding and the search text every list search uses."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# German umlauts are written out; letters without a Unicode decomposition (ł, ø, æ, …) get
# their usual Latin spelling, so "Łukasz Sæther" folds to "lukasz saether".
_FOLD_TABLE = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ŀ": "l",
    }
)


def fold(value: str) -> str:
    """Lower case, German transliteration (ü → ue, ß → ss), accents dropped: "Übel" → "uebel".

    Applied to stored text and to the search query alike, so search does not depend on the
    database's idea of case (SQLite's lower() only knows ASCII).
    """
    if value.isascii():  # the common case: nothing to transliterate or decompose
        return value.lower()
    # Compatibility decomposition can bring back capitals ("ℌ" → "H"), so fold until stable.
    for _ in range(3):
        folded = value.casefold().translate(_FOLD_TABLE)  # casefold also makes ß → ss
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        if folded == value:
            break
        value = folded
    return value


_fold_cached = lru_cache(maxsize=65_536)(fold)


def search_text(
    first_name: str | None, last_name: str | None, email: str | None, company: str | None
) -> str:
    """What the lead list's text search looks in: name, email and company, folded.

    `fold` works character by character, so folding the parts one by one and joining them is
    folding the joined text (tests/unit/leads/test_rules.py checks it); names and companies
    repeat, so theirs are cached."""
    parts = [_fold_cached(p) for p in (first_name, last_name) if p]
    if email:
        parts.append(fold(email))
    if company:
        parts.append(_fold_cached(company))
    return " ".join(parts)
