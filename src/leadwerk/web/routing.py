"""The route class of every UI view: CSRF check before any handler runs, domain errors through
`web.errors`, security headers on every answer. Views stay free of these concerns."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

from leadwerk.container import Container
from leadwerk.errors import DomainError
from leadwerk.web import csrf, errors, security


class RowId(Convertor[int]):
    """`{name:rowid}` in a UI path: a positive 64-bit id. Anything else is an unknown page (404)
    instead of a number the database cannot hold."""

    regex = "[1-9][0-9]{0,17}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


# Paths are compiled when the view modules are imported, and they all import this module first.
register_url_convertor("rowid", RowId())


async def check_csrf(request: Request) -> None:
    if request.method in csrf.SAFE_METHODS:
        return
    c: Container = request.app.state.container
    token = request.headers.get(csrf.HEADER)
    if token is None:
        # Reading the form here caches it on the request; the view reads the same object.
        value = (await request.form()).get(csrf.FIELD)
        token = value if isinstance(value, str) else None
    if not csrf.is_valid(c.settings.secret_key, request.cookies.get(csrf.COOKIE), token):
        raise csrf.CsrfRejected()


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                await check_csrf(request)
                response = await handler(request)
            except (DomainError, csrf.CsrfRejected) as exc:
                response = await errors.translate(request, exc)
            security.apply(response, request.app.state.container.settings)
            return response

        return guarded


def router() -> APIRouter:
    """A router for UI views; kept out of the OpenAPI document, which describes the API."""
    return APIRouter(route_class=WebRoute, include_in_schema=False)
