"""Operational-webhook endpoints (Svix's `/operational-webhook/endpoint`): where Hookline
sends its own events. They are the endpoints of the internal application (operational.py),
so they are stored, signed, retried and logged like any other endpoint; `filterTypes` is
their event type filter. The application is made with the first of them.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from hookline.operations import endpoints
from hookline.operations.context import OperationContext
from hookline.operations.endpoints import EndpointInput
from hookline.store import NotFound
from hookline.store.pagination import Page
from hookline.store.rows import EndpointRow


async def _app(ctx: OperationContext, endpoint: str = "", create: bool = False) -> str:
    """The internal application's id. Before the first operational-webhook endpoint there
    is none, so no `endpoint` can be found."""
    found = await ctx.operational.application_id(create=create)
    if found is None:
        raise NotFound("operational webhook endpoint", endpoint)
    return found


async def list_operational_endpoints(
    ctx: OperationContext, limit: int, iterator: str | None, descending: bool = False
) -> Page[EndpointRow]:
    app_id = await ctx.operational.application_id()
    if app_id is None:
        return Page([], None, None, True)
    return await ctx.db.endpoints.list(app_id, limit, iterator, descending=descending)


async def create_operational_endpoint(
    ctx: OperationContext, given: EndpointInput, secret: str | None = None
) -> EndpointRow:
    return await endpoints.create_endpoint(ctx, await _app(ctx, create=True), given, secret)


async def get_operational_endpoint(ctx: OperationContext, endpoint: str) -> EndpointRow:
    return await ctx.db.endpoints.get(await _app(ctx, endpoint), endpoint)


async def upsert_operational_endpoint(
    ctx: OperationContext, endpoint: str, given: EndpointInput
) -> tuple[EndpointRow, bool]:
    """Replace it (its headers and secret are kept: Svix's upsert has no field for them), or
    create it with `endpoint` as its uid; True if it was created."""
    app_id = await _app(ctx, endpoint, create=True)
    with contextlib.suppress(NotFound):
        current = await ctx.db.endpoints.get(app_id, endpoint)
        given = replace(given, headers=current.headers)
    return await endpoints.replace_endpoint(ctx, app_id, endpoint, given)


async def delete_operational_endpoint(ctx: OperationContext, endpoint: str) -> None:
    await endpoints.delete_endpoint(ctx, await _app(ctx, endpoint), endpoint)


async def operational_endpoint_secret(ctx: OperationContext, endpoint: str) -> str:
    return await endpoints.endpoint_signing_key(ctx, await _app(ctx, endpoint), endpoint)


async def rotate_operational_endpoint_secret(
    ctx: OperationContext, endpoint: str, key: str | None, grace_period_seconds: int | None
) -> str:
    return await endpoints.rotate_endpoint_secret(
        ctx, await _app(ctx, endpoint), endpoint, key, grace_period_seconds
    )


async def operational_endpoint_headers(
    ctx: OperationContext, endpoint: str
) -> tuple[dict[str, str], list[str]]:
    return await endpoints.endpoint_headers(ctx, await _app(ctx, endpoint), endpoint)


async def set_operational_endpoint_headers(
    ctx: OperationContext, endpoint: str, headers: dict[str, str]
) -> None:
    await endpoints.set_endpoint_headers(ctx, await _app(ctx, endpoint), endpoint, headers)
