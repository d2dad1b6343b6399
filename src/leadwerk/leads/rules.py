"""Pure rules of the lead core: text folding and the search text every list search uses."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Lower case, German transliteration (ü → ue, ß → ss), accents dropped: "Übel" → "uebel".

    Applied to stored text and to the search query alike, so search does not depend on the
    database's idea of case (SQLite's lower() only knows ASCII).
    """
    value = value.casefold()  # also ß → ss
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        value = value.replace(src, dst)
    value = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def search_text(
    first_name: str | None, last_name: str | None, email: str | None, company: str | None
) -> str:
    """What the lead list's text search looks in: name, email and company, folded."""
    parts = [p for p in (first_name, last_name, email, company) if p]
    return fold(" ".join(parts))
