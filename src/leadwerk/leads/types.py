"""Enums of the lead core (stored as `.value`) and the read models the edges render."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    DISQUALIFIED = "disqualified"
    RECYCLED = "recycled"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]


_STAGE_LABELS = {
    Stage.SUBSCRIBER: "Subscriber",
    Stage.LEAD: "Lead",
    Stage.MQL: "Marketing qualified (MQL)",
    Stage.SQL: "Sales qualified (SQL)",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.CUSTOMER: "Customer",
    Stage.DISQUALIFIED: "Disqualified",
    Stage.RECYCLED: "Recycled",
}


class Temperature(StrEnum):
    COLD = "cold"
    WARM = "warm"
    HOT = "hot"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Channel(StrEnum):
    """The default channel grouping (DESIGN.md §6)."""

    ORGANIC_SEARCH = "organic_search"
    PAID_SEARCH = "paid_search"
    PAID_SOCIAL = "paid_social"
    ORGANIC_SOCIAL = "organic_social"
    EMAIL = "email"
    REFERRAL = "referral"
    AFFILIATE = "affiliate"
    DISPLAY = "display"
    DIRECT = "direct"
    OFFLINE = "offline"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.ORGANIC_SEARCH: "Organic Search",
    Channel.PAID_SEARCH: "Paid Search",
    Channel.PAID_SOCIAL: "Paid Social",
    Channel.ORGANIC_SOCIAL: "Organic Social",
    Channel.EMAIL: "Email",
    Channel.REFERRAL: "Referral",
    Channel.AFFILIATE: "Affiliate/Partner",
    Channel.DISPLAY: "Display",
    Channel.DIRECT: "Direct",
    Channel.OFFLINE: "Offline/Event",
    Channel.OTHER: "Other",
}


class TouchpointType(StrEnum):
    API = "api"
    FORM_SUBMISSION = "form_submission"
    PAGE_VIEW = "page_view"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    WEBINAR = "webinar"
    DOWNLOAD = "download"
    EVENT = "event"
    CALL = "call"
    MEETING = "meeting"
    IMPORT = "import"
    AD_LEAD_FORM = "ad_lead_form"
    CART_ABANDONED = "cart_abandoned"
