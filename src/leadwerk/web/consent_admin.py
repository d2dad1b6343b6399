"""Consent for an administrator: the purposes with their current texts, every version of a
purpose's texts and publishing a new one, and the check of the ledger's hash chain (what
`leadwerk consent purposes|publish|verify` offer on the command line)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from babel.numbers import format_decimal
from fastapi import Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadwerk.consent import service as consent
from leadwerk.consent.models import ConsentText
from leadwerk.web import i18n
from leadwerk.web.context import Form, Page, field, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router
from leadwerk.web.timeline import presenter

router = web_router()
ConsentPage = Annotated[Page, Depends(require_area("consent"))]
# The texts the migration seeds, and those `leadwerk consent publish` adds.
PUBLISHERS = {"leadwerk": N_("Leadwerk, as shipped"), "cli": N_("Command line")}


def _by_language(texts: list[ConsentText]) -> dict[str, list[ConsentText]]:
    """`texts_of`'s versions per language, newest first."""
    grouped: dict[str, list[ConsentText]] = {}
    for text in texts:
        grouped.setdefault(text.language, []).append(text)
    return grouped


def _publisher(page: Page, session: Session) -> Callable[[str], str]:
    """Who published a text: a user or API key by name (as the lead timeline names them)."""
    names = presenter(page, session)

    def name(actor: str) -> str:
        if actor in PUBLISHERS:
            return page.gettext(PUBLISHERS[actor])
        return names.actor(actor) or actor

    return name


def _ledger_check(page: Page) -> dict[str, Any]:
    """`consent.verify`'s report, with its counts written the page's way."""
    report, head = consent.verify(page.container.db)

    def number(value: int) -> str:
        return str(format_decimal(value, locale=page.language))

    return {
        "report": report,
        "head": head,
        "events": number(report.events),
        "redacted": number(report.redacted),
        "before": number(report.events - 1),
    }


def _purposes(page: Page, check: Mapping[str, Any] | None = None) -> Response:
    with page.container.db.read() as session:
        publisher = _publisher(page, session)
        rows = [
            {
                "purpose": p,
                "current": [
                    texts[0] for texts in _by_language(consent.texts_of(session, p)).values()
                ],
            }
            for p in consent.list_purposes(session)
        ]
    return page.render(
        "consent/admin_purposes.html",
        {"area": "consent", "rows": rows, "publisher": publisher, "check": check},
    )


def _purpose(
    page: Page,
    name: str,
    *,
    language: str,
    wording: str | None = None,
    errors: Mapping[str, str] | None = None,
    published: str | None = None,
) -> Response:
    with page.container.db.read() as session:
        purpose = consent.get_purpose(session, name)
        texts = _by_language(consent.texts_of(session, purpose))
        publisher = _publisher(page, session)
    if wording is None:
        wording = texts[language][0].text if language in texts else ""
    return page.render(
        "consent/admin_purpose.html",
        {
            "area": "consent",
            "purpose": purpose,
            "texts": texts,
            "publisher": publisher,
            "languages": [(code, i18n.NATIVE_NAMES[code]) for code in consent.LANGUAGES],
            "form": {"language": language, "text": wording},
            "max_length": consent.MAX_TEXT_LENGTH,
            "errors": dict(errors or {}),
            "published": next(
                (t for versions in texts.values() for t in versions if str(t.id) == published),
                None,
            ),
        },
    )


@router.get("/consent")
def purposes(page: ConsentPage) -> Response:
    return _purposes(page)


@router.post("/consent/verify")
def verify(page: ConsentPage) -> Response:
    return _purposes(page, _ledger_check(page))


@router.get("/consent/purposes/{name}")
def purpose(
    name: str, page: ConsentPage, language: str | None = None, published: str | None = None
) -> Response:
    chosen = language if language in consent.LANGUAGES else page.language
    return _purpose(page, name, language=chosen, published=published)


@router.post("/consent/purposes/{name}/texts")
def publish(name: str, page: ConsentPage, form: Form) -> Response:
    language, wording = field(form, "language"), field(form, "text")
    page.on_invalid(
        lambda errors: _purpose(page, name, language=language, wording=wording, errors=errors)
    )
    with page.container.db.transaction() as session:
        text = consent.publish_text(session, name, language, wording, actor=page.user.actor)
        url = f"/consent/purposes/{name}?language={text.language}&published={text.id}"
    return page.redirect(url)
