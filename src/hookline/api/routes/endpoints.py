"""/api/v1/app/{app_id}/endpoint: where an application's messages are delivered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    EndpointFields,
    EndpointHeadersIn,
    EndpointHeadersOut,
    EndpointHeadersPatchIn,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EndpointSecretOut,
    EndpointSecretRotateIn,
    EndpointUpdate,
    EventExampleIn,
    ListResponse,
    MessageOut,
)
from hookline.api.openapi import created
from hookline.api.responses import NO_STORE, OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    Db,
    EndpointIterator,
    Limit,
    Ops,
    Order,
    PathKey,
)
from hookline.operations import endpoints, messages
from hookline.operations.endpoints import EndpointInput
from hookline.types import EndpointTls

router = APIRouter(
    prefix="/api/v1/app/{app_id}/endpoint", tags=["Endpoint"], route_class=JsonBodyRoute
)


def _input(body: EndpointFields) -> EndpointInput:
    """The fields the body gives (`version` is accepted for older SDKs, and ignored)."""
    given = body.model_dump(exclude_unset=True, exclude={"secret", "version", "signature_scheme"})
    if given.get("tls") is not None:
        given["tls"] = EndpointTls(**given["tls"])
    return EndpointInput(**given)


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
async def create_endpoint(app_id: PathKey, body: EndpointIn, ops: Ops) -> OrjsonResponse:
    row = await endpoints.create_endpoint(
        ops, app_id, _input(body), body.secret, body.signature_scheme
    )
    return OrjsonResponse(serialize.endpoint(row), status_code=201)


@router.get("/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(app_id: PathKey, endpoint_id: PathKey, db: Db) -> OrjsonResponse:
    return OrjsonResponse(serialize.endpoint(await db.endpoints.get(app_id, endpoint_id)))


@router.put("/{endpoint_id}", response_model=EndpointOut, responses=created(EndpointOut))
async def update_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointUpdate, ops: Ops
) -> OrjsonResponse:
    row, created = await endpoints.replace_endpoint(ops, app_id, endpoint_id, _input(body))
    return OrjsonResponse(serialize.endpoint(row), status_code=201 if created else 200)


@router.patch("/{endpoint_id}", response_model=EndpointOut)
async def patch_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointPatch, ops: Ops
) -> OrjsonResponse:
    row = await endpoints.update_endpoint(ops, app_id, endpoint_id, _input(body))
    return OrjsonResponse(serialize.endpoint(row))


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(app_id: PathKey, endpoint_id: PathKey, ops: Ops) -> Response:
    await endpoints.delete_endpoint(ops, app_id, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/secret", response_model=EndpointSecretOut)
async def get_endpoint_secret(app_id: PathKey, endpoint_id: PathKey, ops: Ops) -> OrjsonResponse:
    """The signing secret (`whsec_…`), or for Ed25519 endpoints the public key (`whpk_…`)
    that receivers verify with; the private key never leaves Hookline."""
    key = await endpoints.endpoint_signing_key(ops, app_id, endpoint_id)
    return OrjsonResponse({"key": key}, headers=NO_STORE)


@router.post("/{endpoint_id}/secret/rotate", response_model=EndpointSecretOut)
async def rotate_endpoint_secret(
    app_id: PathKey,
    endpoint_id: PathKey,
    ops: Ops,
    body: Annotated[EndpointSecretRotateIn | None, Body()] = None,
) -> OrjsonResponse:
    """Replace the signing secret. The previous one keeps signing beside it (two signatures
    in one header, the new one first) for `gracePeriodSeconds` (default 24 hours); at most
    five previous secrets sign at once. Answers the new secret (the public key for Ed25519)."""
    body = body or EndpointSecretRotateIn()
    key = await endpoints.rotate_endpoint_secret(
        ops, app_id, endpoint_id, body.key, body.grace_period_seconds
    )
    return OrjsonResponse({"key": key}, headers=NO_STORE)


@router.post("/{endpoint_id}/send-example", response_model=MessageOut, status_code=202)
async def send_example(
    app_id: PathKey, endpoint_id: PathKey, body: EventExampleIn, ops: Ops
) -> OrjsonResponse:
    """Send a message of `eventType` to this endpoint only, whatever its filters: the
    `exampleIndex`th (default: the first) of the `examples` in the event type's current
    schema, or `{}` if it has none (or is not in the catalogue). `payload` sends that
    instead. Refused (422) for a disabled endpoint."""
    row = await messages.send_example(
        ops, app_id, endpoint_id, body.event_type, body.example_index or 0, body.payload
    )
    return OrjsonResponse(serialize.message(row, True), status_code=202)


@router.get("/{endpoint_id}/headers", response_model=EndpointHeadersOut)
async def get_endpoint_headers(app_id: PathKey, endpoint_id: PathKey, ops: Ops) -> OrjsonResponse:
    """The custom headers sent with every delivery; the values of sensitive ones
    (`Authorization` and the like) are never returned, only their names in `sensitive`."""
    shown, sensitive = await endpoints.endpoint_headers(ops, app_id, endpoint_id)
    return OrjsonResponse({"headers": shown, "sensitive": sensitive}, headers=NO_STORE)


@router.put("/{endpoint_id}/headers", status_code=204)
async def update_endpoint_headers(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointHeadersIn, ops: Ops
) -> Response:
    """Replace every custom header: those not given are removed."""
    await endpoints.set_endpoint_headers(ops, app_id, endpoint_id, body.headers)
    return Response(status_code=204)


@router.patch("/{endpoint_id}/headers", status_code=204)
async def patch_endpoint_headers(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointHeadersPatchIn, ops: Ops
) -> Response:
    """Add or replace the headers given and remove those named in `deleteHeaders`; the
    others stay."""
    await endpoints.patch_endpoint_headers(
        ops, app_id, endpoint_id, body.headers, body.delete_headers
    )
    return Response(status_code=204)
