"""The mail folder read back: files written by the real FileTransport, newest first, paged by
name; one message with its text; names other than the transport's are unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from leadwerk.delivery import mailbox
from leadwerk.delivery.mail import Email, FileTransport, build_message
from leadwerk.delivery.mailbox import MailMessage, MailSummary
from leadwerk.errors import NotFound

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
SENDER = "Leadwerk <leadwerk@example.com>"


def write(folder: Path, email: Email, at: datetime) -> str:
    """The message as the worker writes it at `at`; answers its name."""
    with time_machine.travel(at, tick=False):
        result = FileTransport(folder).send(
            build_message(email, sender=SENDER, message_key="k-1", now=at)
        )
    assert result.excerpt is not None
    return result.excerpt.removeprefix("written to ").removesuffix(".eml")


def test_newest_first_with_the_headers_of_each(tmp_path: Path) -> None:
    first = write(tmp_path, Email("anna@example.de", "Bitte bestätigen", "Hallo"), T0)
    second = write(tmp_path, Email("ben@example.de", "Willkommen", "Hi"), T0 + timedelta(minutes=5))
    size = (tmp_path / f"{second}.eml").stat().st_size
    assert first.startswith("20250314T092653000000-")
    assert mailbox.list_mail(tmp_path, limit=50)[0] == MailSummary(
        second, size, sent_at=T0 + timedelta(minutes=5), to="ben@example.de", subject="Willkommen"
    )
    assert [m.name for m in mailbox.list_mail(tmp_path, limit=50)] == [second, first]


def test_pages_by_the_name_of_the_last_one_shown(tmp_path: Path) -> None:
    names = [
        write(tmp_path, Email("a@example.de", f"Nr. {i}", "x"), T0 + timedelta(seconds=i))
        for i in range(5)
    ]
    page = mailbox.list_mail(tmp_path, limit=2)
    assert [m.subject for m in page] == ["Nr. 4", "Nr. 3"]
    older = mailbox.list_mail(tmp_path, limit=2, before=page[-1].name)
    assert [m.subject for m in older] == ["Nr. 2", "Nr. 1"]
    assert [m.subject for m in mailbox.list_mail(tmp_path, limit=2, before=names[1])] == ["Nr. 0"]
    assert mailbox.list_mail(tmp_path, limit=2, before=names[0]) == []


def test_a_missing_folder_holds_nothing_and_other_files_are_not_listed(tmp_path: Path) -> None:
    assert mailbox.list_mail(tmp_path / "not-yet", limit=50) == []
    (tmp_path / "notes.eml").write_text("Subject: not from the transport\n\nx")
    (tmp_path / "20250314T092653000000-abcdef12.txt").write_text("Subject: x\n\nx")
    assert mailbox.list_mail(tmp_path, limit=50) == []


def test_one_message_with_its_text_and_unsubscribe_headers(tmp_path: Path) -> None:
    email = Email(
        "anna@example.de",
        "Bitte bestätigen Sie Ihre Anmeldung",
        "Hallo Anna,\nbitte bestätigen: https://leads.example.com/c/abc?x=1&y=2\n",
        html="<p>Hallo Anna</p>",
        headers={
            "List-Unsubscribe": "<https://leads.example.com/u/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    name = write(tmp_path, email, T0)
    assert mailbox.read_mail(tmp_path, name) == MailMessage(
        name,
        (tmp_path / f"{name}.eml").stat().st_size,
        sent_at=T0,
        sender=SENDER,
        to="anna@example.de",
        subject="Bitte bestätigen Sie Ihre Anmeldung",
        list_headers=(
            ("List-Unsubscribe", "<https://leads.example.com/u/abc>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
        text="Hallo Anna,\nbitte bestätigen: https://leads.example.com/c/abc?x=1&y=2\n",
    )
    assert mailbox.raw_mail(tmp_path, name) == (tmp_path / f"{name}.eml").read_bytes()


def test_a_message_with_only_html_has_no_text(tmp_path: Path) -> None:
    message = build_message(
        Email("anna@example.de", "Nur HTML", "x"), sender=SENDER, message_key="k-2", now=T0
    )
    message.set_content("<p>Nur HTML</p>", subtype="html")
    result = FileTransport(tmp_path).send(message)
    assert result.excerpt is not None
    name = result.excerpt.removeprefix("written to ").removesuffix(".eml")
    found = mailbox.read_mail(tmp_path, name)
    assert (found.readable, found.subject, found.text) == (True, "Nur HTML", None)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00 no headers at all",
        b"Subject: odd\nContent-Type: text/plain; charset=x-unknown\n\nHallo\n",
    ],
)
def test_a_file_that_is_no_email_is_unreadable(tmp_path: Path, content: bytes) -> None:
    name = "20250314T092653000000-abcdef12"
    (tmp_path / f"{name}.eml").write_bytes(content)
    assert mailbox.read_mail(tmp_path, name) == MailMessage(name, len(content), readable=False)
    if content.startswith(b"Subject"):  # its headers alone can be read for the list
        assert mailbox.list_mail(tmp_path, limit=50)[0].subject == "odd"
    else:
        assert mailbox.list_mail(tmp_path, limit=50) == [
            MailSummary(name, len(content), readable=False)
        ]


def test_a_folder_named_like_a_message_is_listed_unreadable_and_not_found(tmp_path: Path) -> None:
    name = "20250314T092653000000-abcdef12"
    (tmp_path / f"{name}.eml").mkdir()
    assert mailbox.list_mail(tmp_path, limit=50) == [MailSummary(name, 0, readable=False)]
    with pytest.raises(NotFound):
        mailbox.read_mail(tmp_path, name)


@pytest.mark.parametrize(
    "name",
    [
        "../secret",
        "..",
        "20250314T092653000000-abcdef12.eml",
        "20250314T092653000000-ABCDEF12",
        "20250314T092653000000-abcdef12/../../secret",
        "2025031T092653000000-abcdef12",
        " 20250314T092653000000-abcdef12",
        "20250314T092653000000-abcdef12\n",
        "",
    ],
)
def test_only_the_transports_names_are_known(tmp_path: Path, name: str) -> None:
    (tmp_path / "secret.eml").write_text("Subject: secret\n\nx")
    assert not mailbox.is_name(name)
    with pytest.raises(NotFound):
        mailbox.raw_mail(tmp_path / "mail", name)
    with pytest.raises(NotFound):
        mailbox.read_mail(tmp_path / "mail", name)


def test_a_name_not_written_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        mailbox.read_mail(tmp_path, "20250314T092653000000-abcdef12")
