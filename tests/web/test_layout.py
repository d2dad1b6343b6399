"""The layout: static files (ours and npm's htmx), the UI without htmx, and error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.leads import queries
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from leadwerk.web import templating
from tests.web.conftest import HTML, signed_in

HTMX_TAG = re.compile(
    r'<script src="(/static/vendor/htmx\.org/htmx\.min\.js\?v=[0-9a-f]{12})" defer>'
)


def _fake_node_modules(root: Path) -> Path:
    dist = root / "node_modules" / "htmx.org" / "dist"
    dist.mkdir(parents=True)
    (dist / "htmx.min.js").write_text("/* htmx stand-in for the test */\n")
    (dist / "other.js").write_text("/* served too: it is a public file of the package */\n")
    return root / "node_modules"


def test_htmx_is_served_from_node_modules(settings: Settings, db: Database, tmp_path: Path) -> None:
    configured = settings.model_copy(update={"static_vendor_dir": _fake_node_modules(tmp_path)})
    with TestClient(create_app(configured, db=db), headers=HTML) as client:
        page = client.get("/login").text
        tag = HTMX_TAG.search(page)
        assert tag is not None
        script = client.get(tag.group(1))
        assert script.status_code == 200
        assert script.text == "/* htmx stand-in for the test */\n"
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["cache-control"] == "public, max-age=86400"
        assert script.headers["x-content-type-options"] == "nosniff"


def test_without_node_modules_the_pages_work_without_htmx(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    configured = settings.model_copy(update={"static_vendor_dir": tmp_path / "missing"})
    with TestClient(create_app(configured, db=db), headers=HTML) as client:
        signed_in(client, db)
        page = client.get("/leads?stage=mql")
        assert page.status_code == 200
        assert "<script" not in page.text
        # the filter is a plain GET form, the pager plain links
        assert '<form class="card filters" method="get" action="/leads"' in page.text
        assert client.get("/static/vendor/htmx.org/htmx.min.js").status_code == 404


def test_the_configured_vendor_dir_wins(tmp_path: Path) -> None:
    assert templating.find_node_modules(tmp_path / "absent") is None
    assert templating.find_node_modules(tmp_path) == tmp_path


def test_layout_has_a_skip_link_and_own_static_files(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    page = client.get("/leads").text
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page
    assert '<main id="main" class="container" tabindex="-1">' in page
    css = re.search(r'<link rel="stylesheet" href="(/static/css/app\.css\?v=[0-9a-f]{12})">', page)
    assert css is not None
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "style=" not in page  # the CSP allows no inline styles
    assert "<script>" not in page  # nor inline scripts


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "list_leads", broken)


@pytest.mark.usefixtures("crashing")
def test_a_crash_shows_an_error_page_to_browsers_and_problem_json_to_clients(
    settings: Settings, db: Database
) -> None:
    with TestClient(
        create_app(settings, db=db), headers=HTML, raise_server_exceptions=False
    ) as client:
        signed_in(client, db)
        page = client.get("/leads")
        assert page.status_code == 500
        assert "<h1>Something went wrong</h1>" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        api = client.get("/leads", headers={"accept": "application/json"})
        assert api.status_code == 500
        assert api.headers["content-type"] == "application/problem+json"
