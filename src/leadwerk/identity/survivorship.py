"""Survivorship: what the lead that survives a merge holds afterwards, field by field (pure).

Fields that belong together are decided together (`GROUPS`: an address with its key, status
and domain; first and last name with the name key; …), so a merge never pairs one lead's
first name with the other's last name. For a group both leads fill differently:

1. source priority, when configured: the lead whose source ranks higher wins;
2. a verified value beats one that is not (an address found valid; a phone number of a known
   line type);
3. the lead updated more recently wins; on a tie, the survivor.

The rest follows what each field means: first touch from the lead created first, the stage
furthest along, the hotter temperature, the higher scores, the survivor's owner and account
unless it has none, the union of attributes, the later last activity, a restriction or an
objection of either lead (the earlier one). Every difference is a
`Decision`, so the losing value is kept in the merge's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Decided together; the first field of each group is what a person sees of it.
GROUPS: dict[str, tuple[str, ...]] = {
    "email": ("email", "email_key", "email_status", "domain"),
    "phone": ("phone", "phone_key", "phone_status"),
    "name": ("first_name", "last_name", "name_key", "sound_key"),
    "company": ("company", "company_key"),
    "job_title": ("job_title", "seniority", "job_function"),
    "country": ("country",),
    "language": ("language",),
}
_SHOWN: dict[str, tuple[str, ...]] = {"name": ("first_name", "last_name")}
FIRST_TOUCH = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "channel",
)
STAGE_ORDER = (
    "disqualified",
    "recycled",
    "subscriber",
    "lead",
    "mql",
    "sql",
    "opportunity",
    "customer",
)
TEMPERATURE_ORDER = ("cold", "warm", "hot")
SCORES = ("fit_score", "engagement_score", "score")
PRIVACY = ("restricted_at", "profiling_objected_at")


class Why(StrEnum):
    """Why a value survived."""

    ONLY_ONE = "only_one"  # the other lead had none
    SOURCE_PRIORITY = "source_priority"
    VERIFIED = "verified"
    MORE_RECENT = "more_recent"
    SURVIVOR = "survivor"  # a tie, or a field that stays with the survivor unless it has none
    FIRST_TOUCH = "first_touch"  # from the lead created first
    FURTHER = "further"  # further along, hotter or higher
    LATER = "later"

    @property
    def label(self) -> str:
        return {
            "only_one": "the other lead had none",
            "source_priority": "its source has priority",
            "verified": "verified",
            "more_recent": "more recent",
            "survivor": "the kept lead's",
            "first_touch": "first touch",
            "further": "further along",
            "later": "later",
        }[self.value]


class Kept(StrEnum):
    SURVIVOR = "survivor"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where the two leads differed: what stayed, what was lost, and why."""

    field: str  # a group's name, a field's, or "attributes.<key>"
    kept: Any
    lost: Any
    kept_from: Kept
    why: Why

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kept": self.kept,
            "lost": self.lost,
            "kept_from": self.kept_from.value,
            "why": self.why.value,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    values: dict[str, Any]  # every field survivorship decides, as the survivor holds it after
    decisions: list[Decision]


def source_rank(source: str | None, priority: Sequence[str]) -> int:
    """The place of a lead's source in the priority list (exactly, or by the part before the
    first colon: `form` covers `form:messe`); unlisted sources rank after all listed ones."""
    if source:
        for candidate in (source, source.split(":", 1)[0]):
            if candidate in priority:
                return priority.index(candidate)
    return len(priority)


def _verified(group: str, values: Mapping[str, Any]) -> bool | None:
    if group == "email":
        return values.get("email_status") == "valid"
    if group == "phone":
        return values.get("phone_status") not in (None, "unverified")
    return None


def _shown(group: str, values: Mapping[str, Any]) -> Any:
    names = _SHOWN.get(group, GROUPS[group][:1])
    shown = [values.get(name) or None for name in names]
    return shown[0] if len(shown) == 1 else " ".join(v for v in shown if v) or None


class _Merge:
    def __init__(
        self, survivor: Mapping[str, Any], merged: Mapping[str, Any], priority: Sequence[str]
    ) -> None:
        self.sides = {Kept.SURVIVOR: survivor, Kept.MERGED: merged}
        self.ranks = {k: source_rank(v.get("source"), priority) for k, v in self.sides.items()}
        self.values: dict[str, Any] = {}
        self.decisions: list[Decision] = []

    def contest(self, group: str | None) -> tuple[Kept, Why]:
        """Which side wins a field both fill differently."""
        if self.ranks[Kept.SURVIVOR] != self.ranks[Kept.MERGED]:
            best = min(self.ranks, key=lambda k: self.ranks[k])
            return best, Why.SOURCE_PRIORITY
        if group is not None:
            verified = {k: _verified(group, v) for k, v in self.sides.items()}
            if verified[Kept.SURVIVOR] != verified[Kept.MERGED]:
                return (Kept.SURVIVOR if verified[Kept.SURVIVOR] else Kept.MERGED), Why.VERIFIED
        survivor_at = self.sides[Kept.SURVIVOR]["updated_at"]
        merged_at = self.sides[Kept.MERGED]["updated_at"]
        if merged_at > survivor_at:
            return Kept.MERGED, Why.MORE_RECENT
        return Kept.SURVIVOR, Why.MORE_RECENT if survivor_at > merged_at else Why.SURVIVOR

    def take(self, names: Sequence[str], side: Kept) -> None:
        for name in names:
            self.values[name] = self.sides[side].get(name)

    def decide(self, field: str, kept: Kept, why: Why, shown: Mapping[Kept, Any]) -> None:
        other = Kept.MERGED if kept is Kept.SURVIVOR else Kept.SURVIVOR
        # worth recording: the survivor's value changed, or a value was lost
        if shown[kept] != shown[other] and (kept is Kept.MERGED or shown[other] is not None):
            self.decisions.append(Decision(field, shown[kept], shown[other], kept, why))

    def group(self, group: str) -> None:
        shown = {k: _shown(group, v) for k, v in self.sides.items()}
        if shown[Kept.MERGED] is None or shown[Kept.MERGED] == shown[Kept.SURVIVOR]:
            kept, why = Kept.SURVIVOR, Why.SURVIVOR
        elif shown[Kept.SURVIVOR] is None:
            kept, why = Kept.MERGED, Why.ONLY_ONE
        else:
            kept, why = self.contest(group)
        self.take(GROUPS[group], kept)
        self.decide(group, kept, why, shown)

    def first_touch(self) -> None:
        survivor, merged = self.sides[Kept.SURVIVOR], self.sides[Kept.MERGED]
        first = Kept.MERGED if merged["created_at"] < survivor["created_at"] else Kept.SURVIVOR
        later = Kept.SURVIVOR if first is Kept.MERGED else Kept.MERGED

        def attributed(side: Kept) -> bool:
            return any(self.sides[side].get(name) for name in FIRST_TOUCH[:-1])

        kept = later if attributed(later) and not attributed(first) else first
        why = Why.ONLY_ONE if kept is later else Why.FIRST_TOUCH
        self.take(FIRST_TOUCH, kept)
        for name in FIRST_TOUCH:
            self.decide(name, kept, why, {k: v.get(name) for k, v in self.sides.items()})
        self.values["created_at"] = min(survivor["created_at"], merged["created_at"])

    def ranked(self, name: str, order: Sequence[str]) -> None:
        shown = {k: v.get(name) for k, v in self.sides.items()}

        def rank(side: Kept) -> int:
            value = shown[side]
            return order.index(value) if value in order else -1

        kept = Kept.MERGED if rank(Kept.MERGED) > rank(Kept.SURVIVOR) else Kept.SURVIVOR
        self.values[name] = shown[kept]
        self.decide(name, kept, Why.FURTHER, shown)

    def highest(self, names: Sequence[str]) -> None:
        for name in names:
            shown = {k: v.get(name) or 0 for k, v in self.sides.items()}
            kept = Kept.MERGED if shown[Kept.MERGED] > shown[Kept.SURVIVOR] else Kept.SURVIVOR
            self.values[name] = shown[kept]
            self.decide(name, kept, Why.FURTHER, shown)
        fit = {k: v.get("fit_score") or 0 for k, v in self.sides.items()}
        kept = Kept.MERGED if fit[Kept.MERGED] > fit[Kept.SURVIVOR] else Kept.SURVIVOR
        self.values["grade"] = self.sides[kept].get("grade")

    def survivor_unless_empty(self, names: Sequence[str]) -> None:
        empty = all(self.sides[Kept.SURVIVOR].get(name) is None for name in names)
        kept = Kept.MERGED if empty else Kept.SURVIVOR
        self.take(names, kept)
        why = Why.ONLY_ONE if empty else Why.SURVIVOR
        for name in names:
            self.decide(name, kept, why, {k: v.get(name) for k, v in self.sides.items()})

    def attributes(self) -> None:
        survivor = dict(self.sides[Kept.SURVIVOR].get("attributes") or {})
        merged = dict(self.sides[Kept.MERGED].get("attributes") or {})
        combined = {**merged, **survivor}
        for key in sorted(set(survivor) & set(merged)):
            if survivor[key] != merged[key]:
                kept, why = self.contest(None)
                combined[key] = (survivor if kept is Kept.SURVIVOR else merged)[key]
                shown = {Kept.SURVIVOR: survivor[key], Kept.MERGED: merged[key]}
                self.decide(f"attributes.{key}", kept, why, shown)
        self.values["attributes"] = combined

    def earliest(self, name: str) -> None:
        times = [v[name] for v in self.sides.values() if v.get(name) is not None]
        self.values[name] = min(times) if times else None

    def latest(self, name: str) -> None:
        times = [v[name] for v in self.sides.values() if v.get(name) is not None]
        self.values[name] = max(times) if times else None


def survive(
    survivor: Mapping[str, Any], merged: Mapping[str, Any], *, priority: Sequence[str] = ()
) -> Outcome:
    """What the survivor holds after absorbing `merged`. Both map a lead's field names to
    its values (enums by value; `created_at` and `updated_at` as datetimes)."""
    merge = _Merge(survivor, merged, priority)
    for group in GROUPS:
        merge.group(group)
    merge.first_touch()
    merge.ranked("stage", STAGE_ORDER)
    merge.ranked("temperature", TEMPERATURE_ORDER)
    merge.highest(SCORES)
    merge.survivor_unless_empty(("owner_id", "team_id"))
    merge.survivor_unless_empty(("account_id",))
    merge.attributes()
    merge.latest("last_activity_at")
    for name in PRIVACY:  # the stricter wins: a restriction or objection of either lead holds
        merge.earliest(name)
    return Outcome(merge.values, merge.decisions)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value `after` changes."""
    return {name: value for name, value in after.items() if before.get(name) != value}


def to_restore(
    before: Mapping[str, Any], set_by_merge: Mapping[str, Any], now: Mapping[str, Any]
) -> dict[str, Any]:
    """For an undo: the survivor's fields to put back (field → value before the merge), those
    the merge set and nobody changed since. A field changed since keeps its new value."""
    return {
        name: before.get(name) for name, value in set_by_merge.items() if now.get(name) == value
    }
