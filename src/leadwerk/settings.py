"""One typed settings object, built at start from env `LEADWERK_*` (and CLI flags) and passed in.

Nothing here runs at import: `Settings()` is called by the CLI or by tests, never by a module.
Every field carries a description; `docs/configuration.md` is checked against them by a test.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the placeholder we refuse outside dev mode


class Environment(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADWERK_", extra="ignore", frozen=True)

    environment: Environment = Field(
        Environment.PRODUCTION,
        description="`dev` allows placeholder secrets; `production` refuses them.",
    )
    database_url: str = Field(
        "sqlite:///leadwerk.db",
        description="SQLAlchemy URL: `sqlite:///path.db` (embedded default) or "
        "`postgresql+psycopg://user@host/db` (production). `postgresql://` means psycopg 3 too.",
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET,
        description="Signs CSRF tokens and other server-side tokens. At least 32 characters "
        "outside dev mode.",
    )
    base_url: str | None = Field(
        None,
        description="The public URL of this instance, used in links; `https://` makes "
        "cookies Secure. Default: http://HOST:PORT.",
    )
    host: str = Field("127.0.0.1", description="Address `leadwerk serve` listens on.")
    port: int = Field(8000, description="Port `leadwerk serve` listens on.")
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING, ERROR.")
    log_format: LogFormat = Field(
        LogFormat.JSON, description="`json` (one object per line) or `console` (readable)."
    )
    max_body_bytes: int = Field(
        1_048_576, description="Largest request body accepted, in bytes; larger ones get 413."
    )
    session_max_age_seconds: int = Field(
        8 * 3600, description="How long a UI login lasts without activity."
    )
    api_key_cache_seconds: float = Field(
        5.0,
        description="How long a process remembers a verified API key; a revoked key stops "
        "working everywhere within this time. 0 turns the cache off.",
    )
    worker_poll_seconds: float = Field(
        1.0, description="How often an idle worker looks for due outbox messages."
    )
    worker_batch_size: int = Field(50, description="Outbox messages one worker claims at a time.")
    worker_lease_seconds: int = Field(
        60,
        description="How long a claimed message stays reserved for its worker; after that a "
        "crashed worker's messages are claimed again.",
    )
    outbox_max_attempts: int = Field(
        12, description="Delivery attempts before a message goes to the dead-letter state."
    )
    outbox_backoff_base_seconds: float = Field(
        30.0, description="Delay after the first failed attempt; doubles after each further one."
    )
    outbox_backoff_max_seconds: float = Field(
        6 * 3600.0, description="Longest delay between two attempts."
    )
    webhook_timeout_seconds: float = Field(
        10.0, description="Timeout for one outbound webhook request."
    )
    static_vendor_dir: Path | None = Field(
        None,
        description="Folder holding front-end packages installed from npm "
        "(`node_modules`); found next to the project by default.",
    )
    default_language: str = Field(
        "en", description="UI language when neither the user nor the browser chooses one."
    )

    # --- quality (Lead quality) ---
    email_mx_check: bool = Field(
        False,
        description="Look up each new address's mail domain in DNS (MX, else A/AAAA) and flag "
        "leads whose domain accepts no mail. Off by default: it needs outbound DNS and adds "
        "the lookup's time to an intake.",
    )
    email_mx_timeout_seconds: float = Field(
        2.0, description="Longest wait for one MX lookup; an unanswered lookup flags nothing."
    )

    # --- forms (Forms and spam defence) ---
    # spam defence (capture/spam, docs/spam.md)
    form_min_fill_seconds: float = Field(
        3.0,
        ge=0,
        description="A form sent sooner than this after it was shown is treated as a bot's. "
        "0 turns the check off.",
    )
    form_max_fill_seconds: float = Field(
        86_400.0,
        ge=0,
        description="A form sent later than this after it was shown is shown again with the "
        "visitor's entries, to be sent once more (not counted as spam). 0 turns it off.",
    )
    form_ip_limit: int = Field(
        10,
        ge=0,
        description="Form submissions one IP address (one /64 for IPv6) may send per "
        "`form_ip_window_seconds`, across all forms. 0 turns the limit off.",
    )
    form_ip_window_seconds: int = Field(
        600, gt=0, description="The window of `form_ip_limit`, in seconds."
    )
    form_limit: int = Field(
        300,
        ge=0,
        description="Submissions one form accepts per `form_window_seconds` from all visitors "
        "together. 0 turns the limit off.",
    )
    form_window_seconds: int = Field(
        60, gt=0, description="The window of `form_limit`, in seconds."
    )
    form_reject_disposable: bool = Field(
        True, description="Refuse form submissions from throwaway email addresses."
    )
    challenge_verify_url: str | None = Field(
        None,
        description="Siteverify URL of a challenge provider (Cloudflare Turnstile, hCaptcha, "
        "reCAPTCHA); forms then require a passed challenge. Unset: no challenge.",
    )
    challenge_secret: str | None = Field(
        None, description="The secret key of the challenge provider (server side only)."
    )
    challenge_site_key: str | None = Field(
        None, description="The public site key of the challenge provider, embedded in form pages."
    )

    # --- imports (Imports and export) ---
    import_max_upload_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1024,
        description="Largest file the import wizard accepts for upload, in bytes.",
    )
    import_batch_size: int = Field(
        5000, ge=100, le=50_000, description="Rows an import writes per batch (one transaction)."
    )
    identity_review_threshold: float = Field(
        0.8,
        gt=0.0,
        le=1.0,
        description="Match probability from which the duplicate search, and intake, offer a "
        "pair of leads for review; intake uses it from the next duplicate search.",
    )
    identity_merge_threshold: float = Field(
        0.99,
        gt=0.0,
        le=1.0,
        description="Match probability from which two leads are merged without asking: an "
        "intake into the lead it matches, a pair the duplicate search finds; intake uses it "
        "from the next duplicate search.",
    )
    identity_source_priority: list[str] = Field(
        default_factory=list,
        description="Lead sources whose values win a merge, first the strongest, as a JSON "
        'list, e.g. `["crm", "form", "import"]`; a source matches exactly or by the part '
        "before `:` (`form` covers `form:messe`). Empty: the more recent verified value wins. "
        "Intake uses it from the next duplicate search.",
    )
    import_workers: int = Field(
        2,
        ge=1,
        le=32,
        description="Processes that normalise the rows of a large import (a file over 2 MiB) "
        "while the importing process writes the batches before; 1 runs everything in the "
        "importing process.",
    )

    # --- hooks (Inbound hooks (Google Ads, Meta, generic)) ---
    hooks_max_body_bytes: int = Field(
        262_144,
        description="Largest body an inbound hook (/hooks/...) accepts, in bytes; larger ones "
        "get 413 and are not stored. At most `max_body_bytes` takes effect.",
    )
    hooks_signature_tolerance_seconds: int = Field(
        300,
        description="How far the timestamp of a generic hook's Leadwerk-Signature may be from "
        "our clock (replay protection).",
    )
    hooks_meta_graph_version: str = Field(
        "v21.0", description="Meta Graph API version used to fetch Lead Ads leads."
    )
    hooks_meta_graph_timeout_seconds: float = Field(
        10.0, description="Timeout for one Graph API request fetching a Meta lead."
    )

    # --- consent (Consent) ---
    consent_confirm_hours: int = Field(
        72,
        ge=1,
        le=24 * 30,
        description="How long the link of a double opt-in email can be followed; the request "
        "expires after that and the person must sign up again.",
    )
    consent_reminder_hours: int = Field(
        24,
        ge=1,
        description="After how many hours an unconfirmed double opt-in gets its one reminder "
        "(only if that is before it expires).",
    )

    privacy_controller: str = Field(
        "",
        description="The controller named in the records of processing (Art. 30 GDPR): name, "
        "address and contact of the company, e.g. `Muster GmbH, Hauptstr. 1, 10115 Berlin, "
        "datenschutz@muster.de`.",
    )
    privacy_dpo: str = Field(
        "", description="The data protection officer's name and contact, for the same records."
    )
    privacy_processors: list[dict[str, str]] = Field(
        default_factory=list,
        description="Processors that receive personal data, as a JSON list of objects with "
        '`name`, `service` and `country`, e.g. `[{"name": "Mailhost AG", "service": "email '
        'delivery", "country": "DE"}]`.',
    )
    retention_unconfirmed_days: int = Field(
        30,
        ge=0,
        description="Days after a double opt-in expired unconfirmed until the person is erased, "
        "if Leadwerk holds nothing else about them (no consent in force, nobody owns the lead, "
        "no other touchpoint). 0 keeps them.",
    )
    retention_inactive_lead_days: int = Field(
        0,
        ge=0,
        description="Days without any activity after which a lead with no consent in force, no "
        "owner and no stage past lead is erased. 0 (the default) keeps leads.",
    )
    retention_touchpoint_days: int = Field(
        0, ge=0, description="Days a touchpoint is kept (its lead stays). 0 keeps them."
    )
    retention_tracking_days: int = Field(
        395,
        ge=0,
        description="Days tracking events (page views, custom events) are kept; visitors left "
        "without events and without a lead go with them. 0 keeps them.",
    )
    retention_log_days: int = Field(
        90,
        ge=0,
        description="Days the delivery log, delivered and dropped outbox messages, stored API "
        "answers (Idempotency-Key) and rejected form submissions are kept. 0 keeps them.",
    )

    # --- mail (Email) ---
    smtp_url: str = Field(
        "file://var/mail",
        description="Where email goes: `smtp://user:password@host:587` (STARTTLS, required "
        "unless `?starttls=false`), `smtps://user:password@host:465` (TLS), or `file://FOLDER` "
        "(each message written as an .eml file, shown in the UI under Deliveries; the default, "
        "for local use). Passwords with special characters are URL-encoded.",
    )
    mail_from: str = Field(
        "Leadwerk <leadwerk@localhost>",
        description="The From address of every email Leadwerk sends.",
    )
    smtp_timeout_seconds: float = Field(
        20.0, gt=0, description="Timeout of one SMTP connection and each of its steps."
    )

    # --- tracking (Site tracking) ---
    tracking_allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins of the sites allowed to send tracking events, as a JSON list, "
        'e.g. `["https://www.example.com", "https://shop.example.com"]`. Empty: none.',
    )
    tracking_flush_seconds: float = Field(
        0.05,
        ge=0,
        description="Longest time an accepted tracking event waits for its batch to be "
        "written (the request is answered after the commit).",
    )
    tracking_batch_size: int = Field(
        500, ge=1, description="Tracking events written in one transaction at most."
    )
    tracking_writer_threads: int = Field(
        1,
        ge=1,
        le=8,
        description="Writer threads per process; a second one prepares a batch while the "
        "first waits on the database.",
    )
    tracking_max_events_per_request: int = Field(
        100, ge=1, description="Events one tracking request may carry."
    )
    tracking_clock_skew_seconds: int = Field(
        600,
        ge=0,
        description="Event times sent by a browser are clamped to between now minus this and now.",
    )

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_scheme(cls, value: str) -> str:
        if not value.startswith(("smtp://", "smtps://", "file:")):
            raise ValueError(
                "use smtp://user:password@host:587, smtps://user:password@host:465 or file://FOLDER"
            )
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment is Environment.DEV:
            return self
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
            raise ValueError(
                "LEADWERK_SECRET_KEY is a placeholder or shorter than 32 characters; set a long "
                "random value (for example `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`) or run in dev mode with "
                "LEADWERK_ENVIRONMENT=dev"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def public_url(self) -> str:
        """Where people reach this instance: `base_url`, or the address `serve` listens on."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")
