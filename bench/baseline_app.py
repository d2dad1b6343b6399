"""The bare baseline of the intake benchmark: the least a lead endpoint can do.

One POST endpoint that parses the same JSON body with the same Pydantic model as
`POST /api/v1/leads` and does ONE INSERT of its fields into `bench_leads`, a table shaped like
`leads`, through SQLAlchemy Core, answering 201 with the new id. No auth, no normalisation, no
identity lookup, no touchpoint, audit or outbox rows. It uses Leadwerk's own engine setup
(`make_engine`: same pool size and overflow, same SQLite pragmas), and `bench/intake.py`
serves it exactly like the real app, so the ratio between the two is the cost of Leadwerk's
pipeline and nothing else.

Served by uvicorn as a factory: `baseline_app:create_app`, database from BENCH_DATABASE_URL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, insert

from leadwerk.api.schemas import LeadIn
from leadwerk.storage.base import BigId, JSONDoc, UTCDateTime
from leadwerk.storage.engine import make_engine

DATABASE_URL_ENV = "BENCH_DATABASE_URL"

metadata = MetaData()

bench_leads = Table(
    "bench_leads",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("email", String(320)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("phone", String(40)),
    Column("company", String(200)),
    Column("job_title", String(200)),
    Column("country", String(60)),
    Column("language", String(16)),
    Column("source", String(100)),
    Column("utm_source", String(200)),
    Column("utm_medium", String(200)),
    Column("utm_campaign", String(200)),
    Column("utm_term", String(200)),
    Column("utm_content", String(200)),
    Column("channel", String(32), nullable=False, default="other"),
    Column("stage", String(32), nullable=False, default="lead"),
    Column("score", Integer, nullable=False, default=0),
    Column("search_text", Text, nullable=False, default=""),
    Column("attributes", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_bench_leads_email", "email"),
    Index("ix_bench_leads_created_at", "created_at"),
)


def create_app() -> FastAPI:
    engine = make_engine(os.environ[DATABASE_URL_ENV])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="intake baseline", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bench/leads", status_code=201)
    def create_lead(body: LeadIn) -> dict[str, int]:
        now = datetime.now(UTC)
        statement = (
            insert(bench_leads)
            .values(**body.model_dump(exclude={"consents"}), created_at=now, updated_at=now)
            .returning(bench_leads.c.id)
        )
        with engine.begin() as conn:
            new_id = conn.execute(statement).scalar_one()
        return {"id": int(new_id)}

    return app
