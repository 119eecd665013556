"""Reading the attempt log: every HTTP POST Hookline made, with its outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline.store.applications import resolve_app_id
from hookline.store.errors import NotFound
from hookline.store.lookups import find_endpoint, find_message
from hookline.store.pagination import Page, fetch_page
from hookline.store.schema import attempts

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = attempts


class Attempts:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def list_by_message(
        self,
        app: str,
        msg_id: str,
        limit: int,
        iterator: str | None,
        status: int | None = None,
        endpoint_id: str | None = None,
    ) -> Page:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            msg = await find_message(conn, app_id, msg_id)
            query = sa.select(t).where(t.c.app_id == app_id, t.c.msg_id == msg.id)
            if endpoint_id is not None:
                query = query.where(
                    t.c.endpoint_id == (await find_endpoint(conn, app_id, endpoint_id)).id
                )
            if status is not None:
                query = query.where(t.c.status == status)
            return await fetch_page(conn, query, t.c.id, limit, iterator, descending=True)

    async def list_by_endpoint(
        self,
        app: str,
        endpoint: str,
        limit: int,
        iterator: str | None,
        status: int | None = None,
    ) -> Page:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep_id = (await find_endpoint(conn, app_id, endpoint)).id
            query = sa.select(t).where(t.c.app_id == app_id, t.c.endpoint_id == ep_id)
            if status is not None:
                query = query.where(t.c.status == status)
            return await fetch_page(conn, query, t.c.id, limit, iterator, descending=True)

    async def get(self, app: str, msg_id: str, attempt_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            row = (
                await conn.execute(sa.select(t).where(t.c.app_id == app_id, t.c.id == attempt_id))
            ).first()
        if row is None or msg_id not in (row.msg_id,):
            raise NotFound("attempt", attempt_id)
        return dict(row._mapping)
