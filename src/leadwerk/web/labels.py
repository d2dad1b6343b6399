"""Names the UI shows for things the domain names by code: lead fields, touchpoint types, audit
actions, how two values of a duplicate pair compared. Enums with a `.label` (stages, channels,
roles, statuses, scopes) are translated from their label; `tests/web/test_i18n.py` checks that
every one has a German translation."""

from __future__ import annotations

from leadwerk.leads.types import TouchpointType
from leadwerk.web.i18n import N_

LEAD_FIELDS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "company": N_("Company"),
    "job_title": N_("Job title"),
    "country": N_("Country"),
    "language": N_("Language"),
    "name": N_("Name"),
    "fit_score": N_("Fit score"),
    "engagement_score": N_("Engagement score"),
    "score": N_("Score"),
    "account_id": N_("Account"),
    "stage": N_("Stage"),
    "temperature": N_("Temperature"),
    "owner_id": N_("Owner"),
    "team_id": N_("Team"),
    "attributes": N_("Attributes"),
    "channel": N_("Channel"),
    "source": N_("Source"),
    "utm_source": N_("UTM source"),
    "utm_medium": N_("UTM medium"),
    "utm_campaign": N_("UTM campaign"),
    "utm_term": N_("UTM term"),
    "utm_content": N_("UTM content"),
    "created_from": N_("Created from"),
    "created_to": N_("Created before"),
    "q": N_("Search"),
    "unowned": N_("Unowned only"),
    "cursor": N_("Page"),
    "limit": N_("Page size"),
}

TOUCHPOINT_TYPES = {
    TouchpointType.API: N_("Received through the API"),
    TouchpointType.FORM_SUBMISSION: N_("Form submitted"),
    TouchpointType.PAGE_VIEW: N_("Page viewed"),
    TouchpointType.EMAIL_OPEN: N_("Email opened"),
    TouchpointType.EMAIL_CLICK: N_("Email link clicked"),
    TouchpointType.WEBINAR: N_("Webinar"),
    TouchpointType.DOWNLOAD: N_("Download"),
    TouchpointType.EVENT: N_("Event"),
    TouchpointType.CALL: N_("Call"),
    TouchpointType.MEETING: N_("Meeting"),
    TouchpointType.IMPORT: N_("Imported"),
    TouchpointType.AD_LEAD_FORM: N_("Ad lead form"),
    TouchpointType.CART_ABANDONED: N_("Cart abandoned"),
}

AUDIT_ACTIONS = {
    "lead.created": N_("Lead created"),
    "lead.updated": N_("Lead changed"),
    "lead.merged": N_("Another lead was merged into this one"),
    "lead.merged_into": N_("Merged into another lead"),
    "lead.unmerged": N_("Merge undone"),
    "lead.not_duplicate": N_("Marked as not a duplicate"),
}

# The levels of `identity.comparisons` (each comparison's `labels`), as a person reads them.
MATCH_LEVELS = {
    "missing": N_("one side is empty"),
    "exact": N_("the same"),
    "same name (short form)": N_("the same name (a short form)"),
    "same sound": N_("sounds the same"),
    "very similar": N_("very similar"),
    "similar": N_("similar"),
    "same words, other order": N_("the same words in another order"),
    "same number, other prefix": N_("the same number with another prefix"),
    "one typo": N_("one typo apart"),
    "two typos": N_("two typos apart"),
    "same number": N_("the same number"),
    "day and month swapped": N_("day and month swapped"),
    "same year": N_("the same year"),
    "different": N_("different"),
}


def touchpoint_type(value: str) -> str:
    try:
        return TOUCHPOINT_TYPES[TouchpointType(value)]
    except (ValueError, KeyError):
        return value


def audit_action(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


def lead_field(name: str) -> str:
    return LEAD_FIELDS.get(name, name)


def match_level(level: str) -> str:
    return MATCH_LEVELS.get(level, level)


EVENT_TYPES = {
    "*": N_("All events"),
    "lead.*": N_("All lead events"),
    "lead.created": N_("A lead was created"),
    "lead.updated": N_("A lead was changed"),
    "lead.merged": N_("Two leads were merged"),
    "lead.unmerged": N_("A merge was undone"),
}


def event_type(value: str) -> str:
    return EVENT_TYPES.get(value, value)
