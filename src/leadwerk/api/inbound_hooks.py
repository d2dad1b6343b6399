"""The public receiving ends of inbound hooks: /hooks/google-ads/{token}, /hooks/meta/{token}
(GET for Meta's handshake, POST for notifications) and /hooks/generic/{token}; and their
management under /api/v1/hooks (scope hooks:manage).

Each receiving end answers 200 once the payload is stored, also when turning it into a lead
fails (it waits in the dead-letter list); a wrong key or signature is a 401/403 problem and
nothing is stored.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.problems import problem
from leadwerk.api.schemas import Problem
from leadwerk.auth.types import Principal, Scope
from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundDelivery, InboundHook
from leadwerk.capture.hooks.ports import GraphApi, HttpxGraphApi
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind

router = APIRouter(prefix="/hooks", tags=["inbound hooks"])
admin_router = APIRouter(prefix="/api/v1/hooks", tags=["inbound hooks"])
HooksAdmin = Annotated[Principal, Depends(require(Scope.HOOKS_MANAGE))]
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 422)
}


class ReceiptOut(BaseModel):
    """What Leadwerk did with the request (the platform only needs the 200)."""

    stored: int
    duplicates: int
    processed: int
    failed: int


def graph_api(request: Request) -> GraphApi:
    """The Graph API client, built once per app; tests put a fake at `app.state.meta_graph`."""
    state = request.app.state
    if getattr(state, "meta_graph", None) is None:
        settings = state.container.settings
        state.meta_graph = HttpxGraphApi(
            version=settings.hooks_meta_graph_version,
            timeout=settings.hooks_meta_graph_timeout_seconds,
        )
    graph: GraphApi = state.meta_graph
    return graph


async def raw_body(request: Request) -> bytes:
    return await request.body()


GraphDep = Annotated[GraphApi, Depends(graph_api)]
BodyDep = Annotated[bytes, Depends(raw_body)]


def _receive(
    kind: HookKind, token: str, request: Request, body: bytes, c: ContainerDep, graph: GraphApi
) -> ReceiptOut | JSONResponse:
    limit = c.settings.hooks_max_body_bytes
    if len(body) > limit:
        return problem(
            413,
            "Body too large",
            f"The request body exceeds the limit of {limit} bytes.",
            instance=request.url.path,
        )
    receipt = receiving.receive(
        c.db,
        kind,
        token,
        body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
        now=int(time.time()),
        tolerance=c.settings.hooks_signature_tolerance_seconds,
        graph=graph,
        mx=c.mx_lookup,
    )
    return ReceiptOut(
        stored=receipt.stored,
        duplicates=receipt.duplicates,
        processed=receipt.processed,
        failed=receipt.failed,
    )


@router.post("/google-ads/{token}", response_model=ReceiptOut, responses=_ERRORS)
def google_ads(
    token: Token, request: Request, body: BodyDep, c: ContainerDep, graph: GraphDep
) -> ReceiptOut | JSONResponse:
    """A Google Ads lead form webhook; the body's `google_key` must be the hook's key."""
    return _receive(HookKind.GOOGLE_ADS, token, request, body, c, graph)


@router.get("/meta/{token}", response_class=PlainTextResponse, responses=_ERRORS)
def meta_verify(
    token: Token,
    c: ContainerDep,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=50)] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token", max_length=200)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=200)] = None,
) -> PlainTextResponse:
    """Meta's subscription handshake: echo `hub.challenge` when `hub.verify_token` matches."""
    answer = receiving.meta_handshake(
        c.db, token, mode=mode, verify_token=verify_token, challenge=challenge
    )
    return PlainTextResponse(answer)


@router.post("/meta/{token}", response_model=ReceiptOut, responses=_ERRORS)
def meta(
    token: Token, request: Request, body: BodyDep, c: ContainerDep, graph: GraphDep
) -> ReceiptOut | JSONResponse:
    """A Meta Lead Ads notification, signed with X-Hub-Signature-256 (the app secret)."""
    return _receive(HookKind.META, token, request, body, c, graph)


@router.post("/generic/{token}", response_model=ReceiptOut, responses=_ERRORS)
def generic(
    token: Token, request: Request, body: BodyDep, c: ContainerDep, graph: GraphDep
) -> ReceiptOut | JSONResponse:
    """JSON from an integration tool, signed like Leadwerk's own webhooks (Leadwerk-Signature)."""
    return _receive(HookKind.GENERIC, token, request, body, c, graph)


# --- /api/v1/hooks: management ------------------------------------------------------------------


class HookIn(BaseModel):
    """A hook to set up. The answer carries its secret (Google key, generic signing secret) or
    Meta verify token, once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "google_ads", "name": "Google Ads Q4"}]},
    )

    kind: HookKind
    name: str = Field(max_length=100)
    app_secret: str | None = Field(default=None, max_length=200, description="Meta only.")
    access_token: str | None = Field(
        default=None, max_length=1000, description="Meta only: the page access token."
    )
    field_mapping: dict[str, str] | None = Field(
        default=None, description="Generic only: Intake field → JSON path (`contact.email`)."
    )


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field_mapping: dict[str, str] = Field(description="Intake field → JSON path.")


class HookOut(BaseModel):
    id: int
    kind: HookKind
    name: str
    url: str
    active: bool
    field_mapping: dict[str, str]
    has_access_token: bool
    created_at: datetime
    created_by: str | None

    @classmethod
    def of(cls, hook: InboundHook, base_url: str) -> HookOut:
        return cls(
            id=hook.id,
            kind=hook.kind,
            name=hook.name,
            url=base_url + hooks.hook_path(hook),
            active=hook.is_active,
            field_mapping=hook.field_mapping,
            has_access_token=bool(hook.access_token),
            created_at=hook.created_at,
            created_by=hook.created_by,
        )


class HookWithSecretOut(HookOut):
    secret: str | None = Field(description="Google key or generic signing secret; null for Meta.")
    verify_token: str | None = Field(description="Meta only.")


class DeliveryOut(BaseModel):
    id: int
    hook_id: int
    external_id: str | None
    status: DeliveryStatus
    attempts: int
    error: str | None
    lead_id: int | None
    received_at: datetime
    processed_at: datetime | None
    payload: str

    @classmethod
    def of(cls, d: InboundDelivery) -> DeliveryOut:
        return cls(
            id=d.id,
            hook_id=d.hook_id,
            external_id=d.external_id,
            status=d.status,
            attempts=d.attempts,
            error=d.error,
            lead_id=d.lead_id,
            received_at=d.received_at,
            processed_at=d.processed_at,
            payload=d.body,
        )


class RetrySummaryOut(BaseModel):
    retried: int
    processed: int
    failed: int


def _base_url(request: Request, c: ContainerDep) -> str:
    return (c.settings.base_url or str(request.base_url)).rstrip("/")


def _with_secret(hook: InboundHook, base_url: str) -> HookWithSecretOut:
    shown = None if hook.kind is HookKind.META else hook.secret
    return HookWithSecretOut(
        **HookOut.of(hook, base_url).model_dump(), secret=shown, verify_token=hook.verify_token
    )


@admin_router.get("", response_model=list[HookOut], responses=_ERRORS)
def list_hooks(request: Request, c: ContainerDep, who: HooksAdmin) -> list[HookOut]:
    """Every hook, oldest first. Secrets are never listed."""
    with c.db.read() as session:
        return [HookOut.of(h, _base_url(request, c)) for h in hooks.list_hooks(session)]


@admin_router.post("", status_code=201, response_model=HookWithSecretOut, responses=_ERRORS)
def create_hook(
    body: HookIn, request: Request, response: Response, c: ContainerDep, who: HooksAdmin
) -> HookWithSecretOut:
    """Set up a hook; the answer shows its secret or verify token once."""
    with c.db.transaction() as session:
        hook = hooks.create_hook(
            session,
            kind=body.kind,
            name=body.name,
            app_secret=body.app_secret,
            access_token=body.access_token,
            field_mapping=body.field_mapping,
            actor=who.actor,
        )
        out = _with_secret(hook, _base_url(request, c))
    response.headers["Location"] = f"/api/v1/hooks/{out.id}"
    return out


@admin_router.get("/deliveries", response_model=list[DeliveryOut], responses=_ERRORS)
def list_deliveries(
    c: ContainerDep,
    who: HooksAdmin,
    status: DeliveryStatus | None = None,
    hook_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    dead_letters: bool = False,
) -> list[DeliveryOut]:
    """Deliveries, newest first. `dead_letters=true`: the dead-letter list (failed ones, and
    ones stored but left unprocessed for 10 minutes)."""
    with c.db.read() as session:
        rows = hooks.list_deliveries(
            session, status=status, hook_id=hook_id, limit=limit, dead_letters=dead_letters
        )
        return [DeliveryOut.of(d) for d, _h in rows]


@admin_router.post("/deliveries/retry-failed", response_model=RetrySummaryOut, responses=_ERRORS)
def retry_failed(
    c: ContainerDep,
    who: HooksAdmin,
    graph: GraphDep,
    hook_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> RetrySummaryOut:
    """Process every failed delivery (of one hook, with `hook_id`) again."""
    summary = receiving.retry_failed(c.db, graph, actor=who.actor, hook_id=hook_id, mx=c.mx_lookup)
    return RetrySummaryOut(
        retried=summary.retried, processed=summary.processed, failed=summary.failed
    )


@admin_router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut, responses=_ERRORS)
def retry_delivery(
    delivery_id: RowId, c: ContainerDep, who: HooksAdmin, graph: GraphDep
) -> DeliveryOut:
    """Process one failed delivery again; 409 when it was processed already."""
    return DeliveryOut.of(
        receiving.retry(c.db, delivery_id, graph, actor=who.actor, mx=c.mx_lookup)
    )


@admin_router.get("/{hook_id}", response_model=HookOut, responses=_ERRORS)
def get_hook(hook_id: RowId, request: Request, c: ContainerDep, who: HooksAdmin) -> HookOut:
    with c.db.read() as session:
        return HookOut.of(hooks.get_hook(session, hook_id), _base_url(request, c))


@admin_router.post("/{hook_id}/rotate-secret", response_model=HookWithSecretOut, responses=_ERRORS)
def rotate_secret(
    hook_id: RowId, request: Request, c: ContainerDep, who: HooksAdmin
) -> HookWithSecretOut:
    """A new key or signing secret (Meta: a new verify token); the old one stops working."""
    with c.db.transaction() as session:
        hook = hooks.rotate_secret(session, hook_id, actor=who.actor)
        return _with_secret(hook, _base_url(request, c))


@admin_router.put("/{hook_id}/mapping", response_model=HookOut, responses=_ERRORS)
def set_mapping(
    hook_id: RowId, body: MappingIn, request: Request, c: ContainerDep, who: HooksAdmin
) -> HookOut:
    """Replace a generic hook's field mapping (422 names each bad path)."""
    with c.db.transaction() as session:
        hook = hooks.set_mapping(session, hook_id, body.field_mapping, actor=who.actor)
        return HookOut.of(hook, _base_url(request, c))


@admin_router.delete("/{hook_id}", status_code=204, responses=_ERRORS)
def delete_hook(hook_id: RowId, c: ContainerDep, who: HooksAdmin) -> Response:
    """Delete a hook and its deliveries; its leads stay."""
    with c.db.transaction() as session:
        hooks.delete_hook(session, hook_id, actor=who.actor)
    return Response(status_code=204)
