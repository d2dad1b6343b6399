"""Dependencies shared by the API routers: the container, the caller, scope checks.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool,
and a hop there and back for each of them cost more than the checks themselves. The only
blocking work, verifying an API key that is not in the cache, is handed to the thread pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from leadwerk.auth.rules import allows
from leadwerk.auth.types import Principal, Scope
from leadwerk.container import Container
from leadwerk.errors import AuthenticationFailed, PermissionDenied

_bearer = HTTPBearer(auto_error=False, description="An API key: `lw_<prefix>_<secret>`.")


async def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


ContainerDep = Annotated[Container, Depends(container)]


async def _authenticate(
    c: Container, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    if credentials is None:
        raise AuthenticationFailed(
            "Send an API key in the header `Authorization: Bearer <key>`; "
            "create one with `leadwerk api-keys create`."
        )
    known = c.api_keys.cached(credentials.credentials)
    if known is not None:
        return known
    return await run_in_threadpool(c.api_keys.verify, credentials.credentials)


async def principal(
    c: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return await _authenticate(c, credentials)


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    # One dependency (plus the bearer scheme, which puts the key into the OpenAPI document)
    # rather than a chain of three: FastAPI's resolution costs more per level than the check.
    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        p = await _authenticate(request.app.state.container, credentials)
        if not allows(p, scope):
            raise PermissionDenied(f"This API key lacks the scope {scope.value}.")
        return p

    return check
