"""Forms in the UI: the list with views, submissions, conversion and rejections; the builder
with a live preview (htmx re-renders it from the form being edited; without JavaScript the
Preview button posts the builder and gets the page back) and the embed code; a form's stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from babel import Locale
from babel.numbers import format_percent
from fastapi import Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from leadwerk.capture.forms import queries, rules
from leadwerk.capture.forms import service as forms
from leadwerk.capture.forms.types import FieldType, FormDefinition, FormField, Problem, Text
from leadwerk.capture.spam.types import Rejection
from leadwerk.errors import ValidationFailed
from leadwerk.storage.base import utcnow
from leadwerk.web import i18n
from leadwerk.web.context import Form, Page, enum_options, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.public_forms import form_view, message
from leadwerk.web.routing import router as web_router

router = web_router()
FormsPage = Annotated[Page, Depends(require_area("forms"))]
NOTICES = {
    "created": N_("The form was created."),
    "saved": N_("The form was saved."),
    "versioned": N_("The form was saved as a new version."),
}
STATS_DAYS = 30
STARTER = FormDefinition(
    title=Text("Contact us", "Kontakt"),
    fields=(
        FormField("email", FieldType.EMAIL, Text("Email", "E-Mail"), required=True),
        FormField("first_name", FieldType.TEXT, Text("First name", "Vorname")),
        FormField("last_name", FieldType.TEXT, Text("Last name", "Nachname")),
    ),
    submit_label=Text("Send", "Senden"),
)


def _percent(page: Page) -> Any:
    """`33,3 %` in German, `33.3%` in English: the language's pattern with one decimal."""
    pattern = Locale.parse(page.language).percent_formats[None].pattern.replace("0", "0.0", 1)
    return lambda value: format_percent(value, pattern, locale=page.language)


def _reason_label(page: Page) -> Any:
    def label(reason: str) -> str:
        try:
            return page.gettext(Rejection(reason).label)
        except ValueError:
            return reason

    return label


def _values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _translate(page: Page, problems: dict[str, Problem]) -> dict[str, str]:
    return {k: message(page.web.templates, page.language, p) for k, p in problems.items()}


def _preview(page: Page, values: dict[str, str]) -> dict[str, Any]:
    """The preview of the form being edited, in the language chosen for it."""
    definition, _problems = rules.parse_builder(values)
    language = values.get("preview_lang")
    language = language if language in i18n.SUPPORTED else page.language
    return {
        "preview_lang": language,
        "preview": None
        if definition is None
        else form_view(definition, language, page.web.templates, prefix="pv", autofocus=False),
        "preview_hidden": {},
    }


def _embed_codes(page: Page, slug: str, title: str) -> dict[str, str]:
    base = page.settings.public_url
    return {
        "iframe": (
            f'<iframe src="{base}/f/{slug}?embed=1" title="{title}" loading="lazy" '
            'style="width:100%;min-height:40rem;border:0"></iframe>'
        ),
        "script": (
            f'<div data-leadwerk-form="{slug}"></div>\n'
            f'<script src="{base}/f/embed.js" async></script>'
        ),
    }


def _builder(
    page: Page,
    values: dict[str, str],
    *,
    form_id: int | None = None,
    saved_slug: str | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    version: int | None = None,
    status_code: int = 200,
) -> Response:
    field_rows = rules.row_count(values, "field") + 1
    purpose_rows = rules.row_count(values, "purpose") + 1
    context = {
        "area": "forms",
        "form_id": form_id,
        "values": values,
        "errors": errors or {},
        "field_rows": range(field_rows),
        "purpose_rows": range(purpose_rows),
        "type_options": enum_options(page, FieldType),
        "languages": i18n.NATIVE_NAMES,
        "embed": _embed_codes(page, saved_slug, values.get("title_en", "")) if saved_slug else None,
        "slug": saved_slug,
        "version": version,
        "notice": page.notice(NOTICES, notice),
        **_preview(page, values),
    }
    return page.render("forms/builder.html", context, status_code=status_code)


@router.get("/forms")
def form_list(page: FormsPage, notice: str | None = None) -> Response:
    with page.container.db.read() as session:
        found = queries.list_forms(session)
    return page.render(
        "forms/list.html",
        {
            "area": "forms",
            "forms": found,
            "notice": page.notice(NOTICES, notice),
            "percent": _percent(page),
        },
    )


@router.get("/forms/new")
def new_form(page: FormsPage) -> Response:
    values = rules.builder_values("", "", True, STARTER)
    return _builder(page, values)


def _parse(page: Page, values: dict[str, str]) -> FormDefinition:
    definition, problems = rules.parse_builder(values)
    slug_problem = rules.check_slug(values.get("slug", "").strip())
    if slug_problem is not None:
        problems["slug"] = slug_problem
    if not values.get("name", "").strip():
        problems["name"] = Problem(rules.REQUIRED)
    if definition is None or problems:
        raise ValidationFailed(_translate(page, problems))
    return definition


@router.post("/forms/new")
def create_form(page: FormsPage, form: Form) -> Response:
    values = _values(form)
    page.on_invalid(lambda errors: _builder(page, values, errors=errors))
    definition = _parse(page, values)
    if values.get("action") == "preview":
        return _builder(page, values)
    with page.container.db.transaction() as session:
        created = forms.create_form(
            session,
            page.user,
            name=values.get("name", ""),
            slug=values.get("slug", "").strip(),
            is_active=bool(values.get("is_active")),
            definition=definition,
        )
        form_id = created.id
    return page.redirect(f"/forms/{form_id}?notice=created")


@router.post("/forms/preview")
def preview(page: FormsPage, form: Form) -> Response:
    """The preview alone, for htmx, from the builder's current inputs."""
    values = _values(form)
    _definition, problems = rules.parse_builder(values)
    return page.render(
        "forms/_preview.html",
        {"area": "forms", **_preview(page, values), "errors": _translate(page, problems)},
    )


@router.get("/forms/{form_id:rowid}")
def edit_form(form_id: int, page: FormsPage, notice: str | None = None) -> Response:
    with page.container.db.read() as session:
        found = forms.get_form(session, page.user, form_id)
        values = rules.builder_values(
            found.name, found.slug, found.is_active, FormDefinition.from_doc(found.definition)
        )
        slug, version = found.slug, found.version
    return _builder(page, values, form_id=form_id, saved_slug=slug, notice=notice, version=version)


@router.post("/forms/{form_id:rowid}")
def save_form(form_id: int, page: FormsPage, form: Form) -> Response:
    values = _values(form)
    with page.container.db.read() as session:
        current = forms.get_form(session, page.user, form_id)
        saved_slug, version = current.slug, current.version
    page.on_invalid(
        lambda errors: _builder(
            page, values, form_id=form_id, saved_slug=saved_slug, errors=errors, version=version
        )
    )
    definition = _parse(page, values)
    if values.get("action") == "preview":
        return _builder(page, values, form_id=form_id, saved_slug=saved_slug, version=version)
    with page.container.db.transaction() as session:
        _saved, new_version = forms.update_form(
            session,
            page.user,
            form_id,
            name=values.get("name", ""),
            slug=values.get("slug", "").strip(),
            is_active=bool(values.get("is_active")),
            definition=definition,
        )
    notice = "versioned" if new_version else "saved"
    return page.redirect(f"/forms/{form_id}?notice={notice}")


@router.get("/forms/{form_id:rowid}/stats")
def form_stats(form_id: int, page: FormsPage) -> Response:
    since = (utcnow() - timedelta(days=STATS_DAYS - 1)).date()
    with page.container.db.read() as session:
        found = forms.get_form(session, page.user, form_id)
        totals = queries.form_stats(session, form_id)
        days = queries.daily_stats(session, form_id, since)
        submissions = queries.recent_submissions(session, form_id)
        name, slug = found.name, found.slug
    return page.render(
        "forms/stats.html",
        {
            "area": "forms",
            "form_id": form_id,
            "name": name,
            "slug": slug,
            "totals": totals,
            "days": days,
            "submissions": submissions,
            "stats_days": STATS_DAYS,
            "percent": _percent(page),
            "reason_label": _reason_label(page),
        },
    )
