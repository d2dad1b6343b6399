"""`leadwerk serve`: API, UI, and (unless told not to) the worker, in one process."""

from __future__ import annotations

import typer
import uvicorn

from leadwerk import schema
from leadwerk.app import create_app
from leadwerk.cli.common import console, domain_errors, fail, load_settings
from leadwerk.errors import DatabaseBehindHead
from leadwerk.observability import configure_logging
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database

DEMO_ADMIN_EMAIL = "admin@demo.leadwerk.test"
DEMO_ADMIN_PASSWORD = "leadwerk-demo-password"  # noqa: S105 - printed for the local demo only


def serve(
    host: str | None = typer.Option(None, help="Listen address (LEADWERK_HOST)."),
    port: int | None = typer.Option(None, help="Port (LEADWERK_PORT)."),
    database_url: str | None = typer.Option(None, help="Database URL (LEADWERK_DATABASE_URL)."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Do not run the embedded worker; run `leadwerk worker` apart."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Fill an empty database with demo data and a demo admin first."
    ),
    demo_leads: int = typer.Option(5000, help="How many demo leads --demo creates."),
) -> None:
    """Serve Leadwerk. Upgrades an embedded SQLite database on start; on PostgreSQL refuses to
    start on a database behind the newest migration."""
    settings = load_settings(host=host, port=port, database_url=database_url)
    with domain_errors():
        db = Database.from_url(settings.database_url)
        if settings.is_sqlite:
            schema.upgrade(db.engine)
        else:
            try:
                schema.require_head(db.engine)
            except DatabaseBehindHead as exc:
                db.dispose()
                fail(exc.message)
    if demo:
        _prepare_demo(db, settings, demo_leads)
    configure_logging(settings.log_level, settings.log_format.value)
    app = create_app(settings, db=db, embedded_worker=not no_worker)
    console.print(f"Leadwerk is running: open {settings.public_url}/ in your browser.")
    if demo:
        console.print(
            f"Log in as {DEMO_ADMIN_EMAIL} with the password {DEMO_ADMIN_PASSWORD}; the demo "
            "sales reps and marketing users (see Users) have the same password."
        )
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            server_header=False,
        )
    finally:
        db.dispose()


def _prepare_demo(db: Database, settings: Settings, leads: int) -> None:
    from leadwerk.demo.duplicates import plant_leads
    from leadwerk.demo.loader import ensure_demo_admin, has_leads, load_demo
    from leadwerk.identity import duplicates

    with domain_errors():
        ensure_demo_admin(db, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
        if not has_leads(db):
            console.print(f"Creating {leads} demo leads …")
            # Staff share the demo password, so one can log in as a sales rep and see that view.
            load_demo(db, leads=leads, seed=1, staff_password=DEMO_ADMIN_PASSWORD)
            # some people twice, and a search that offers them all for review (merging none),
            # so the Duplicates queue has something to decide
            plant_leads(db, leads // 100, seed=2)
            policy = duplicates.SearchPolicy.from_settings(settings, auto_merge=False)
            search_id = duplicates.start_search(db, actor="demo", auto_merge=False)
            duplicates.run_search(db, search_id, policy)
