"""/api/v1/app/{app_id}/endpoint: where an application's messages are delivered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from hookline import signing
from hookline.api import serialize
from hookline.api.endpoint_input import checked_url, endpoint_secret, tls_setting
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EndpointSecretOut,
    EndpointSecretRotateIn,
    EndpointUpdate,
    ListResponse,
)
from hookline.api.openapi import created
from hookline.api.responses import NO_STORE, OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    Db,
    EndpointIterator,
    Limit,
    Order,
    PathKey,
)
from hookline.store import Database, NotFound
from hookline.store.endpoint_secrets import DEFAULT_GRACE_MS
from hookline.store.rows import EndpointRow

router = APIRouter(
    prefix="/api/v1/app/{app_id}/endpoint", tags=["Endpoint"], route_class=JsonBodyRoute
)


async def _fields(body: Any, request: Request) -> dict[str, Any]:
    fields: dict[str, Any] = body.model_dump(
        exclude_unset=True, exclude={"secret", "version", "signature_scheme"}
    )
    if fields.get("url") is not None:
        fields["url"] = await checked_url(request.app.state.settings, fields["url"])
    if "tls" in fields:
        fields["tls"] = tls_setting(fields["tls"])
    return fields


@router.get("", response_model=ListResponse[EndpointOut])
async def list_endpoints(
    app_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: EndpointIterator = None,
    order: Order = None,
) -> OrjsonResponse:
    page = await db.endpoints.list(app_id, limit, iterator, descending=order == "descending")
    return OrjsonResponse(serialize.page(page, serialize.endpoint))


@router.post("", response_model=EndpointOut, status_code=201)
async def create_endpoint(
    app_id: PathKey, body: EndpointIn, request: Request, db: Db
) -> OrjsonResponse:
    secret = endpoint_secret(body.secret, body.signature_scheme)
    row = await db.endpoints.create(app_id, await _fields(body, request), secret)
    return OrjsonResponse(serialize.endpoint(row), status_code=201)


@router.get("/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(app_id: PathKey, endpoint_id: PathKey, db: Db) -> OrjsonResponse:
    return OrjsonResponse(serialize.endpoint(await db.endpoints.get(app_id, endpoint_id)))


@router.put("/{endpoint_id}", response_model=EndpointOut, responses=created(EndpointOut))
async def update_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointUpdate, request: Request, db: Db
) -> OrjsonResponse:
    fields = await _fields(body, request)
    was_disabled = await _disabled_now(db, app_id, endpoint_id)
    row, created = await db.endpoints.upsert(app_id, endpoint_id, fields, signing.generate_secret())
    await _announce_switch(request, was_disabled, row)
    return OrjsonResponse(serialize.endpoint(row), status_code=201 if created else 200)


@router.patch("/{endpoint_id}", response_model=EndpointOut)
async def patch_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointPatch, request: Request, db: Db
) -> OrjsonResponse:
    changes = await _fields(body, request)
    for key in ("disabled", "description", "metadata", "headers"):
        if key in changes and changes[key] is None:
            changes[key] = {"disabled": False, "description": ""}.get(key, {})
    was_disabled = await _disabled_now(db, app_id, endpoint_id) if "disabled" in changes else None
    row = await db.endpoints.update(app_id, endpoint_id, changes)
    await _announce_switch(request, was_disabled, row)
    return OrjsonResponse(serialize.endpoint(row))


async def _disabled_now(db: Database, app_id: str, endpoint_id: str) -> bool | None:
    try:
        return (await db.endpoints.get(app_id, endpoint_id)).disabled
    except NotFound:
        return None


async def _announce_switch(request: Request, was_disabled: bool | None, row: EndpointRow) -> None:
    """Tell the operator (operational webhooks) when a user turns an endpoint on or off."""
    if was_disabled is None or was_disabled == row.disabled:
        return
    kind = "endpoint.disabled" if row.disabled else "endpoint.enabled"
    data = {
        "appId": row.app_id,
        "endpointId": row.id,
        "endpointUid": row.uid,
        "trigger": "manual",
    }
    await request.app.state.operational.emit(kind, data)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(app_id: PathKey, endpoint_id: PathKey, db: Db) -> Response:
    await db.endpoints.delete(app_id, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/secret", response_model=EndpointSecretOut)
async def get_endpoint_secret(app_id: PathKey, endpoint_id: PathKey, db: Db) -> OrjsonResponse:
    """The signing secret (`whsec_…`), or for Ed25519 endpoints the public key (`whpk_…`)
    that receivers verify with; the private key never leaves Hookline."""
    secret = await db.endpoints.secret(app_id, endpoint_id)
    return OrjsonResponse({"key": signing.public_secret(secret)}, headers=NO_STORE)


@router.post("/{endpoint_id}/secret/rotate", response_model=EndpointSecretOut)
async def rotate_endpoint_secret(
    app_id: PathKey,
    endpoint_id: PathKey,
    db: Db,
    body: Annotated[EndpointSecretRotateIn | None, Body()] = None,
) -> OrjsonResponse:
    """Replace the signing secret. The previous one keeps signing beside it (two signatures
    in one header, the new one first) for `gracePeriodSeconds` (default 24 hours); at most
    five previous secrets sign at once. Answers the new secret (the public key for Ed25519)."""
    body = body or EndpointSecretRotateIn()
    if body.key is not None:
        new_secret = endpoint_secret(body.key)
    else:
        current = await db.endpoints.secret(app_id, endpoint_id)
        scheme = "ed25519" if signing.is_asymmetric(current) else "hmac-sha256"
        new_secret = endpoint_secret(None, scheme)
    grace = DEFAULT_GRACE_MS
    if body.grace_period_seconds is not None:
        grace = body.grace_period_seconds * 1000
    await db.endpoints.rotate_secret(app_id, endpoint_id, new_secret, grace)
    return OrjsonResponse({"key": signing.public_secret(new_secret)}, headers=NO_STORE)
