"""/api/v1/operational-webhook/endpoint: the endpoints Hookline sends its own events to
(Svix's operational webhooks). Admin token only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from hookline.api import serialize
from hookline.api.auth import require_admin
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    EndpointHeadersIn,
    EndpointHeadersOut,
    EndpointSecretOut,
    EndpointSecretRotateIn,
    ListResponse,
)
from hookline.api.openapi import created
from hookline.api.operational_models import (
    OperationalWebhookEndpointIn,
    OperationalWebhookEndpointOut,
    OperationalWebhookEndpointUpsertIn,
)
from hookline.api.responses import NO_STORE, OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, EndpointIterator, Limit, Ops, Order, PathKey
from hookline.operations import operational_endpoints as operational
from hookline.operations.endpoints import EndpointInput
from hookline.store.rows import EndpointRow

router = APIRouter(
    prefix="/api/v1/operational-webhook/endpoint",
    tags=["Operational webhooks"],
    route_class=JsonBodyRoute,
    dependencies=[Depends(require_admin)],
)


def _input(body: OperationalWebhookEndpointUpsertIn) -> EndpointInput:
    given = body.model_dump(exclude_unset=True, exclude={"secret"})
    if "filter_types" in given:
        given["event_types"] = given.pop("filter_types")
    return EndpointInput(**given)


# Svix's OperationalWebhookEndpointOut is a subset of an endpoint's fields: derived from the one
# serializer, so the two shapes cannot drift apart.
_OUT_FIELDS = tuple(
    field.alias or name for name, field in OperationalWebhookEndpointOut.model_fields.items()
)


def _out(row: EndpointRow) -> dict[str, Any]:
    full = serialize.endpoint(row)
    return {name: full[name] for name in _OUT_FIELDS}


@router.get("", response_model=ListResponse[OperationalWebhookEndpointOut])
async def list_operational_endpoints(
    ops: Ops,
    limit: Limit = DEFAULT_LIMIT,
    iterator: EndpointIterator = None,
    order: Order = None,
) -> OrjsonResponse:
    page = await operational.list_operational_endpoints(
        ops, limit, iterator, descending=order == "descending"
    )
    return OrjsonResponse(serialize.page(page, _out))


@router.post("", response_model=OperationalWebhookEndpointOut, status_code=201)
async def create_operational_endpoint(
    body: OperationalWebhookEndpointIn, ops: Ops
) -> OrjsonResponse:
    """A new endpoint for Hookline's operational events (`filterTypes`: which; all if
    absent), signed with `secret` or a new `whsec_` secret."""
    row = await operational.create_operational_endpoint(ops, _input(body), body.secret)
    return OrjsonResponse(_out(row), status_code=201)


@router.get("/{endpoint_id}", response_model=OperationalWebhookEndpointOut)
async def get_operational_endpoint(endpoint_id: PathKey, ops: Ops) -> OrjsonResponse:
    return OrjsonResponse(_out(await operational.get_operational_endpoint(ops, endpoint_id)))


@router.put(
    "/{endpoint_id}",
    response_model=OperationalWebhookEndpointOut,
    responses=created(OperationalWebhookEndpointOut),
)
async def upsert_operational_endpoint(
    endpoint_id: PathKey, body: OperationalWebhookEndpointUpsertIn, ops: Ops
) -> OrjsonResponse:
    """Replace it (fields left out return to their defaults; headers and the secret stay), or
    create it (`201`) with the path key as its `uid`."""
    row, was_created = await operational.upsert_operational_endpoint(ops, endpoint_id, _input(body))
    return OrjsonResponse(_out(row), status_code=201 if was_created else 200)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_operational_endpoint(endpoint_id: PathKey, ops: Ops) -> Response:
    await operational.delete_operational_endpoint(ops, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/secret", response_model=EndpointSecretOut)
async def get_operational_endpoint_secret(endpoint_id: PathKey, ops: Ops) -> OrjsonResponse:
    key = await operational.operational_endpoint_secret(ops, endpoint_id)
    return OrjsonResponse({"key": key}, headers=NO_STORE)


@router.post("/{endpoint_id}/secret/rotate", response_model=EndpointSecretOut)
async def rotate_operational_endpoint_secret(
    endpoint_id: PathKey,
    ops: Ops,
    body: Annotated[EndpointSecretRotateIn | None, Body()] = None,
) -> OrjsonResponse:
    """Replace the signing secret; the previous one keeps signing beside it for
    `gracePeriodSeconds` (default 24 hours). Answers the new secret."""
    body = body or EndpointSecretRotateIn()
    key = await operational.rotate_operational_endpoint_secret(
        ops, endpoint_id, body.key, body.grace_period_seconds
    )
    return OrjsonResponse({"key": key}, headers=NO_STORE)


@router.get("/{endpoint_id}/headers", response_model=EndpointHeadersOut)
async def get_operational_endpoint_headers(endpoint_id: PathKey, ops: Ops) -> OrjsonResponse:
    """The custom headers; sensitive ones (`Authorization` and the like) by name only."""
    shown, sensitive = await operational.operational_endpoint_headers(ops, endpoint_id)
    return OrjsonResponse({"headers": shown, "sensitive": sensitive}, headers=NO_STORE)


@router.put("/{endpoint_id}/headers", status_code=204)
async def update_operational_endpoint_headers(
    endpoint_id: PathKey, body: EndpointHeadersIn, ops: Ops
) -> Response:
    """Replace every custom header: those not given are removed."""
    await operational.set_operational_endpoint_headers(ops, endpoint_id, body.headers)
    return Response(status_code=204)
