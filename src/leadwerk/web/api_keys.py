"""API keys: list, create (the key is shown once, right after), revoke."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from leadwerk.auth import service as auth
from leadwerk.auth.types import Scope
from leadwerk.web.context import Form, Page, field, fields, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
ApiKeysPage = Annotated[Page, Depends(require_area("api_keys"))]
NOTICES = {"revoked": N_("The API key was revoked; it stops working within seconds.")}


def _list(
    page: Page,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    with page.container.db.read() as session:
        keys = auth.list_api_keys(session, include_revoked=True)
    return page.render(
        "auth/api_keys.html",
        {
            "area": "api_keys",
            "keys": keys,
            "scopes": list(Scope),
            "form": form or {"name": "", "scopes": []},
            "errors": dict(errors or {}),
            "notice": page.notice(NOTICES, notice),
        },
    )


@router.get("/api-keys")
def api_keys(page: ApiKeysPage, notice: str | None = None) -> Response:
    return _list(page, notice=notice)


@router.post("/api-keys")
def create(page: ApiKeysPage, form: Form) -> Response:
    name, scopes = field(form, "name"), fields(form, "scopes")
    page.on_invalid(
        lambda errors: _list(page, form={"name": name, "scopes": scopes}, errors=errors)
    )
    with page.container.db.transaction() as session:
        issued = auth.create_api_key(session, name=name, scopes=scopes, actor=page.user.actor)
    return page.render("auth/api_key_created.html", {"area": "api_keys", "key": issued})


@router.post("/api-keys/{key_id:rowid}/revoke")
def revoke(key_id: int, page: ApiKeysPage) -> Response:
    with page.container.db.transaction() as session:
        auth.revoke_api_key(session, str(key_id), actor=page.user.actor)
    return page.redirect("/api-keys?notice=revoked")
