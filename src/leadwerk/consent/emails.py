"""The emails of consent, in German and English (pure): the double opt-in confirmation and its
reminder. Everything that comes from a person (their name) is escaped in the HTML part."""

from __future__ import annotations

from html import escape

from leadwerk.delivery.mail import Email

_WORDS = {
    "de": {
        "subject": "Bitte bestätigen Sie: {purpose}",
        "reminder_subject": "Erinnerung: Bitte bestätigen Sie: {purpose}",
        "hello": "Hallo {name},",
        "hello_anonymous": "Guten Tag,",
        "asked": "Sie haben gerade Folgendem zugestimmt:",
        "confirm": "Bitte bestätigen Sie das mit einem Klick auf diesen Link:",
        "button": "Jetzt bestätigen",
        "until": "Der Link gilt bis {until} (UTC).",
        "ignore": (
            "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail einfach: ohne Bestätigung "
            "senden wir Ihnen nichts weiter."
        ),
    },
    "en": {
        "subject": "Please confirm: {purpose}",
        "reminder_subject": "Reminder: please confirm: {purpose}",
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "asked": "You have just agreed to the following:",
        "confirm": "Please confirm this by following this link:",
        "button": "Confirm now",
        "until": "The link works until {until} (UTC).",
        "ignore": (
            "If this was not you, simply ignore this email: without a confirmation we will not "
            "send you anything else."
        ),
    },
}


def confirmation(
    *,
    to: str,
    name: str | None,
    language: str,
    purpose_label: str,
    consent_text: str,
    link: str,
    until: str,
    reminder: bool = False,
) -> Email:
    words = _WORDS.get(language, _WORDS["en"])
    subject = words["reminder_subject" if reminder else "subject"].format(purpose=purpose_label)
    greeting = words["hello"].format(name=name) if name else words["hello_anonymous"]
    text = "\n\n".join(
        [
            greeting,
            words["asked"],
            f"„{consent_text}“" if language == "de" else f"“{consent_text}”",
            words["confirm"],
            link,
            words["until"].format(until=until),
            words["ignore"],
        ]
    )
    safe = escape(greeting)
    html = (
        f"<p>{safe}</p><p>{escape(words['asked'])}</p>"
        f"<blockquote>{escape(consent_text)}</blockquote>"
        f"<p>{escape(words['confirm'])}</p>"
        f'<p><a href="{escape(link, quote=True)}">{escape(words["button"])}</a></p>'
        f"<p>{escape(words['until'].format(until=until))}</p>"
        f"<p>{escape(words['ignore'])}</p>"
    )
    return Email(to=to, subject=subject, text=text + "\n", html=html)
