"""Users (a list for now: people are added with `leadwerk users create`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from leadwerk.auth import service as auth
from leadwerk.web.context import Page, require_area
from leadwerk.web.routing import router as web_router

router = web_router()
UsersPage = Annotated[Page, Depends(require_area("users"))]


@router.get("/users")
def users(page: UsersPage) -> Response:
    with page.container.db.read() as session:
        found = auth.list_users(session)
        teams = {t.id: t.name for t in auth.list_teams(session)}
    return page.render("auth/users.html", {"area": "users", "users": found, "teams": teams})
