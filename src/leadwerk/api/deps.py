"""Dependencies shared by the API routers: the container, the caller, scope checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadwerk.auth.rules import allows
from leadwerk.auth.types import Principal, Scope
from leadwerk.container import Container
from leadwerk.errors import AuthenticationFailed, PermissionDenied

_bearer = HTTPBearer(auto_error=False, description="An API key: `lw_<prefix>_<secret>`.")


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


ContainerDep = Annotated[Container, Depends(container)]


def principal(
    c: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AuthenticationFailed(
            "Send an API key in the header `Authorization: Bearer <key>`; "
            "create one with `leadwerk api-keys create`."
        )
    return c.api_keys.verify(credentials.credentials)


def require(scope: Scope) -> Callable[[Principal], Principal]:
    def check(p: Annotated[Principal, Depends(principal)]) -> Principal:
        if not allows(p, scope):
            raise PermissionDenied(f"This API key lacks the scope {scope.value}.")
        return p

    return check
