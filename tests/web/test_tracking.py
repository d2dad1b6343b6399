"""The Tracking page: snippet, consent call, allowed origins, counts and recent events."""

from __future__ import annotations

from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth.types import Role
from leadwerk.capture.tracking import service
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead
from tests.factories.tracking import custom, page_view, tracked, visitor_id
from tests.web.conftest import HTML, signed_in


def test_the_page_shows_snippet_origins_and_recent_events(settings: Settings, db: Database) -> None:
    configured = settings.model_copy(
        update={
            "tracking_allowed_origins": ["https://www.example.com", "www.example.org"],
            "base_url": "https://leadwerk.example",
        }
    )
    vid = visitor_id()
    with db.transaction() as s:
        service.write_batch(
            s,
            [
                tracked(page_view("https://www.example.com/<b>x</b>"), vid),
                tracked(custom("signup_started"), vid),
            ],
        )
        lead_id = make_lead(s).id
        service.stitch(s, vid, lead_id)
    with TestClient(create_app(configured, db=db), headers=HTML) as client:
        signed_in(client, db, Role.ADMIN)
        r = client.get("/tracking")
    assert r.status_code == 200
    html = r.text
    assert '<a href="/tracking"' in html  # in the navigation
    assert (
        "&lt;script async src=&#34;https://leadwerk.example/t/track.js&#34;&gt;&lt;/script&gt;"
        in html
    )
    assert "<pre><code>leadwerk('consent', true);</code></pre>" in html
    assert "<code>https://www.example.com</code></li>" in html
    assert "<code>www.example.org</code> <span" in html  # flagged: not an origin
    assert "https://www.example.com/&lt;b&gt;x&lt;/b&gt;" in html  # visitor data is text
    assert "<code>signup_started</code>" in html
    assert f'<a href="/leads/{lead_id}">' in html


def test_the_page_in_german_and_closed_to_sales(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.ADMIN, language="de")
    r = client.get("/tracking")
    assert "<h1>Website-Tracking</h1>" in r.text
    assert "Noch keine Website darf Ereignisse senden." in r.text
    client.cookies.clear()
    signed_in(client, db, Role.SALES)
    assert client.get("/tracking").status_code == 403
