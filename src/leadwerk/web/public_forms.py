"""The public side of forms, for visitors (no sign-in, no cookies):

    GET  /f/embed.js        our embed script
    GET  /f/{slug}.json     the form for the embed script (CORS: the form's allowed origins)
    GET  /f/{slug}          the hosted page (?lang=de|en, ?embed=1 inside an iframe)
    POST /f/{slug}          a submission: a form post (HTML answer) or JSON (JSON answer)
    OPTIONS /f/{slug}       the CORS preflight of the JSON post

The hosted page may be framed only by the form's allowed origins (CSP frame-ancestors); every
other page keeps `frame-ancestors 'none'`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from leadwerk.capture.forms import rules
from leadwerk.capture.forms import service as forms
from leadwerk.capture.forms.types import (
    UTM_FIELDS,
    FieldType,
    FormDefinition,
    Problem,
    PublishedForm,
    Submission,
    SubmitOutcome,
)
from leadwerk.capture.spam import rules as spam_rules
from leadwerk.capture.spam.ports import ChallengeVerifier, challenge_from_settings
from leadwerk.capture.spam.types import SpamPolicy
from leadwerk.container import Container
from leadwerk.errors import NotFound
from leadwerk.settings import Settings
from leadwerk.storage.base import utcnow
from leadwerk.web import i18n, security
from leadwerk.web.i18n import N_
from leadwerk.web.templating import STATIC_DIR, Templates

router = APIRouter(include_in_schema=False)
EMBED_SCRIPT = STATIC_DIR / "js" / "leadwerk-form-embed.js"
NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)
THANK_YOU = N_("Thank you. We have received your details.")
SEND = N_("Send")
FIX_ERRORS = N_("Please correct the marked fields.")
CORS_MAX_AGE = "600"


# --- what the templates and the embed script get -----------------------------------------------


@lru_cache(maxsize=4)
def country_options(language: str) -> tuple[tuple[str, str], ...]:
    names = {str(k): str(v) for k, v in Locale.parse(language).territories.items()}
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c not in NOT_ISO_COUNTRIES]
    return tuple(sorted(((c, names[c]) for c in codes), key=lambda item: item[1]))


def message(templates: Templates, language: str, problem: Problem) -> str:
    text = templates.gettext(language, problem.message)
    if not problem.params:
        return text
    params = {
        k: templates.gettext(language, v) if isinstance(v, str) else v
        for k, v in problem.params.items()
    }
    return text % params


def form_view(
    definition: FormDefinition,
    language: str,
    templates: Templates,
    *,
    values: Mapping[str, str] | None = None,
    consents: frozenset[str] = frozenset(),
    errors: Mapping[str, Problem] | None = None,
    prefix: str = "lw",
    autofocus: bool = True,
) -> dict[str, Any]:
    """The form in one language, ready for `forms/_form.html` and the JSON of the embed script:
    labels, help, options, the visitor's values and a message per field."""
    values = values or {}
    errors = errors or {}
    fields: list[dict[str, Any]] = []
    for f in definition.fields:
        problem = errors.get(f.key)
        options: list[tuple[str, str]] = [(o.value, o.label.get(language)) for o in f.options]
        if f.type is FieldType.COUNTRY:
            options = list(country_options(language))
        fields.append(
            {
                "key": f.key,
                "type": f.type.value,
                "id": f"{prefix}-{f.key}",
                "label": f.label.get(language),
                "help": f.help.get(language),
                "required": f.required,
                "max_length": rules.field_limit(f),
                "pattern": f.pattern,
                "options": options,
                "value": values.get(f.key, f.default if f.type is FieldType.HIDDEN else ""),
                "error": message(templates, language, problem)
                if problem and f.type is not FieldType.HIDDEN
                else "",
                "autocomplete": AUTOCOMPLETE.get(f.key, ""),
            }
        )
    purposes: list[dict[str, Any]] = []
    for p in definition.purposes:
        problem = errors.get(f"consent_{p.purpose}")
        purposes.append(
            {
                "purpose": p.purpose,
                "id": f"{prefix}-consent-{p.purpose}",
                "text": p.text.get(language),
                "required": p.required,
                "checked": p.purpose in consents,
                "error": message(templates, language, problem) if problem else "",
            }
        )
    # A hidden field has no place to show its message: it goes to the summary.
    known = {f.key for f in definition.fields if f.type is not FieldType.HIDDEN}
    known |= {f"consent_{p.purpose}" for p in definition.purposes}
    other_errors = [
        message(templates, language, problem) for key, problem in errors.items() if key not in known
    ]
    gettext = templates.translations[language].gettext
    return {
        "title": definition.title.get(language),
        "intro": definition.intro.get(language),
        "submit_label": definition.submit_label.get(language) or gettext(SEND),
        "fields": fields,
        "purposes": purposes,
        "first_error": next((x["id"] for x in [*fields, *purposes] if x["error"]), None),
        "other_errors": other_errors,
        "double_opt_in": definition.double_opt_in,
        "prefix": prefix,
        "autofocus": autofocus,
    }


AUTOCOMPLETE = {
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "phone": "tel",
    "company": "organization",
    "job_title": "organization-title",
    "country": "country",
}


# --- helpers ---------------------------------------------------------------------------------


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _templates(request: Request) -> Templates:
    templates: Templates = request.app.state.web.templates
    return templates


def _language(request: Request, chosen: str | None = None) -> str:
    wanted = chosen or request.query_params.get("lang")
    settings = _container(request).settings
    return i18n.choose_language(
        wanted if wanted in i18n.SUPPORTED else None,
        request.headers.get("accept-language"),
        settings.default_language,
    )


def _challenge(request: Request) -> ChallengeVerifier | None:
    """Built once per app from the settings (None when no challenge is configured)."""
    state = request.app.state
    if not hasattr(state, "form_challenge"):
        state.form_challenge = challenge_from_settings(_container(request).settings)
    found: ChallengeVerifier | None = state.form_challenge
    return found


def _widget(settings: Settings) -> dict[str, str] | None:
    if not settings.challenge_site_key or not settings.challenge_verify_url:
        return None
    found = rules.challenge_widget(settings.challenge_verify_url)
    if found is None:
        return None
    script, css_class = found
    return {"script": script, "class": css_class, "site_key": settings.challenge_site_key}


def _own_origins(request: Request) -> tuple[str, ...]:
    here = rules.normalise_origin(f"{request.url.scheme}://{request.url.netloc}")
    public = rules.normalise_origin(_container(request).settings.public_url)
    return tuple(o for o in (here, public) if o)


def _cors(request: Request, form: PublishedForm) -> dict[str, str] | None:
    """CORS headers for a request from an allowed origin; {} without an Origin header or from
    our own origin; None when a foreign origin is not allowed."""
    origin = request.headers.get("origin")
    if not origin or rules.normalise_origin(origin) in _own_origins(request):
        return {"Vary": "Origin"}
    if not rules.origin_allowed(origin, form.definition.allowed_origins):
        return None
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _page_headers(request: Request, form: PublishedForm | None) -> dict[str, str]:
    settings = _container(request).settings
    if form is None:
        return security.headers(settings)
    redirect_origin = rules.origin_of(form.definition.redirect_url)
    widget = _widget(settings)
    return security.form_page_headers(
        settings,
        frame_ancestors=rules.frame_ancestors(form.definition.allowed_origins),
        form_targets=tuple(o for o in (redirect_origin,) if o),
        widget_origin=rules.origin_of(widget["script"]) if widget else None,
    )


def _not_found(request: Request) -> Response:
    language = _language(request)
    body = _templates(request).render(language, "forms/not_found.html", {})
    response = HTMLResponse(body, status_code=404, headers=_page_headers(request, None))
    response.headers["Content-Language"] = language
    return response


def _render_token(request: Request, form: PublishedForm, when: datetime | None = None) -> str:
    return rules.render_token(_container(request).settings.secret_key, form.slug, when or utcnow())


def _load(request: Request, slug: str, version: int | None = None) -> PublishedForm | None:
    try:
        with _container(request).db.read() as session:
            return forms.published(session, slug, version)
    except NotFound:
        return None


def _count_view(request: Request, form: PublishedForm) -> None:
    with _container(request).db.transaction() as session:
        forms.record_view(session, form.form_id)


# --- routes ----------------------------------------------------------------------------------


@router.get("/f/embed.js")
def embed_script() -> Response:
    return Response(
        _embed_source(),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@lru_cache(maxsize=1)
def _embed_source() -> bytes:
    return Path(EMBED_SCRIPT).read_bytes()


@router.get("/f/{slug}.json")
def form_json(slug: str, request: Request) -> Response:
    form = _load(request, slug)
    if form is None:
        return JSONResponse({"status": "not_found"}, status_code=404)
    cors = _cors(request, form)
    if cors is None:
        return _refused()
    _count_view(request, form)
    language = _language(request)
    templates = _templates(request)
    gettext = templates.translations[language].gettext
    view = form_view(form.definition, language, templates)
    body = {
        "slug": form.slug,
        "version": form.version,
        "language": language,
        "action": f"{_container(request).settings.public_url}/f/{form.slug}",
        "token": _render_token(request, form),
        "honeypot": rules.HONEYPOT,
        "utm_fields": list(UTM_FIELDS),
        "challenge": _widget(_container(request).settings),
        "texts": {
            "honeypot": gettext(N_("Leave this field empty")),
            "required": gettext(N_("required")),
            "summary": gettext(FIX_ERRORS),
            "sending": gettext(N_("Sending…")),
            "failed": gettext(N_("The form could not be sent. Please try again.")),
            "required_note": gettext(N_("Fields marked with * are required.")),
            "please_choose": gettext(N_("Please choose")),
        },
        **{k: view[k] for k in ("title", "intro", "submit_label", "fields", "purposes")},
    }
    return JSONResponse(body, headers={**cors, "Cache-Control": "no-store"})


def _refused() -> Response:
    return JSONResponse(
        {"status": "forbidden", "detail": "This form may not be used from this site."},
        status_code=403,
        headers={"Vary": "Origin"},
    )


@router.options("/f/{slug}")
def preflight(slug: str, request: Request) -> Response:
    form = _load(request, slug)
    cors = _cors(request, form) if form is not None else None
    if form is None or cors is None:
        return Response(status_code=403, headers={"Vary": "Origin"})
    return Response(
        status_code=204,
        headers={
            **cors,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": CORS_MAX_AGE,
        },
    )


@router.get("/f/{slug}")
def hosted_page(slug: str, request: Request) -> Response:
    form = _load(request, slug)
    if form is None:
        return _not_found(request)
    _count_view(request, form)
    utm = rules.utm_values(request.query_params)
    return _render_page(request, form, _language(request), values=utm, utm=utm)


def _render_page(
    request: Request,
    form: PublishedForm,
    language: str,
    *,
    values: Mapping[str, str] | None = None,
    consents: frozenset[str] = frozenset(),
    errors: Mapping[str, Problem] | None = None,
    form_error: Problem | None = None,
    token: str | None = None,
    utm: Mapping[str, str] | None = None,
    thanks: str | None = None,
    status_code: int = 200,
) -> Response:
    templates = _templates(request)
    embed = request.query_params.get("embed") == "1"
    hidden = {
        "lw_version": str(form.version),
        "lw_token": token or _render_token(request, form),
        "lw_lang": language,
        "lw_page_url": (values or {}).get("lw_page_url", ""),
        "lw_referrer": (values or {}).get("lw_referrer", ""),
        "lw_vid": (values or {}).get("lw_vid", ""),
        **{name: (utm or {}).get(name, "") for name in UTM_FIELDS},
    }
    action = f"/f/{form.slug}?" + urlencode({"lang": language, **({"embed": "1"} if embed else {})})
    if thanks is not None:  # the thank-you page shows the title and the message only
        view: dict[str, Any] = {"title": form.definition.title.get(language)}
    else:
        view = form_view(
            form.definition,
            language,
            templates,
            values=values,
            consents=consents,
            errors=errors,
            autofocus=not embed,
        )
    context = {
        "form": view,
        "form_error": message(templates, language, form_error) if form_error else "",
        "has_errors": bool(errors) or form_error is not None,
        "hidden": hidden,
        "honeypot": rules.HONEYPOT,
        "action": action,
        "embed": embed,
        "thanks": thanks,
        "challenge": _widget(_container(request).settings),
        "preview": False,
    }
    body = templates.render(language, "forms/hosted.html", context)
    response = HTMLResponse(body, status_code=status_code, headers=_page_headers(request, form))
    response.headers["Content-Language"] = language
    return response


async def _read_submission(request: Request) -> tuple[dict[str, str], frozenset[str], bool]:
    """(values, ticked purposes, whether it came as JSON) from a form post or a JSON body."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            raw = json.loads(await request.body())
        except ValueError:
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        values = {str(k): v for k, v in raw.items() if isinstance(v, str)}
        ticked = raw.get("consent")
        consents = [c for c in ticked if isinstance(c, str)] if isinstance(ticked, list) else []
        return values, frozenset(consents), True
    form: FormData = await request.form()
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "consent"}
    consents = [v for v in form.getlist("consent") if isinstance(v, str)]
    return values, frozenset(consents), False


@router.post("/f/{slug}")
async def submit(slug: str, request: Request) -> Response:
    values, consents, as_json = await _read_submission(request)
    # Everything after reading the body talks to the database: off the event loop.
    return await run_in_threadpool(_submit, slug, request, values, consents, as_json)


def _submit(
    slug: str,
    request: Request,
    values: dict[str, str],
    consents: frozenset[str],
    as_json: bool,
) -> Response:
    version = values.get("lw_version", "")
    form = _load(request, slug, int(version) if version.isdigit() and len(version) < 9 else None)
    if form is None:
        if as_json:
            return JSONResponse({"status": "not_found"}, status_code=404)
        return _not_found(request)
    cors = _cors(request, form)
    if cors is None:
        return _refused()
    language = _language(request, values.get("lw_lang"))
    settings = _container(request).settings
    utm = {name: values.get(name, "") for name in UTM_FIELDS}
    submission = Submission(
        values=values,
        consents=consents,
        language=language,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        submitted_at=utcnow(),
        render_token=values.get("lw_token", ""),
        honeypot=values.get(rules.HONEYPOT, ""),
        challenge_token=values.get("challenge_token") or spam_rules.challenge_token(values),
        page_url=values.get("lw_page_url") or str(request.url),
        referrer=values.get("lw_referrer") or None,
        visitor_id=values.get("lw_vid") or None,
        utm=utm,
    )
    outcome = forms.receive(
        _container(request).db,
        form,
        submission,
        secret=settings.secret_key,
        policy=SpamPolicy.from_settings(settings),
        challenge=_challenge(request),
        mx=_container(request).mx_lookup,
        links=_container(request).consent_links,
    )
    if as_json:
        return _json_answer(request, form, language, outcome, cors)
    if not outcome.ok:
        return _render_page(
            request,
            form,
            language,
            values=values,
            consents=consents,
            errors=outcome.errors,
            form_error=outcome.form_error,
            token=None if outcome.form_error else submission.render_token,
            utm=utm,
            status_code=422,
        )
    if form.definition.redirect_url:
        return RedirectResponse(
            form.definition.redirect_url, status_code=303, headers=_page_headers(request, form)
        )
    return _render_page(request, form, language, thanks=_thanks(request, form, language))


def _thanks(request: Request, form: PublishedForm, language: str) -> str:
    return form.definition.thank_you.get(language) or _templates(request).gettext(
        language, THANK_YOU
    )


def _json_answer(
    request: Request,
    form: PublishedForm,
    language: str,
    outcome: SubmitOutcome,
    cors: dict[str, str],
) -> Response:
    templates = _templates(request)
    if outcome.ok:
        body: dict[str, Any] = {
            "status": "ok",
            "message": _thanks(request, form, language),
            "redirect": form.definition.redirect_url,
        }
        return JSONResponse(body, headers=cors)
    body = {
        "status": "expired" if outcome.form_error else "invalid",
        "message": message(templates, language, outcome.form_error)
        if outcome.form_error
        else templates.gettext(language, FIX_ERRORS),
        "errors": {k: message(templates, language, p) for k, p in outcome.errors.items()},
    }
    if outcome.form_error:
        body["token"] = _render_token(request, form)
    return JSONResponse(body, status_code=422, headers=cors)
