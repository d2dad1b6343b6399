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


class EmailStatus(StrEnum):
    """What intake found out about an address (the worst finding wins)."""

    VALID = "valid"
    ROLE = "role"  # a shared mailbox such as info@ or vertrieb@, not a person
    DISPOSABLE = "disposable"  # a throwaway provider
    NO_MX = "no_mx"  # the domain accepts no mail (only when the MX check is on)

    @property
    def label(self) -> str:
        return _EMAIL_STATUS_LABELS[self]


_EMAIL_STATUS_LABELS = {
    EmailStatus.VALID: "Valid address",
    EmailStatus.ROLE: "Role address",
    EmailStatus.DISPOSABLE: "Disposable address",
    EmailStatus.NO_MX: "Domain accepts no mail",
}


class PhoneStatus(StrEnum):
    """The kind of line a valid number belongs to."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    VOIP = "voip"
    TOLL_FREE = "toll_free"
    OTHER = "other"  # valid, but shared-cost, pager, unknown kind, ...
    UNVERIFIED = "unverified"  # possible by length, not a valid number for its region

    @property
    def label(self) -> str:
        return _PHONE_STATUS_LABELS[self]


_PHONE_STATUS_LABELS = {
    PhoneStatus.MOBILE: "Mobile",
    PhoneStatus.LANDLINE: "Landline",
    PhoneStatus.VOIP: "VoIP",
    PhoneStatus.TOLL_FREE: "Toll-free",
    PhoneStatus.OTHER: "Other line",
    PhoneStatus.UNVERIFIED: "Unverified number",
}


class Seniority(StrEnum):
    """Seniority derived from the job title."""

    EXECUTIVE = "executive"
    VP = "vp"
    DIRECTOR = "director"
    MANAGER = "manager"
    SENIOR = "senior"
    STAFF = "staff"
    ENTRY = "entry"

    @property
    def label(self) -> str:
        return _SENIORITY_LABELS[self]


_SENIORITY_LABELS = {
    Seniority.EXECUTIVE: "Executive",
    Seniority.VP: "Vice president",
    Seniority.DIRECTOR: "Director / head of",
    Seniority.MANAGER: "Manager / team lead",
    Seniority.SENIOR: "Senior specialist",
    Seniority.STAFF: "Specialist",
    Seniority.ENTRY: "Entry level",
}


class JobFunction(StrEnum):
    """The business function derived from the job title."""

    MANAGEMENT = "management"
    MARKETING = "marketing"
    SALES = "sales"
    IT = "it"
    ENGINEERING = "engineering"
    PRODUCT = "product"
    FINANCE = "finance"
    HR = "hr"
    OPERATIONS = "operations"
    PURCHASING = "purchasing"
    LEGAL = "legal"
    CUSTOMER_SERVICE = "customer_service"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _JOB_FUNCTION_LABELS[self]


_JOB_FUNCTION_LABELS = {
    JobFunction.MANAGEMENT: "Management",
    JobFunction.MARKETING: "Marketing",
    JobFunction.SALES: "Sales",
    JobFunction.IT: "IT",
    JobFunction.ENGINEERING: "Engineering / R&D",
    JobFunction.PRODUCT: "Product",
    JobFunction.FINANCE: "Finance",
    JobFunction.HR: "Human resources",
    JobFunction.OPERATIONS: "Operations / logistics",
    JobFunction.PURCHASING: "Purchasing",
    JobFunction.LEGAL: "Legal / compliance",
    JobFunction.CUSTOMER_SERVICE: "Customer service",
    JobFunction.OTHER: "Other function",
}
