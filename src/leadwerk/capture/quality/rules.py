"""Quality flags of a lead, from what intake normalised: role and disposable addresses, the
kind of phone line, and seniority and business function read from a German or English job
title. Pure functions; the optional MX lookup lives in `capture.quality.service`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from disposable_email_domains import blocklist

from leadwerk.capture import phones
from leadwerk.leads.rules import fold
from leadwerk.leads.types import EmailStatus, JobFunction, PhoneStatus, Seniority

# Local parts of shared mailboxes (compared folded, without a +tag and without separators).
ROLE_LOCAL_PARTS = frozenset(
    {
        "abuse",
        "accounting",
        "accounts",
        "admin",
        "administrator",
        "anfrage",
        "anfragen",
        "bestellung",
        "bewerbung",
        "billing",
        "buchhaltung",
        "büro",
        "buero",
        "career",
        "careers",
        "contact",
        "datenschutz",
        "einkauf",
        "empfang",
        "enquiries",
        "feedback",
        "hallo",
        "hello",
        "help",
        "hilfe",
        "hr",
        "info",
        "information",
        "inquiries",
        "it",
        "jobs",
        "karriere",
        "kontakt",
        "kundenservice",
        "legal",
        "mail",
        "marketing",
        "noreply",
        "office",
        "orders",
        "post",
        "postmaster",
        "presse",
        "press",
        "privacy",
        "purchasing",
        "rechnung",
        "rechnungen",
        "reception",
        "sales",
        "security",
        "service",
        "support",
        "team",
        "verkauf",
        "vertrieb",
        "verwaltung",
        "webmaster",
        "zentrale",
    }
)


def is_disposable_domain(domain: str | None) -> bool:
    """True for a throwaway provider from the `disposable-email-domains` list, subdomains too."""
    if not domain:
        return False
    return _disposable(domain.lower())


@lru_cache(maxsize=65_536)  # the few big providers and each company's domain, again and again
def _disposable(domain: str) -> bool:
    parts = domain.rstrip(".").split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))


_ROLE_SEPARATORS = str.maketrans("", "", ".-_")


def is_role_address(email: str | None) -> bool:
    if not email or "@" not in email:
        return False
    local = fold(email.rsplit("@", 1)[0]).split("+", 1)[0]
    return local.translate(_ROLE_SEPARATORS) in ROLE_LOCAL_PARTS


def email_status(email: str | None, *, has_mx: bool | None = None) -> EmailStatus | None:
    """The worst finding: disposable, then no MX (when it was checked), then role, else valid."""
    if not email:
        return None
    if is_disposable_domain(email.rsplit("@", 1)[1]):
        return EmailStatus.DISPOSABLE
    if has_mx is False:
        return EmailStatus.NO_MX
    if is_role_address(email):
        return EmailStatus.ROLE
    return EmailStatus.VALID


_LINE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: PhoneStatus.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE: PhoneStatus.LANDLINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneStatus.OTHER,
    phonenumbers.PhoneNumberType.VOIP: PhoneStatus.VOIP,
    phonenumbers.PhoneNumberType.TOLL_FREE: PhoneStatus.TOLL_FREE,
}


def phone_status(number: phonenumbers.PhoneNumber | None) -> PhoneStatus | None:
    """The line type of a parsed number; `unverified` when it is only possible by length."""
    if number is None:
        return None
    kind = phones.number_type(number)  # UNKNOWN is what is_valid_number refuses
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return PhoneStatus.UNVERIFIED
    return _LINE_TYPES.get(kind, PhoneStatus.OTHER)


# Title words, folded (ä → ae, ß → ss). A pattern is a whole word unless it ends in "*", which
# also matches it as the start of a German compound's part ("vertrieb*" in "Vertriebsleiter");
# a leading "*" matches it as the end of one ("*leiter" in "Abteilungsleiter").
# Checked in this order; the first level whose words appear wins, else `staff`.
_SENIORITY: tuple[tuple[Seniority, tuple[str, ...]], ...] = (
    (
        Seniority.ENTRY,
        (
            "junior",
            "jr",
            "trainee",
            "intern",
            "internship",
            "praktikant*",
            "werkstudent*",
            "auszubildende*",
            "azubi",
            "apprentice",
            "volontaer*",
            "student*",
            "graduate",
        ),
    ),
    # Assistants of the CEO are not executives.
    (Seniority.STAFF, ("assistant", "assistent*", "assistenz*", "sekretaer*", "secretary")),
    # Before executive: a vice president is not a president.
    (Seniority.VP, ("vp", "svp", "evp", "vice president", "vizepraesident*")),
    (
        Seniority.EXECUTIVE,
        (
            "ceo",
            "cto",
            "cfo",
            "coo",
            "cmo",
            "cio",
            "cro",
            "cso",
            "chief",
            "founder",
            "cofounder",
            "co-founder",
            "gruender*",
            "inhaber*",
            "geschaeftsfuehrer*",
            "geschaeftsfuehrung",
            "vorstand*",
            "president",
            "praesident*",
            "managing director",
            "general manager",
            "md",
            "managing partner",
            "prokurist*",
        ),
    ),
    # Before director: team and group leads are managers although their titles end in "leiter".
    (
        Seniority.MANAGER,
        (
            "manager",
            "managerin",
            "*manager",
            "*managerin",
            "teamleiter*",
            "teamleitung",
            "team lead",
            "teamlead",
            "gruppenleiter*",
            "supervisor",
            "koordinator*",
            "coordinator",
        ),
    ),
    (
        Seniority.DIRECTOR,
        (
            "director",
            "direktor*",
            "head",
            "*leiter",
            "*leiterin",
            "leitung",
            "bereichsleitung",
            "leiter",
            "leiterin",
        ),
    ),
    (
        Seniority.SENIOR,
        ("senior", "sr", "principal", "lead", "staff engineer", "expert", "experte", "expertin"),
    ),
)

_FUNCTION: tuple[tuple[JobFunction, tuple[str, ...]], ...] = (
    (
        JobFunction.MARKETING,
        (
            "marketing*",
            "cmo",
            "brand",
            "content",
            "seo",
            "sea",
            "growth",
            "kommunikation*",
            "communications",
            "pr",
            "werbung",
            "social media",
            "campaign*",
            "kampagne*",
            "demand generation",
            "*marketing",
        ),
    ),
    (
        JobFunction.SALES,
        (
            "sales",
            "vertrieb*",
            "verkauf*",
            "*vertrieb",
            "account executive",
            "account manager",
            "key account*",
            "business development",
            "bizdev",
            "aussendienst*",
            "innendienst*",
            "cro",
            "kundenberater*",
            "handelsvertreter*",
            "revenue",
            "channel",
            "partner manager",
        ),
    ),
    (
        JobFunction.CUSTOMER_SERVICE,
        (
            "customer success",
            "support",
            "kundenservice*",
            "kundendienst*",
            "customer service",
            "helpdesk",
            "service desk",
            "kundenbetreuung",
        ),
    ),
    (
        JobFunction.PRODUCT,
        ("product", "produktmanage*", "produktmanager*", "produkt*", "product owner", "cpo"),
    ),
    (
        JobFunction.IT,
        (
            "it",
            "cio",
            "informatik*",
            "system*",
            "sysadmin",
            "administrator",
            "devops",
            "infrastructure",
            "infrastruktur*",
            "netzwerk*",
            "network",
            "security",
            "datenbank*",
            "database",
            "edv",
            "cloud",
        ),
    ),
    (
        JobFunction.ENGINEERING,
        (
            "engineer",
            "engineering",
            "ingenieur*",
            "entwickler*",
            "*entwickler",
            "developer",
            "software",
            "cto",
            "r&d",
            "forschung*",
            "entwicklung*",
            "technik*",
            "konstrukt*",
            "architect",
            "architekt*",
            "programmer",
            "data scientist",
        ),
    ),
    (
        JobFunction.FINANCE,
        (
            "finance",
            "financial",
            "finanz*",
            "cfo",
            "controller*",
            "controlling",
            "buchhalt*",
            "accounting",
            "accountant",
            "treasury",
            "steuer*",
            "tax",
            "kaufmaennisch*",
        ),
    ),
    (
        JobFunction.HR,
        (
            "hr",
            "human resources",
            "personal*",
            "recruiting",
            "recruiter",
            "talent",
            "people",
            "personalwesen",
        ),
    ),
    (
        JobFunction.PURCHASING,
        (
            "einkauf*",
            "*einkauf",
            "purchasing",
            "procurement",
            "beschaffung*",
            "buyer",
            "einkaeufer*",
        ),
    ),
    (
        JobFunction.OPERATIONS,
        (
            "operations",
            "coo",
            "logistik*",
            "logistics",
            "supply chain",
            "produktion*",
            "production",
            "fertigung*",
            "lager*",
            "warehouse",
            "betrieb*",
            "qualitaet*",
            "quality",
        ),
    ),
    (
        JobFunction.LEGAL,
        (
            "legal",
            "recht*",
            "counsel",
            "jurist*",
            "compliance",
            "datenschutz*",
            "privacy",
            "syndikus*",
            "anwalt*",
            "lawyer",
        ),
    ),
)
# Words of leadership as such: the function only when the title names no other one.

_MANAGEMENT: tuple[str, ...] = (
    "ceo",
    "geschaeftsfuehrer*",
    "geschaeftsfuehrung",
    "managing director",
    "general manager",
    "inhaber*",
    "founder",
    "cofounder",
    "co-founder",
    "gruender*",
    "vorstand*",
    "president",
    "praesident*",
    "md",
    "prokurist*",
    "managing partner",
)


def _pattern(word: str) -> str:
    prefix = "*" if word.startswith("*") else ""
    suffix = "*" if word.endswith("*") else ""
    core = re.escape(word.strip("*"))
    start = r"" if prefix else r"(?<![a-z0-9])"
    end = r"[a-z]*" if suffix else r"(?![a-z0-9])"
    body = rf"[a-z]*{core}" if prefix else core
    return f"{start}{body}{end}"


@lru_cache(maxsize=64)
def _compiled(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_pattern(w) for w in words))


def _title_text(job_title: str) -> str:
    text = fold(job_title)
    text = re.sub(r"[/|,;()·•]+", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65_536)  # titles repeat; imports ask for the same ones again and again
def seniority(job_title: str | None) -> Seniority | None:
    """Seniority from a title: "Leiterin Vertrieb" → director, "Werkstudent Marketing" → entry."""
    if not job_title:
        return None
    text = _title_text(job_title)
    for level, words in _SENIORITY:
        if _compiled(words).search(text):
            return level
    return Seniority.STAFF


@lru_cache(maxsize=65_536)
def job_function(job_title: str | None) -> JobFunction | None:
    """The function a title names, the earliest mention first ("Head of Sales and Marketing" →
    sales); management only when no other function is named ("Geschäftsführer Vertrieb" →
    sales, "CEO" → management); a title naming none is `other`."""
    if not job_title:
        return None
    text = _title_text(job_title)
    best: tuple[int, JobFunction] | None = None
    for function, words in _FUNCTION:
        match = _compiled(words).search(text)
        if match is not None and (best is None or match.start() < best[0]):
            best = (match.start(), function)
    if best is not None:
        return best[1]
    if _compiled(_MANAGEMENT).search(text):
        return JobFunction.MANAGEMENT
    return JobFunction.OTHER
