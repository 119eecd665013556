"""Finding a message or an endpoint of an application by any of its keys, as every route
accepts them: a message by id or `eventId`, an endpoint by id or `uid`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.errors import NotFound
from hookline.store.schema import endpoints, messages


async def find_message(conn: AsyncConnection, app_id: str, key: str, *columns: Any) -> Any:
    """The message's row (`columns`, by default its id); NotFound if there is none."""
    m = messages
    row = (
        await conn.execute(
            sa.select(*(columns or (m.c.id,))).where(
                m.c.app_id == app_id, sa.or_(m.c.id == key, m.c.event_id == key)
            )
        )
    ).first()
    if row is None:
        raise NotFound("message", key)
    return row


async def find_endpoint(conn: AsyncConnection, app_id: str, key: str, *columns: Any) -> Any:
    """The endpoint's row (`columns`, by default its id); NotFound if there is none."""
    e = endpoints
    row = (
        await conn.execute(
            sa.select(*(columns or (e.c.id,))).where(
                e.c.app_id == app_id, sa.or_(e.c.id == key, e.c.uid == key)
            )
        )
    ).first()
    if row is None:
        raise NotFound("endpoint", key)
    return row
