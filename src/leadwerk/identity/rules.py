"""Match keys: pure functions that turn what people type into what can be compared.

- `canonical_email`: the address as its mailbox sees it (Gmail ignores dots and +tags,
  googlemail.com is gmail.com; other large providers ignore +tags);
- `name_words`, `given_name_root` (nicknames: Bob → robert, Sepp → josef) and `phonetic`
  (Kölner Phonetik: Müller, Mueller and Muller give one code; Meier, Maier, Meyer another);
  `sound_key`, the stored key of both (Bob Müller = Robert Mueller);
- `company_key` (legal form dropped), `phone_tail`.

Folding (lower case, ü → ue, ß → ss, accents dropped) is `leads.rules.fold`, the one used for
search, so a key and a search agree on what a letter is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from leadwerk.identity.nicknames import NICKNAMES
from leadwerk.leads.rules import fold

# Mailbox providers that deliver local+tag@ to local@ (documented plus addressing).
_PLUS_TAG_DOMAINS = frozenset(
    {
        "gmail.com",
        "outlook.com",
        "outlook.de",
        "hotmail.com",
        "hotmail.de",
        "live.com",
        "live.de",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "fastmail.fm",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "posteo.de",
        "mailbox.org",
    }
)
# Providers whose local part ignores dots.
_DOTLESS_DOMAINS = frozenset({"gmail.com"})
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
# Every domain whose addresses `canonical_email` changes beyond lower case.
PROVIDERS_WITH_ALIASES = _PLUS_TAG_DOMAINS | _DOTLESS_DOMAINS | frozenset(_DOMAIN_ALIASES)

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Legal forms, matched on the folded text with punctuation turned into spaces ("e.V." → "e v").
_COMPANY_SUFFIXES = re.compile(
    r"\b(gmbh|ag|kg|ohg|ug|se|mbh|co|inc|ltd|llc|plc|sarl|sa|bv|nv|ab|as|oy|spa|srl|corp|"
    r"corporation|limited|company|haftungsbeschraenkt|gbr|e v|ev|kgaa)\b"
)


def canonical_email(email: str | None) -> str | None:
    """The mailbox an address reaches: lower case, the provider's aliases folded.

    >>> canonical_email("Max.Muster+news@GoogleMail.com")
    'maxmuster@gmail.com'
    """
    if not email or "@" not in email:
        return None
    local, domain = email.strip().lower().rsplit("@", 1)
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_TAG_DOMAINS and "+" in local:
        local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    if not local or not domain:
        return None
    return f"{local}@{domain}"


@lru_cache(maxsize=65_536)
def name_words(value: str | None) -> tuple[str, ...]:
    """Folded words: "Jean-Luc d'Arcy" → ("jean", "luc", "d", "arcy")."""
    return tuple(_NOT_WORD.sub(" ", fold(value)).split()) if value else ()


def simple_text(value: str | None) -> str | None:
    """Folded words joined by single spaces; None when nothing is left."""
    return " ".join(name_words(value)) or None


@lru_cache(maxsize=65_536)
def given_name_root(value: str | None) -> str | None:
    """The full form of a given name's first word: "Bob" → "robert", "Sepp" → "josef";
    a name without a known short form is itself."""
    words = name_words(value)
    if not words:
        return None
    return NICKNAMES.get(words[0], words[0])


# Kölner Phonetik: letters to digit classes; the context rules are in `_code_of`.
_CLASS = {
    **dict.fromkeys("aeijouy", "0"),
    "b": "1",
    **dict.fromkeys("fvw", "3"),
    **dict.fromkeys("gkq", "4"),
    "l": "5",
    **dict.fromkeys("mn", "6"),
    "r": "7",
    **dict.fromkeys("sz", "8"),
}
_CX_HARD_AT_START = frozenset("ahkloqrux")
_C_HARD_AFTER = frozenset("ahkoqux")


def _code_of(word: str, i: int) -> str:
    letter = word[i]
    before = word[i - 1] if i > 0 else ""
    after = word[i + 1] if i + 1 < len(word) else ""
    if letter in _CLASS:
        return _CLASS[letter]
    if letter == "h":
        return ""
    if letter == "p":
        return "3" if after == "h" else "1"
    if letter in "dt":
        return "8" if after in ("c", "s", "z") else "2"
    if letter == "c":
        if i == 0:
            return "4" if after in _CX_HARD_AT_START else "8"
        return "8" if before in ("s", "z") or after not in _C_HARD_AFTER else "4"
    if letter == "x":
        return "8" if before in ("c", "k", "q") else "48"
    return ""  # digits and anything else carry no sound


@lru_cache(maxsize=65_536)
def phonetic(value: str | None) -> str | None:
    """Kölner Phonetik of each word, joined by spaces: "Müller" and "Mueller" → "657"."""
    codes = []
    for word in name_words(value):
        raw = "".join(_code_of(word, i) for i in range(len(word)))
        collapsed = [ch for n, ch in enumerate(raw) if n == 0 or ch != raw[n - 1]]
        code = collapsed[:1] + [ch for ch in collapsed[1:] if ch != "0"]
        if code:
            codes.append("".join(code))
    return " ".join(codes) or None


def sorted_sounds(value: str | None) -> str | None:
    """The phonetic codes of a name's words in sorted order: word order does not matter."""
    code = phonetic(value)
    return " ".join(sorted(code.split())) if code else None


def given_initial(value: str | None) -> str | None:
    """The initial of a given name's full form: Bob and Robert both give "r"."""
    root = given_name_root(value)
    return root[:1] if root else None


@lru_cache(maxsize=65_536)
def sound_key(first: str | None, last: str | None) -> str | None:
    """What intake finds a person's namesakes by when the exact name differs: the initial of
    the given name's full form and the surname's sound, so Bob Müller, Robert Mueller and
    Roberta Muller share "r 657". None without both names."""
    initial, sound = given_initial(first), phonetic(last)
    if not initial or not sound:
        return None
    return f"{initial} {sound}"[:64]


def phone_tail(digits: str) -> str | None:
    """The last 9 digits of a number: without its country code or trunk prefix in most of
    Europe, so +49 30 1234567 and 030 1234567 agree."""
    return digits[-9:] if len(digits) >= 7 else None


@lru_cache(maxsize=65_536)
def company_key(company: str | None) -> str | None:
    """Folded words without the legal form: "Müller & Söhne GmbH & Co. KG" → "mueller soehne"."""
    if not company:
        return None
    words = " ".join(_NOT_WORD.sub(" ", fold(company)).split())
    return " ".join(_COMPANY_SUFFIXES.sub(" ", words).split()) or None


def _domain(address: Any) -> str | None:
    if not isinstance(address, str) or "@" not in address:
        return None
    return address.rpartition("@")[2]


def may_merge_unasked(evidence: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a pair's evidence (`Evidence.to_dict()` per field) allows a merge without a
    person deciding. Not when both the email and the phone are given on both sides and
    differ, and not for two different mailboxes at one domain unless the phone agrees:
    namesakes at one company (anna.mueller@ and anna.mueller2@, two extensions) score above
    any threshold on name and company alone; such a pair goes to review instead."""
    by_kind = {e.get("kind"): e for e in evidence}
    email = by_kind.get("email", {})
    phone_level = by_kind.get("phone", {}).get("level")
    if email.get("level") != "different":
        return True
    if phone_level == "different":
        return False
    left, right = _domain(email.get("left")), _domain(email.get("right"))
    same_domain = left is not None and left == right
    return not same_domain or phone_level not in (None, "missing")
