"""Endpoints: the URLs that receive an application's messages, with their filters and secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.clock import now_ms
from hookline.store.errors import NotFound
from hookline.store.pagination import Page, fetch_page
from hookline.store.schema import deliveries, endpoints
from hookline.types import DeliveryStatus

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = endpoints
# Columns a caller may set; `secret` only at creation (rotation is its own operation).
MUTABLE = (
    "uid",
    "url",
    "description",
    "disabled",
    "event_types",
    "channels",
    "metadata",
    "headers",
    "throttle_rate",
)


async def _resolve(conn: AsyncConnection, app_id: str, id_or_uid: str) -> dict[str, Any]:
    row = (
        await conn.execute(
            sa.select(t).where(
                t.c.app_id == app_id, sa.or_(t.c.id == id_or_uid, t.c.uid == id_or_uid)
            )
        )
    ).first()
    if row is None:
        raise NotFound("endpoint", id_or_uid)
    return dict(row._mapping)


UID_TAKEN = "an endpoint with that uid already exists in this application"


class Endpoints:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def create(self, app: str, fields: dict[str, Any], secret: str) -> dict[str, Any]:
        async def work(conn: AsyncConnection) -> dict[str, Any]:
            return await _insert(conn, await resolve_app_id(conn, app), fields, secret)

        return await self.db.transaction(work, UID_TAKEN)

    async def get(self, app: str, id_or_uid: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            return await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)

    async def list(
        self, app: str, limit: int, iterator: str | None, descending: bool = False
    ) -> Page:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            query = sa.select(t).where(t.c.app_id == app_id)
            return await fetch_page(conn, query, t.c.id, limit, iterator, descending)

    async def update(self, app: str, id_or_uid: str, changes: dict[str, Any]) -> dict[str, Any]:
        async def work(conn: AsyncConnection) -> dict[str, Any]:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            return await _update(conn, current, changes)

        return await self.db.transaction(work, UID_TAKEN)

    async def upsert(
        self, app: str, id_or_uid: str, fields: dict[str, Any], secret: str
    ) -> tuple[dict[str, Any], bool]:
        """PUT: replace every mutable field, or create the endpoint with that uid."""

        async def work(conn: AsyncConnection) -> tuple[dict[str, Any], bool]:
            app_id = await resolve_app_id(conn, app)
            try:
                current = await _resolve(conn, app_id, id_or_uid)
            except NotFound:
                if ids.has_prefix(id_or_uid, ids.ENDPOINT):
                    raise  # ids are assigned by Hookline: a PUT can only create by uid
                created_fields = {**fields, "uid": fields.get("uid") or id_or_uid}
                return await _insert(conn, app_id, created_fields, secret), True
            replacement = _with_defaults(fields)
            if "uid" not in fields:
                del replacement["uid"]  # a PUT keeps the uid unless the body names another
            return await _update(conn, current, replacement), False

        return await self.db.transaction(work, UID_TAKEN)

    async def delete(self, app: str, id_or_uid: str) -> None:
        async with self.db.write() as conn:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            await conn.execute(deliveries.delete().where(deliveries.c.endpoint_id == current["id"]))
            await conn.execute(t.delete().where(t.c.id == current["id"]))


async def _insert(
    conn: AsyncConnection, app_id: str, fields: dict[str, Any], secret: str
) -> dict[str, Any]:
    now = now_ms()
    row = {
        "id": ids.new_id(ids.ENDPOINT, now),
        "app_id": app_id,
        **_with_defaults(fields),
        "secret": secret,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(t.insert().values(**row))
    return row


async def _update(
    conn: AsyncConnection, current: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply `changes`; re-enabling an endpoint releases the deliveries parked meanwhile."""
    now = now_ms()
    if changes:
        await conn.execute(
            t.update().where(t.c.id == current["id"]).values(**changes, updated_at=now)
        )
    if current["disabled"] and changes.get("disabled") is False:
        await conn.execute(
            deliveries.update()
            .where(
                deliveries.c.endpoint_id == current["id"],
                deliveries.c.status == DeliveryStatus.PENDING,
                deliveries.c.due_at.is_(None),
            )
            .values(due_at=now, updated_at=now)
        )
    return dict((await conn.execute(sa.select(t).where(t.c.id == current["id"]))).one()._mapping)


def _with_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": fields.get("uid"),
        "url": fields["url"],
        "description": fields.get("description") or "",
        "disabled": bool(fields.get("disabled") or False),
        "event_types": fields.get("event_types") or None,
        "channels": fields.get("channels") or None,
        "metadata": fields.get("metadata") or {},
        "headers": fields.get("headers") or {},
        "throttle_rate": fields.get("throttle_rate"),
    }
