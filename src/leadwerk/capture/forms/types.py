"""Form definitions (frozen, stored as JSON in each version), submissions and their outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

LANGUAGES = ("en", "de")
# The hidden fields every rendering carries, filled from the page's address.
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Fields of `Intake` a form field may fill; any other key is a custom attribute of the lead.
INTAKE_KEYS = ("email", "first_name", "last_name", "phone", "company", "job_title", "country")


class FieldType(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    TEL = "tel"
    TEXTAREA = "textarea"
    SELECT = "select"
    CHECKBOX = "checkbox"
    COUNTRY = "country"
    HIDDEN = "hidden"

    @property
    def label(self) -> str:
        return _FIELD_TYPE_LABELS[self]


_FIELD_TYPE_LABELS = {
    FieldType.TEXT: "Text",
    FieldType.EMAIL: "Email address",
    FieldType.TEL: "Phone number",
    FieldType.TEXTAREA: "Text area",
    FieldType.SELECT: "Choice list",
    FieldType.CHECKBOX: "Checkbox",
    FieldType.COUNTRY: "Country list",
    FieldType.HIDDEN: "Hidden value",
}


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return "Accepted" if self is SubmissionStatus.ACCEPTED else "Rejected"


@dataclass(frozen=True, slots=True)
class Text:
    """One text in both languages; an empty German text falls back to the English one."""

    en: str = ""
    de: str = ""

    def get(self, language: str) -> str:
        if language == "de" and self.de:
            return self.de
        return self.en or self.de

    def to_doc(self) -> dict[str, str]:
        return {"en": self.en, "de": self.de}

    @classmethod
    def from_doc(cls, doc: Any) -> Text:
        if not isinstance(doc, Mapping):
            return cls()
        return cls(en=str(doc.get("en") or ""), de=str(doc.get("de") or ""))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    type: FieldType
    label: Text
    help: Text = Text()
    required: bool = False
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[Option, ...] = ()
    default: str = ""  # the value of a hidden field

    @property
    def is_intake(self) -> bool:
        return self.key in INTAKE_KEYS


@dataclass(frozen=True, slots=True)
class ConsentPurpose:
    """A purpose the visitor can agree to, with the exact text shown for it."""

    purpose: str
    text: Text
    required: bool = False


@dataclass(frozen=True, slots=True)
class FormDefinition:
    """Everything a visitor sees and the rules their input must pass; frozen per version."""

    title: Text
    fields: tuple[FormField, ...]
    intro: Text = Text()
    submit_label: Text = Text()
    thank_you: Text = Text()
    purposes: tuple[ConsentPurpose, ...] = ()
    double_opt_in: bool = False
    redirect_url: str | None = None
    allowed_origins: tuple[str, ...] = ()

    def to_doc(self) -> dict[str, Any]:
        return {
            "title": self.title.to_doc(),
            "intro": self.intro.to_doc(),
            "submit_label": self.submit_label.to_doc(),
            "thank_you": self.thank_you.to_doc(),
            "fields": [
                {
                    "key": f.key,
                    "type": f.type.value,
                    "label": f.label.to_doc(),
                    "help": f.help.to_doc(),
                    "required": f.required,
                    "max_length": f.max_length,
                    "pattern": f.pattern,
                    "options": [{"value": o.value, "label": o.label.to_doc()} for o in f.options],
                    "default": f.default,
                }
                for f in self.fields
            ],
            "purposes": [
                {"purpose": p.purpose, "text": p.text.to_doc(), "required": p.required}
                for p in self.purposes
            ],
            "double_opt_in": self.double_opt_in,
            "redirect_url": self.redirect_url,
            "allowed_origins": list(self.allowed_origins),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> FormDefinition:
        return cls(
            title=Text.from_doc(doc.get("title")),
            intro=Text.from_doc(doc.get("intro")),
            submit_label=Text.from_doc(doc.get("submit_label")),
            thank_you=Text.from_doc(doc.get("thank_you")),
            fields=tuple(
                FormField(
                    key=str(f["key"]),
                    type=FieldType(f["type"]),
                    label=Text.from_doc(f.get("label")),
                    help=Text.from_doc(f.get("help")),
                    required=bool(f.get("required")),
                    max_length=f.get("max_length"),
                    pattern=f.get("pattern"),
                    options=tuple(
                        Option(str(o["value"]), Text.from_doc(o.get("label")))
                        for o in f.get("options") or ()
                    ),
                    default=str(f.get("default") or ""),
                )
                for f in doc.get("fields") or ()
            ),
            purposes=tuple(
                ConsentPurpose(
                    purpose=str(p["purpose"]),
                    text=Text.from_doc(p.get("text")),
                    required=bool(p.get("required")),
                )
                for p in doc.get("purposes") or ()
            ),
            double_opt_in=bool(doc.get("double_opt_in")),
            redirect_url=doc.get("redirect_url") or None,
            allowed_origins=tuple(doc.get("allowed_origins") or ()),
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """A message for one field: an English msgid and its %-parameters, translated at the edge."""

    message: str
    params: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishedForm:
    """One version of a form as a visitor gets it."""

    form_id: int
    slug: str
    version: int
    version_id: int
    definition: FormDefinition


@dataclass(frozen=True, slots=True)
class Submission:
    """What one visitor sent, and what the server knows about the request."""

    values: Mapping[str, str]
    consents: frozenset[str]
    language: str
    ip: str | None
    user_agent: str | None
    submitted_at: datetime
    render_token: str = ""
    honeypot: str = ""
    challenge_token: str | None = None
    page_url: str | None = None
    referrer: str | None = None
    visitor_id: str | None = None
    utm: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """`errors` (field → problem) when the visitor must correct something; otherwise the
    submission was taken (accepted, or rejected silently) and the visitor is thanked alike."""

    errors: Mapping[str, Problem] = field(default_factory=dict)
    form_error: Problem | None = None  # for the whole form: it must be sent again
    submission_id: int | None = None
    lead_id: int | None = None
    status: SubmissionStatus | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.form_error is None


@dataclass(frozen=True, slots=True)
class FormStats:
    form_id: int
    slug: str
    name: str
    is_active: bool
    version: int
    views: int
    submissions: int
    rejected: int

    @property
    def conversion_rate(self) -> float | None:
        """Accepted submissions per view; None before the first view."""
        return self.submissions / self.views if self.views else None


@dataclass(frozen=True, slots=True)
class DailyStats:
    day: str
    views: int
    submissions: int
    rejected: int
