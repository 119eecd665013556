"""/api/v1/app/{app_id}/endpoint: where an application's messages are delivered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hookline import signing
from hookline.api import serialize
from hookline.api.errors import ApiError
from hookline.api.models import (
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EndpointSecretOut,
    EndpointUpdate,
    ListResponse,
)
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, Db, Iterator, Limit, Order, PathKey
from hookline.config import Settings
from hookline.delivery.address_guard import check_url

router = APIRouter(prefix="/api/v1/app/{app_id}/endpoint", tags=["Endpoint"])


def _checked_url(request: Request, url: str) -> str:
    settings: Settings = request.app.state.settings
    problem = check_url(url, settings.allow_private_networks, allow_http=True)
    if problem:
        raise ApiError(422, problem, field="url")
    return url


def _secret(given: str | None) -> str:
    if given is None:
        return signing.generate_secret()
    try:
        return signing.normalize_secret(given)
    except signing.InvalidSecret as exc:
        raise ApiError(422, str(exc), field="secret") from exc


def _fields(body: Any, request: Request) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True, exclude={"secret", "version"})
    if fields.get("url") is not None:
        fields["url"] = _checked_url(request, fields["url"])
    return fields


@router.get("", response_model=ListResponse)
async def list_endpoints(
    app_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: Iterator = None,
    order: Order = None,
) -> OrjsonResponse:
    page = await db.endpoints.list(app_id, limit, iterator, descending=order == "descending")
    return OrjsonResponse(serialize.page(page, serialize.endpoint))


@router.post("", response_model=EndpointOut, status_code=201)
async def create_endpoint(
    app_id: PathKey, body: EndpointIn, request: Request, db: Db
) -> OrjsonResponse:
    row = await db.endpoints.create(app_id, _fields(body, request), _secret(body.secret))
    return OrjsonResponse(serialize.endpoint(row), status_code=201)


@router.get("/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(app_id: PathKey, endpoint_id: PathKey, db: Db) -> OrjsonResponse:
    return OrjsonResponse(serialize.endpoint(await db.endpoints.get(app_id, endpoint_id)))


@router.put("/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointUpdate, request: Request, db: Db
) -> OrjsonResponse:
    fields = _fields(body, request)
    row, created = await db.endpoints.upsert(app_id, endpoint_id, fields, signing.generate_secret())
    return OrjsonResponse(serialize.endpoint(row), status_code=201 if created else 200)


@router.patch("/{endpoint_id}", response_model=EndpointOut)
async def patch_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: EndpointPatch, request: Request, db: Db
) -> OrjsonResponse:
    changes = _fields(body, request)
    for key in ("url", "disabled", "description", "metadata", "headers"):
        if key in changes and changes[key] is None:
            if key == "url":
                raise ApiError(422, "url may not be null", field="url")
            changes[key] = {"disabled": False, "description": ""}.get(key, {})
    row = await db.endpoints.update(app_id, endpoint_id, changes)
    return OrjsonResponse(serialize.endpoint(row))


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(app_id: PathKey, endpoint_id: PathKey, db: Db) -> Response:
    await db.endpoints.delete(app_id, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/secret", response_model=EndpointSecretOut)
async def get_endpoint_secret(app_id: PathKey, endpoint_id: PathKey, db: Db) -> OrjsonResponse:
    row = await db.endpoints.get(app_id, endpoint_id)
    return OrjsonResponse({"key": row["secret"]})
