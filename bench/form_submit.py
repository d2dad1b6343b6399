"""Benchmark: a form submission (`POST /f/{slug}`) against the bare API intake in the same run.

What it does, per database (SQLite file and/or a fresh PostgreSQL database):

1. creates a scratch database, migrates it, creates an API key, one webhook endpoint for
   `lead.*` (so every new lead also writes its outbox row, as in `bench/intake.py`) and a
   form with six fields and two consent purposes;
2. serves Leadwerk once (`leadwerk serve --no-worker` as uvicorn runs it, spam defence on:
   honeypot, signed fill time, disposable addresses and both rate limits, whose limits are set
   high enough not to reject the load);
3. drives, from this process, paced at the same offered rate and alternating which goes first:
   - "form": hosted-form posts (form-encoded, with a valid render token, consent ticked, UTM
     fields) — the spam screen, the intake pipeline, the submission row, the stats upsert and
     the thank-you page;
   - "api": the same people as JSON to `POST /api/v1/leads` (the baseline: the pipeline alone);
   latency counts from when each request was due (no coordinated omission);
4. prints one JSON object: latency figures of both, the p99 ratio form/api, the target
   (p99 ≤ 50 ms for the form) and how many submissions were stored as accepted.

    .venv/bin/python bench/form_submit.py --database both      # the documented figures
    .venv/bin/python bench/form_submit.py --quick              # SQLite smoke run (~10 s)

Benchmarks are not tests: the target is reported in the JSON, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from _common import (
    DEFAULT_POSTGRES_URL,
    progress,
    run_per_database,
    scratch_database,
    serve,
)
from intake import COMPANIES, FIRST_NAMES, LAST_NAMES, LoadResult, drive, run_load
from leadwerk import schema
from leadwerk.auth import service as auth
from leadwerk.auth.types import Principal, PrincipalKind, Role
from leadwerk.capture.forms import rules
from leadwerk.capture.forms import service as forms
from leadwerk.capture.forms.models import FormSubmission
from leadwerk.capture.forms.types import ConsentPurpose, FieldType, FormDefinition, FormField, Text
from leadwerk.delivery.models import WebhookEndpoint
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database, make_engine

SLUG = "bench-contact"
TARGET_P99_MS = 50.0
DOMAINS = ("example.de", "example.com", "beispiel.at", "muster.ch", "web.de")
UTMS = (("google", "cpc", "herbst"), ("linkedin", "paid_social", "cfo"), ("", "", ""))
DEFINITION = FormDefinition(
    title=Text("Contact us", "Kontakt"),
    fields=(
        FormField("email", FieldType.EMAIL, Text("Email", "E-Mail"), required=True),
        FormField("first_name", FieldType.TEXT, Text("First name", "Vorname"), required=True),
        FormField("last_name", FieldType.TEXT, Text("Last name", "Nachname")),
        FormField("company", FieldType.TEXT, Text("Company", "Firma")),
        FormField("country", FieldType.COUNTRY, Text("Country", "Land")),
        FormField("message", FieldType.TEXTAREA, Text("Message", "Nachricht")),
    ),
    purposes=(
        ConsentPurpose("privacy", Text("I read the privacy notice."), required=True),
        ConsentPurpose("newsletter", Text("Send me the newsletter.")),
    ),
)


def prepare(url: str) -> str:
    """Migrate; create the API key, the webhook endpoint and the form. The key's secret."""
    engine = make_engine(url, pool_size=2)
    try:
        schema.upgrade(engine)
        db = Database.from_engine(engine)
        admin = Principal(kind=PrincipalKind.USER, id=0, name="bench", role=Role.ADMIN)
        with db.transaction() as session:
            key = auth.create_api_key(
                session, name="bench", scopes=["leads:write", "leads:read"], actor="bench"
            )
            session.add(
                WebhookEndpoint(
                    url="http://127.0.0.1:9/bench-hook",
                    description="bench: never delivered (no worker runs)",
                    event_types=["lead.*"],
                    secret=secrets.token_hex(32),
                    is_active=True,
                    created_by="bench",
                )
            )
            forms.create_form(
                session, admin, name="Bench", slug=SLUG, is_active=True, definition=DEFINITION
            )
        return key.secret
    finally:
        engine.dispose()


def submission_counts(url: str) -> dict[str, int]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(FormSubmission.status, func.count()).group_by(FormSubmission.status)
            ).all()
        return {str(status): int(n) for status, n in rows}
    finally:
        engine.dispose()


def people(label: str, seed: int) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    i = 0
    while True:
        i += 1
        source, medium, campaign = rng.choice(UTMS)
        yield {
            "email": f"{label}.{i}.{rng.randrange(10**6)}@{rng.choice(DOMAINS)}",
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "company": rng.choice(COMPANIES),
            "country": rng.choice(("DE", "AT", "CH")),
            "utm_source": source,
            "utm_medium": medium,
            "utm_campaign": campaign,
        }


def form_bodies(label: str, seed: int, secret: str) -> Iterator[bytes]:
    """Form posts as the hosted page sends them; each signed as shown ten seconds earlier."""
    for person in people(label, seed):
        token = rules.render_token(secret, SLUG, utcnow() - timedelta(seconds=10))
        fields = [
            *person.items(),
            ("message", "Bitte rufen Sie mich an."),
            ("consent", "privacy"),
            ("consent", "newsletter"),
            ("lw_version", "1"),
            ("lw_token", token),
            ("lw_lang", "de"),
            ("lw_website", ""),
            ("lw_page_url", f"https://www.example.com/kontakt?utm_source={person['utm_source']}"),
        ]
        yield urlencode(fields).encode()


def api_bodies(label: str, seed: int) -> Iterator[bytes]:
    for person in people(label, seed):
        yield json.dumps({k: v for k, v in person.items() if v}).encode()


@dataclass(frozen=True)
class Options:
    rate: float
    seconds: float
    warmup: int
    clients: int
    server_workers: int
    postgres_url: str


def _clients(count: int, headers: dict[str, str]) -> list[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return [
        httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30.0), headers=headers)
        for _ in range(count)
    ]


async def _measure(
    url: str, headers: dict[str, str], warm: Iterator[bytes], bodies: Iterator[bytes], opts: Options
) -> LoadResult:
    clients = _clients(opts.clients, headers)
    try:
        warmed = await drive(url, warm, clients, max_requests=opts.warmup, seconds=None)
        if warmed.errors:
            raise RuntimeError(f"{url} failed during the warm-up: {warmed.error_samples}")
        total = max(1, int(opts.rate * opts.seconds))
        return await drive(url, bodies, clients, max_requests=total, seconds=None, rate=opts.rate)
    finally:
        for client in clients:
            await client.aclose()


def bench_database(kind: str, opts: Options) -> dict[str, Any]:
    secret_key = secrets.token_urlsafe(48)
    with scratch_database(kind, opts.postgres_url) as url:
        progress(f"{kind}: preparing the scratch database")
        api_secret = prepare(url)
        env = {
            "LEADWERK_DATABASE_URL": url,
            "LEADWERK_SECRET_KEY": secret_key,
            "LEADWERK_ENVIRONMENT": "production",
            "LEADWERK_LOG_LEVEL": "WARNING",
            "LEADWERK_LOG_FORMAT": "json",
            # Rate limits stay on (their upserts are part of the cost) but do not reject.
            "LEADWERK_FORM_IP_LIMIT": "100000000",
            "LEADWERK_FORM_LIMIT": "100000000",
        }
        results: dict[str, dict[str, Any]] = {}
        with serve(
            "leadwerk", "intake:create_leadwerk_app", env=env, workers=opts.server_workers
        ) as server:
            form_url = f"{server.base_url}/f/{SLUG}"
            api_url = f"{server.base_url}/api/v1/leads"
            form_headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "text/html",
            }
            api_headers = {
                "Authorization": f"Bearer {api_secret}",
                "Content-Type": "application/json",
            }
            order = ("form", "api") if kind == "sqlite" else ("api", "form")
            for name in order:
                if name == "form":
                    result = run_load(
                        _measure_list(
                            form_url,
                            form_headers,
                            form_bodies("fw", 1, secret_key),
                            form_bodies("f", 2, secret_key),
                            opts,
                        )
                    )
                else:
                    result = run_load(
                        _measure_list(
                            api_url, api_headers, api_bodies("aw", 3), api_bodies("a", 4), opts
                        )
                    )
                summary = result[0].summary()
                results[name] = summary
                progress(
                    f"{kind} {name} paced at {opts.rate} req/s: p50 {summary['p50_ms']} ms  "
                    f"p99 {summary['p99_ms']} ms  errors {summary['errors']}"
                )
                for sample in result[0].error_samples:
                    progress(f"  error: {sample}")
        counts = submission_counts(url)
    form_p99, api_p99 = results["form"]["p99_ms"], results["api"]["p99_ms"]
    return {
        "form": results["form"],
        "api_baseline": results["api"],
        "p99_ratio_form_to_api": round(form_p99 / api_p99, 3) if api_p99 else None,
        "submissions_stored": counts,
        "target": {"p99_ms_max": TARGET_P99_MS, "p99_met": form_p99 <= TARGET_P99_MS},
    }


async def _measure_list(
    url: str, headers: dict[str, str], warm: Iterator[bytes], bodies: Iterator[bytes], opts: Options
) -> list[LoadResult]:
    return [await _measure(url, headers, warm, bodies, opts)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Form submission latency (POST /f/{slug}) next to the bare API intake, "
        "paced at the same rate on the same server. JSON on stdout, progress on stderr."
    )
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--rate", type=float, default=50.0, help="offered load in requests/s")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each paced run")
    p.add_argument("--warmup", type=int, default=100, help="warm-up requests per run")
    p.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients")
    p.add_argument(
        "--server-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes (default: one per core)",
    )
    p.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="where to create the scratch database (env LEADWERK_BENCH_POSTGRES_URL)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="SQLite only, one server process, 2 s at 20 req/s: a smoke run for the test "
        "suite (not figures to quote)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.database, args.rate, args.seconds = "sqlite", 20.0, 2.0
        args.warmup, args.server_workers, args.clients = 10, 1, 4
    if args.rate <= 0 or args.seconds <= 0 or args.clients < 1 or args.server_workers < 1:
        p.error("--rate, --seconds, --clients and --server-workers must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    opts = Options(
        rate=args.rate,
        seconds=args.seconds,
        warmup=args.warmup,
        clients=args.clients,
        server_workers=args.server_workers,
        postgres_url=args.postgres_url,
    )
    results = run_per_database(
        "form_submit",
        "POST /f/{slug} (hosted form post) vs POST /api/v1/leads, same server, "
        "same database, same paced rate",
        argv,
        args.database,
        opts.postgres_url,
        lambda kind: bench_database(kind, opts),
        {
            "rate_rps": opts.rate,
            "seconds_per_run": opts.seconds,
            "warmup_requests_per_run": opts.warmup,
            "clients": opts.clients,
            "server_workers": opts.server_workers,
            "form_fields": len(DEFINITION.fields),
            "consent_purposes": len(DEFINITION.purposes),
            "spam_defence": "on (rate limits set high enough not to reject)",
            "webhook_endpoints": 1,
            "outbox_worker_running": False,
        },
    )
    errors = sum(r["form"]["errors"] + r["api_baseline"]["errors"] for r in results.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
