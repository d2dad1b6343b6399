"""`install(app)`: adds the UI to the application built by `create_app`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from leadwerk.container import Container
from leadwerk.settings import Environment
from leadwerk.web import (
    api_keys,
    auth,
    consent_admin,
    consent_public,
    delivery,
    duplicates,
    errors,
    forms,
    i18n,
    imports,
    integrations,
    lead_privacy,
    leads,
    public_forms,
    tracking,
    users,
    webhooks,
)
from leadwerk.web.context import WebState
from leadwerk.web.security import StaticHeaders
from leadwerk.web.templating import StaticAssets, Templates, find_node_modules

VIEW_MODULES = (
    auth,
    leads,
    lead_privacy,
    duplicates,
    imports,
    forms,
    public_forms,
    consent_public,
    tracking,
    consent_admin,
    delivery,
    webhooks,
    integrations,
    api_keys,
    users,
)


def install(app: FastAPI) -> None:
    """Views, templates in every language, static files (ours and npm's), HTML error pages."""
    container: Container = app.state.container
    settings = container.settings
    assets = StaticAssets.discover(find_node_modules(settings.static_vendor_dir))
    templates = Templates(
        i18n.load_catalogs(), assets, auto_reload=settings.environment is Environment.DEV
    )
    app.state.web = WebState(templates=templates, assets=assets)
    for package, folder in assets.vendor_dirs.items():
        app.mount(
            f"/static/vendor/{package}",
            StaticHeaders(StaticFiles(directory=folder), settings),
            name=f"vendor-{package}",
        )
    app.mount(
        "/static", StaticHeaders(StaticFiles(directory=assets.own_dir), settings), name="static"
    )
    for module in VIEW_MODULES:
        app.include_router(module.router)
    errors.install(app)
