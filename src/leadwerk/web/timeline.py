"""Turns a lead's timeline entries into what the detail page shows: translated titles, named
actors, and one line per detail. `Presenter` also names actors and values for the merges card
(`web.duplicates`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.auth import service as auth
from leadwerk.identity.duplicates import ACTOR as SEARCH_ACTOR
from leadwerk.identity.survivorship import Why
from leadwerk.identity.types import MergeReason
from leadwerk.leads.service import TimelineEntry
from leadwerk.leads.types import Channel, Stage, Temperature
from leadwerk.web import labels
from leadwerk.web.context import Page
from leadwerk.web.i18n import N_

Translate = Callable[[str], str]
_ENUM_FIELDS: dict[str, type[Stage] | type[Channel] | type[Temperature]] = {
    "stage": Stage,
    "temperature": Temperature,
    "channel": Channel,
}
# Details of the merge entries, in the order shown (PostgreSQL keeps JSON keys in an order of
# its own); those naming another lead say so.
_LEAD_REFERENCES = {
    "merged_id": N_("Merged lead"),
    "survivor_id": N_("Kept lead"),
    "other_lead_id": N_("Other lead"),
}
_DETAIL_LABELS = {
    "merge_id": N_("Merge"),
    "pair_id": N_("Duplicate pair"),
    **_LEAD_REFERENCES,
    "reason": N_("Reason"),
}
SYSTEM_ACTORS = {SEARCH_ACTOR: N_("the duplicate search")}
KIND_LABELS = {
    "touchpoint": N_("Touchpoint"),
    "stage_change": N_("Stage change"),
    "audit": N_("Change log"),
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    kind: str
    kind_label: str
    title: str
    actor: str | None
    lines: list[tuple[str, str]]


class Presenter:
    """Timeline entries, actors and lead values as a person reads them, in the page's language."""

    def __init__(self, _: Translate, users: Mapping[int, str], api_keys: Mapping[int, str]) -> None:
        self._ = _
        self.users = users
        self.api_keys = api_keys

    def actor(self, actor: str | None) -> str | None:
        if not actor:
            return None
        if actor in SYSTEM_ACTORS:
            return self._(SYSTEM_ACTORS[actor])
        kind, _sep, ident = actor.partition(":")
        if ident.isdigit():
            if kind == "user" and int(ident) in self.users:
                return self.users[int(ident)]
            if kind == "api_key" and int(ident) in self.api_keys:
                return self._(N_("API key “%(name)s”")) % {"name": self.api_keys[int(ident)]}
        return actor

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "":
            return "–"
        enum_type = _ENUM_FIELDS.get(field)
        if enum_type is not None:
            try:
                return self._(enum_type(value).label)
            except ValueError:
                return str(value)
        if field == "owner_id" and isinstance(value, int):
            return self.users.get(value, str(value))
        if isinstance(value, dict):
            return ", ".join(f"{k}: {self.value(str(k), v)}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(self.value(field, v) for v in value)
        return str(value)

    def field(self, name: str) -> str:
        key, dot, attribute = name.partition(".")
        if dot and key == "attributes":
            return self._(N_("Attribute %(name)s")) % {"name": attribute}
        return self._(labels.lead_field(name))

    def lead(self, lead_id: Any) -> str:
        return self._(N_("Lead %(id)s")) % {"id": lead_id}

    def reason(self, value: Any) -> str:
        try:
            return self._(MergeReason(value).label)
        except ValueError:
            return self._(str(value))

    def why(self, value: Any) -> str:
        """Why a merge kept a value (`survivorship.Why`)."""
        try:
            return self._(Why(value).label)
        except ValueError:
            return str(value)

    def decision(self, decision: Mapping[str, Any]) -> tuple[str, str]:
        """One field a merge decided: (field, "kept value (why), lost value dropped")."""
        name, lost = str(decision.get("field", "")), decision.get("lost")
        values = {
            "kept": self.value(name, decision.get("kept")),
            "why": self.why(decision.get("why")),
            "lost": self.value(name, lost),
        }
        if lost is None or lost == "":
            return self.field(name), self._(N_("%(kept)s kept (%(why)s)")) % values
        return self.field(name), self._(N_("%(kept)s kept (%(why)s), %(lost)s dropped")) % values

    def touchpoint(self, entry: TimelineEntry) -> TimelineItem:
        d = entry.details
        lines = [(self.field("channel"), self.value("channel", d.get("channel")))]
        for name in ("source", "utm_campaign"):
            if d.get(name):
                lines.append((self.field(name), str(d[name])))
        if d.get("url"):
            lines.append((self._(N_("Page")), str(d["url"])))
        for key, value in (d.get("properties") or {}).items():
            lines.append((str(key), self.value(str(key), value)))
        title = self._(labels.touchpoint_type(entry.title))
        return self._item(entry, title, None, lines)

    def stage_change(self, entry: TimelineEntry) -> TimelineItem:
        d = entry.details
        title = self._(N_("Stage: %(from)s → %(to)s")) % {
            "from": self.value("stage", d.get("from")),
            "to": self.value("stage", d.get("to")),
        }
        lines = [(self._(N_("Reason")), self._(str(d["reason"])))] if d.get("reason") else []
        return self._item(entry, title, d.get("actor"), lines)

    def audit(self, entry: TimelineEntry) -> TimelineItem:
        details = dict(entry.details)
        actor = details.pop("actor", None)
        lines: list[tuple[str, str]] = []
        via = details.pop("via", None)
        if via:
            lines.append((self._(N_("Via")), self._(labels.touchpoint_type(str(via)))))
        changes = details.pop("changes", None)
        if isinstance(changes, dict):
            for name, change in changes.items():
                if isinstance(change, dict):
                    before = self.value(name, change.get("from"))
                    after = self.value(name, change.get("to"))
                    lines.append((self.field(name), f"{before} → {after}"))
        decisions = details.pop("decisions", None)
        for key, label in _DETAIL_LABELS.items():
            if key not in details:
                continue
            value = details.pop(key)
            if key in _LEAD_REFERENCES:
                lines.append((self._(label), self.lead(value)))
            elif key == "reason":
                lines.append((self._(label), self.reason(value)))
            else:
                lines.append((self._(label), self.value(key, value)))
        for key, value in details.items():
            lines.append((str(key), self.value(str(key), value)))
        if isinstance(decisions, list):
            lines += [self.decision(d) for d in decisions if isinstance(d, dict)]
        return self._item(entry, self._(labels.audit_action(entry.title)), actor, lines)

    def _item(
        self, entry: TimelineEntry, title: str, actor: str | None, lines: list[tuple[str, str]]
    ) -> TimelineItem:
        return TimelineItem(
            at=entry.at,
            kind=entry.kind,
            kind_label=self._(KIND_LABELS.get(entry.kind, entry.kind)),
            title=title,
            actor=self.actor(actor),
            lines=lines,
        )


def present_timeline(entries: list[TimelineEntry], presenter: Presenter) -> list[TimelineItem]:
    """Newest first, as the domain hands them over."""
    kinds = {
        "touchpoint": presenter.touchpoint,
        "stage_change": presenter.stage_change,
        "audit": presenter.audit,
    }
    return [kinds.get(entry.kind, presenter.audit)(entry) for entry in entries]


def presenter(page: Page, session: Session) -> Presenter:
    """Names actors (users, API keys, the search) and values, as the lead timeline does."""
    users = {u.id: u.name for u in auth.list_users(session)}
    keys = {k.id: k.name for k in auth.list_api_keys(session, include_revoked=True)}
    return Presenter(page.gettext, users, keys)
