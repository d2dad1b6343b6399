"""Turns a lead's timeline entries into what the detail page shows: translated titles, named
actors, and one line per detail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadwerk.leads.service import TimelineEntry
from leadwerk.leads.types import Channel, Stage, Temperature
from leadwerk.web import labels
from leadwerk.web.i18n import N_

Translate = Callable[[str], str]
_ENUM_FIELDS: dict[str, type[Stage] | type[Channel] | type[Temperature]] = {
    "stage": Stage,
    "temperature": Temperature,
    "channel": Channel,
}
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


class _Presenter:
    def __init__(self, _: Translate, users: Mapping[int, str], api_keys: Mapping[int, str]) -> None:
        self._ = _
        self.users = users
        self.api_keys = api_keys

    def actor(self, actor: str | None) -> str | None:
        if not actor:
            return None
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
        return self._(labels.lead_field(name))

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
        for key, value in details.items():
            lines.append((str(key), self.value(str(key), value)))
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


def present_timeline(
    entries: list[TimelineEntry],
    _: Translate,
    users: Mapping[int, str],
    api_keys: Mapping[int, str],
) -> list[TimelineItem]:
    """Newest first, as the domain hands them over."""
    presenter = _Presenter(_, users, api_keys)
    kinds = {
        "touchpoint": presenter.touchpoint,
        "stage_change": presenter.stage_change,
        "audit": presenter.audit,
    }
    return [kinds.get(entry.kind, presenter.audit)(entry) for entry in entries]
