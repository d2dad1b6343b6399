"""The records of processing activities (Art. 30 GDPR), generated from what is configured: the
consent purposes and their texts, the data Leadwerk keeps and for how long, who receives it
(processors, webhook receivers, the mail server) and the measures that protect it. A report to
review and complete, not a substitute for it: the controller signs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import service
from leadwerk.consent.retention import RetentionPolicy
from leadwerk.delivery.models import WebhookEndpoint
from leadwerk.storage.base import utcnow

# EU and EEA: a processor elsewhere is a transfer to a third country (Art. 44 ff.).
EEA = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
        *("IS", "LI", "NO"),
    }
)
DATA_CLASSES = (
    ("contact", "Name, email address, phone number, company, job title, country, language"),
    ("consent evidence", "Purpose, exact text version, time, IP address, user agent, method"),
    ("interactions", "Touchpoints (forms, imports, ad-platform leads), stage history, UTM data"),
    ("tracking", "Page views and events of a visitor who consented to tracking (pseudonymous id)"),
    ("qualification", "Scores, grade, temperature, lifecycle stage, owner"),
    ("technical logs", "Delivery log of webhooks and email, stored API answers"),
)
MEASURES = (
    "Consent ledger with a SHA-256 hash chain; `leadwerk consent verify` detects changes",
    "Double opt-in with signed, expiring, single-use links; withdrawal takes effect at once",
    "API keys and passwords stored only as hashes (argon2 for passwords)",
    "Roles and scopes; sales reps see only their own and their team's leads",
    "Email sent through SMTP with STARTTLS or TLS; webhooks signed with HMAC-SHA256",
    "Erasure removes the person from every table; on SQLite freed space is overwritten",
    "Suppression list kept only as keyed hashes (HMAC-SHA256)",
    "Audit log of changes, merges, erasures and data subject requests",
)


@dataclass(frozen=True, slots=True)
class RecordsInput:
    controller: str
    dpo: str
    processors: list[dict[str, str]]
    retention: RetentionPolicy
    confirm_hours: int
    mail_host: str | None


def build(session: Session, given: RecordsInput) -> dict[str, Any]:
    purposes = []
    for purpose in service.list_purposes(session):
        texts: dict[str, str] = {}
        for text in service.texts_of(session, purpose):
            texts.setdefault(text.language, f"version {text.version}: {text.text}")
        purposes.append(
            {
                "name": purpose.name,
                "label": purpose.label_en,
                "lawful_basis": "consent (Art. 6(1)(a) GDPR)",
                "double_opt_in": purpose.double_opt_in,
                "current_texts": texts,
            }
        )
    webhooks = sorted(
        {urlsplit(url).hostname or url for url in session.scalars(select(WebhookEndpoint.url))}
    )
    recipients = [
        {**p, "third_country": p.get("country", "").upper() not in EEA} for p in given.processors
    ]
    r = given.retention
    return {
        "generated_at": utcnow().isoformat(),
        "controller": given.controller or "(set LEADWERK_PRIVACY_CONTROLLER)",
        "data_protection_officer": given.dpo or "(set LEADWERK_PRIVACY_DPO)",
        "purposes": [
            {
                "name": "lead_management",
                "label": "Handling enquiries and sales leads",
                "lawful_basis": "pre-contractual steps or legitimate interest "
                "(Art. 6(1)(b), (f) GDPR), as recorded per import",
                "double_opt_in": False,
                "current_texts": {},
            },
            *purposes,
        ],
        "data_subjects": ["prospects and customers (leads)", "website visitors", "staff (users)"],
        "data_classes": [{"class": name, "data": what} for name, what in DATA_CLASSES],
        "recipients": {
            "processors": recipients,
            "webhook_receivers": webhooks,
            "mail_server": given.mail_host or "none (email written to files)",
        },
        "third_country_transfers": [p["name"] for p in recipients if p["third_country"]],
        "retention": {
            "unconfirmed double opt-ins": f"{given.confirm_hours} hours to confirm; then erased "
            + (f"after {r.unconfirmed_days} days" if r.unconfirmed_days else "never (kept)"),
            "inactive leads": f"erased after {r.inactive_lead_days} days"
            if r.inactive_lead_days
            else "kept until erased on request",
            "touchpoints": f"{r.touchpoint_days} days" if r.touchpoint_days else "with the lead",
            "tracking events": f"{r.tracking_days} days" if r.tracking_days else "kept",
            "technical logs": f"{r.log_days} days" if r.log_days else "kept",
            "consent ledger": "kept as evidence; personal details redacted on erasure",
        },
        "measures": list(MEASURES),
    }


def markdown(records: dict[str, Any]) -> str:
    lines = [
        "# Records of processing activities (Art. 30 GDPR)",
        "",
        f"Generated by Leadwerk on {records['generated_at'][:10]}. Review and complete it.",
        "",
        f"- **Controller:** {records['controller']}",
        f"- **Data protection officer:** {records['data_protection_officer']}",
        "",
        "## Purposes",
        "",
        "| purpose | lawful basis | double opt-in |",
        "|---|---|---|",
    ]
    for p in records["purposes"]:
        lines.append(f"| {p['label']} (`{p['name']}`) | {p['lawful_basis']} | "
                     f"{'yes' if p['double_opt_in'] else 'no'} |")  # fmt: skip
    lines += ["", "## Data subjects", ""] + [f"- {s}" for s in records["data_subjects"]]
    lines += ["", "## Categories of data", ""]
    lines += [f"- **{c['class']}:** {c['data']}" for c in records["data_classes"]]
    recipients = records["recipients"]
    lines += ["", "## Recipients", ""]
    for p in recipients["processors"]:
        third = " — third country" if p["third_country"] else ""
        lines.append(
            f"- {p.get('name', '?')}: {p.get('service', '')} ({p.get('country', '?')}){third}"
        )
    lines.append(f"- Webhook receivers: {', '.join(recipients['webhook_receivers']) or 'none'}")
    lines.append(f"- Mail server: {recipients['mail_server']}")
    transfers = records["third_country_transfers"]
    lines += [
        "",
        "## Transfers to third countries",
        "",
        ", ".join(transfers) if transfers else "None.",
    ]
    lines += ["", "## Retention", ""]
    lines += [f"- **{k}:** {v}" for k, v in records["retention"].items()]
    lines += ["", "## Technical and organisational measures", ""]
    lines += [f"- {m}" for m in records["measures"]]
    return "\n".join(lines) + "\n"
