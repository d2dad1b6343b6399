"""The mail folder under Deliveries (TestClient), on both databases: the emails the file
transport wrote, one with its text escaped and its links, the raw file; SMTP keeps none."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth.types import Role
from leadwerk.delivery.mail import Email, FileTransport, build_message
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.web.conftest import HTML, signed_in

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
NAME = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def settings(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"smtp_url": f"file://{folder}"})


def write(folder: Path, email: Email, at: datetime = T0) -> str:
    with time_machine.travel(at, tick=False):
        result = FileTransport(folder).send(
            build_message(email, sender="Leadwerk <leadwerk@example.com>", message_key="k", now=at)
        )
    assert result.excerpt is not None
    found = NAME.search(result.excerpt)
    assert found is not None
    return found.group()


def test_the_list_shows_the_newest_first(client: TestClient, db: Database, folder: Path) -> None:
    signed_in(client, db)
    assert (
        '<a class="button" href="/deliveries/mail">Mail folder</a>'
        in client.get("/deliveries").text
    )
    empty = client.get("/deliveries/mail")
    assert empty.status_code == 200
    assert "No email has been written to this folder yet." in empty.text
    older = write(folder, Email("anna@example.de", "Bitte bestätigen", "Hallo"))
    newer = write(
        folder, Email("ben@example.de", "<b>Willkommen</b>", "Hi"), T0 + timedelta(hours=1)
    )
    html = client.get("/deliveries/mail").text
    assert f"the folder {folder}, for local use" in html
    assert re.findall(r'<a href="/deliveries/mail/([^"]+)">', html) == [newer, older]
    assert '<td data-label="To">ben@example.de</td>' in html
    assert f'<a href="/deliveries/mail/{older}">Bitte bestätigen</a>' in html
    assert "&lt;b&gt;Willkommen&lt;/b&gt;" in html
    when = "Mar 14, 2025, 10:26\u202fAM UTC"
    assert f'<time datetime="2025-03-14T10:26:53+00:00">{when}</time>' in html
    size = (folder / f"{older}.eml").stat().st_size
    assert f'<td data-label="Size">{size} bytes</td>' in html


def test_the_list_pages_by_name(
    client: TestClient, db: Database, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadwerk.web import delivery as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    names = [
        write(folder, Email("a@example.de", f"Nr. {i}", "x"), T0 + timedelta(seconds=i))
        for i in range(3)
    ]
    signed_in(client, db)
    first = client.get("/deliveries/mail").text
    assert f'href="/deliveries/mail?before={names[1]}">Older messages</a>' in first
    rest = client.get(f"/deliveries/mail?before={names[1]}").text
    assert re.findall(r'<a href="/deliveries/mail/([^"]+)">', rest) == [names[0]]
    assert "Older messages" not in rest
    bad = client.get("/deliveries/mail?before=../x")
    assert bad.status_code == 422
    assert "This is not a page this list offers." in bad.text


def test_a_message_shows_its_text_escaped_with_links(
    client: TestClient, db: Database, folder: Path
) -> None:
    text = (
        "Bitte bestätigen: https://leads.example.com/c/abc?x=1&y=2.\n"
        "<script>alert(1)</script>\n"
        'https://evil.example.com/"><script>alert(2)</script>\n'
        "javascript:alert(3) ftp://files.example.com/\n"
    )
    name = write(
        folder,
        Email(
            "anna@example.de",
            "Bitte bestätigen",
            text,
            headers={"List-Unsubscribe": "<https://leads.example.com/u/abc>"},
        ),
    )
    signed_in(client, db)
    r = client.get(f"/deliveries/mail/{name}")
    assert r.status_code == 200
    link = "https://leads.example.com/c/abc?x=1&amp;y=2"
    assert (
        '<pre class="payload">'
        f'Bitte bestätigen: <a href="{link}">{link}</a>.\n'
        "&lt;script&gt;alert(1)&lt;/script&gt;\n"
        '<a href="https://evil.example.com/">https://evil.example.com/</a>'
        "&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\n"
        "javascript:alert(3) ftp://files.example.com/\n"
        "</pre>"
    ) in r.text
    assert "<script>alert" not in r.text
    assert "<dt>From</dt><dd>Leadwerk &lt;leadwerk@example.com&gt;</dd>" in r.text
    assert "<dt>To</dt><dd>anna@example.de</dd>" in r.text
    assert (
        '<dt>List-Unsubscribe</dt><dd class="cell-url">&lt;<a href="https://leads.example.com/u/abc">'
        "https://leads.example.com/u/abc</a>&gt;</dd>"
    ) in r.text
    assert f'<a class="button" href="/deliveries/mail/{name}.eml">' in r.text


def test_the_html_of_an_email_is_never_shown(
    client: TestClient, db: Database, folder: Path
) -> None:
    message = build_message(
        Email("anna@example.de", "Nur HTML", "x"),
        sender="leadwerk@example.com",
        message_key="k",
        now=T0,
    )
    message.set_content('<p onclick="alert(1)">Nur HTML</p>', subtype="html")
    FileTransport(folder).send(message)
    (path,) = folder.iterdir()
    signed_in(client, db)
    html = client.get(f"/deliveries/mail/{path.stem}").text
    assert "This email has no plain-text part." in html
    assert "onclick" not in html


def test_an_unreadable_file_is_shown_as_such(
    client: TestClient, db: Database, folder: Path
) -> None:
    name = "20250314T092653000000-abcdef12"
    folder.mkdir()
    (folder / f"{name}.eml").write_bytes(b"\xff\xfe no headers")
    signed_in(client, db)
    listed = client.get("/deliveries/mail").text
    assert f'<a href="/deliveries/mail/{name}">Unreadable file</a>' in listed
    r = client.get(f"/deliveries/mail/{name}")
    assert r.status_code == 200
    assert "This file cannot be read as an email." in r.text


def test_the_file_downloads_as_written(client: TestClient, db: Database, folder: Path) -> None:
    name = write(folder, Email("anna@example.de", "Bitte bestätigen", "Hallo"))
    signed_in(client, db)
    r = client.get(f"/deliveries/mail/{name}.eml")
    assert r.status_code == 200
    assert r.content == (folder / f"{name}.eml").read_bytes()
    assert r.headers["content-type"] == "message/rfc822"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}.eml"'


@pytest.mark.parametrize(
    "path",
    [
        "/deliveries/mail/..%2Fsecret.eml",
        "/deliveries/mail/..%2Fsecret",
        "/deliveries/mail/%2E%2E%2Fsecret",
        "/deliveries/mail/secret",
        "/deliveries/mail/secret.eml",
        "/deliveries/mail/20250314T092653000000-abcdef12",
        "/deliveries/mail/20250314T092653000000-abcdef12.eml",
        "/deliveries/mail/20250314T092653000000-abcdef12.eml.eml",
    ],
)
def test_unknown_names_are_not_found(
    client: TestClient, db: Database, folder: Path, path: str
) -> None:
    folder.mkdir()
    (folder.parent / "secret.eml").write_text("Subject: secret\n\nsecret")
    signed_in(client, db)
    r = client.get(path)
    assert r.status_code == 404
    assert "This page does not exist, or it is not visible to you." in r.text
    assert "secret\n" not in r.text


def test_with_smtp_nothing_is_kept(settings: Settings, db: Database, folder: Path) -> None:
    name = write(folder, Email("anna@example.de", "Bitte bestätigen", "Hallo"))
    smtp = settings.model_copy(update={"smtp_url": "smtp://mailer:geheim@mail.example.com:587"})
    with TestClient(create_app(smtp, db=db), headers=HTML) as client:
        signed_in(client, db)
        assert "/deliveries/mail" not in client.get("/deliveries").text
        r = client.get("/deliveries/mail")
        assert r.status_code == 200
        assert "Email goes to the SMTP server mail.example.com; no copy is kept here." in r.text
        assert "geheim" not in r.text
        assert "<table" not in r.text
        assert client.get(f"/deliveries/mail/{name}").status_code == 404
        assert client.get(f"/deliveries/mail/{name}.eml").status_code == 404


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES])
def test_other_roles_may_not_read_the_mail(
    client: TestClient, db: Database, folder: Path, role: Role
) -> None:
    name = write(folder, Email("anna@example.de", "Bitte bestätigen", "Hallo"))
    signed_in(client, db, role)
    for path in ("/deliveries/mail", f"/deliveries/mail/{name}", f"/deliveries/mail/{name}.eml"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Bitte bestätigen" not in r.text
