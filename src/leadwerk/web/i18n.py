"""UI languages: gettext catalogs compiled in memory at start, the language of a request, and
locale-aware formatting.

The `.po` files are the source and the only thing in the repository: Babel compiles them into
`GNUTranslations` when the app starts, so there is no build step and nothing compiled to commit.
English is the language of the msgids, so it needs no catalog.

Strings are marked with `_()`/`{% trans %}` in templates and `N_()` in Python; enum labels
(`Stage.label`, ...) and the domain's fixed messages are msgids too. A new string needs an entry
in one `.po` file of `locale/de/LC_MESSAGES/` (`messages.po`, or its area's file):
`tests/web/test_i18n.py` extracts every msgid with Babel and names those without a German
translation.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date, format_time
from babel.messages import mofile, pofile
from babel.messages.catalog import Catalog

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SUPPORTED = ("en", "de")
# The names each language has in itself, for the language picker.
NATIVE_NAMES = {"de": "Deutsch", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention that marks a msgid
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def load_catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of one language, from every `.po` file of its folder (one per UI
    area, so parallel work on two areas never edits the same file); English has none."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    merged = Catalog(locale=language, domain=DOMAIN)
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as fh:
            for message in pofile.read_po(fh, locale=language, domain=DOMAIN):
                if message.id:
                    merged[message.id] = message
    if not len(merged):
        return gettext.NullTranslations()
    buffer = BytesIO()
    mofile.write_mo(buffer, merged, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_catalogs() -> dict[str, gettext.NullTranslations]:
    return {language: load_catalog(language) for language in SUPPORTED}


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, the most wanted first (RFC 9110 §12.5.4)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(user_language: str | None, accept_language: str | None, default: str) -> str:
    """The user's own setting, else what the browser asks for, else the configured default."""
    if user_language in SUPPORTED:
        return user_language
    wanted = [tag.lower() for tag in parse_accept_language(accept_language)]
    found = negotiate_locale(wanted, list(SUPPORTED), sep="-") if wanted else None
    if found in SUPPORTED:
        return str(found)
    return default if default in SUPPORTED else SUPPORTED[0]


def datetime_formatter(language: str) -> Callable[[datetime | None], str]:
    """`21.11.2025, 22:43 UTC` in German, `Nov 21, 2025, 10:43 PM UTC` in English."""
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")

    def format_datetime(value: datetime | None) -> str:
        if value is None:
            return ""
        value = value.astimezone(UTC)
        day = format_date(value, "medium", locale=locale)
        time = format_time(value, "short", tzinfo=UTC, locale=locale)
        return f"{day}, {time} UTC"

    return format_datetime
