"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from leadwerk import schema
from leadwerk.api.deps import ContainerDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive (says nothing about the database)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready; `detail` says why."}})
def readyz(c: ContainerDep) -> JSONResponse:
    """Ready for traffic: the database answers and its schema is at the head migration."""
    try:
        st = schema.status(c.db.engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "detail": f"database unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    if not st.at_head:
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": f"database at migration {st.current}, code needs {st.head}; "
                "run `leadwerk db upgrade`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": c.db.dialect, "migration": st.current})
