"""`create_app(settings)`: builds the ASGI app and wires the adapters. Nothing at import time."""

from __future__ import annotations

import gc
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from leadwerk import __version__, web
from leadwerk.api import (
    consent,
    duplicates,
    health,
    inbound_hooks,
    leads,
    privacy,
    problems,
    tracking,
    webhooks,
)
from leadwerk.api.middleware import RequestContextMiddleware
from leadwerk.container import Container
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.app")

API_DESCRIPTION = """
Leadwerk's JSON API. Authenticate with an API key: `Authorization: Bearer lw_<prefix>_<secret>`
(create one with `leadwerk api-keys create NAME --scope leads:write`).
Errors are RFC 9457 problem details (`application/problem+json`); a 422 names each field.
"""


def create_app(
    settings: Settings, *, db: Database | None = None, embedded_worker: bool = False
) -> FastAPI:
    """The whole application. `db` lets tests pass a database bound to one transaction."""
    database = db or Database.from_url(settings.database_url)
    container = Container.build(settings, database)
    tracking_writer = tracking.build_writer(settings, database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up built lives as long as the process: keep the collector off it.
        gc.freeze()
        worker = scheduler = None
        if embedded_worker:
            from leadwerk.scheduler import build_scheduler
            from leadwerk.worker import build_worker

            worker = build_worker(container, name=f"embedded@{socket.gethostname()}:{os.getpid()}")
            worker.start()
            scheduler = build_scheduler(container)
            scheduler.start()
            log.info("embedded worker and scheduler started")
        tracking_writer.start()
        try:
            yield
        finally:
            tracking_writer.stop()  # writes the events still waiting before the database goes
            if scheduler is not None:
                scheduler.stop()
            if worker is not None:
                worker.stop()
            if db is None:
                database.dispose()

    app = FastAPI(
        title="Leadwerk",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.tracking_writer = tracking_writer
    problems.install(app)
    app.include_router(health.router)
    app.include_router(leads.router)
    app.include_router(consent.router)
    app.include_router(privacy.router)
    app.include_router(duplicates.router)
    app.include_router(duplicates.merges_router)
    app.include_router(webhooks.router)
    app.include_router(webhooks.outbox_router)
    app.include_router(tracking.router)
    app.include_router(inbound_hooks.router)
    app.include_router(inbound_hooks.admin_router)
    web.install(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        larger_limits={"/imports": settings.import_max_upload_bytes},  # the upload wizard
    )
    return app
