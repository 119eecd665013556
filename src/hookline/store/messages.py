"""Messages: publishing (store + fan-out in one transaction) and reading them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.routing import endpoint_accepts
from hookline.store.applications import resolve_app_id
from hookline.store.clock import now_ms
from hookline.store.errors import Conflict, NotFound
from hookline.store.pagination import Page, fetch_page
from hookline.store.schema import applications, deliveries, endpoints, messages
from hookline.types import DeliveryStatus, TriggerType

if TYPE_CHECKING:
    from hookline.store.database import Database

t = messages


class Messages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def publish(
        self,
        app: str,
        event_type: str,
        payload: bytes,
        event_id: str | None = None,
        channels: list[str] | None = None,
        tags: list[str] | None = None,
        create_app: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a message and one pending delivery per matching endpoint, atomically.

        When this returns, the message is committed: the caller may acknowledge it.
        """
        now = now_ms()
        async with self.db.write() as conn:
            app_id = await _app_id_or_create(conn, app, create_app, now)
            if event_id is not None:
                dup = await conn.execute(
                    sa.select(t.c.id).where(t.c.app_id == app_id, t.c.event_id == event_id)
                )
                if dup.first() is not None:
                    raise Conflict(f"a message with eventId {event_id!r} already exists")
            row = {
                "id": ids.new_id(ids.MESSAGE, now),
                "app_id": app_id,
                "event_type": event_type,
                "event_id": event_id,
                "payload": payload,
                "channels": channels or None,
                "tags": tags or None,
                "created_at": now,
            }
            await conn.execute(t.insert().values(**row))
            targets = await _matching_endpoints(conn, app_id, event_type, channels)
            if targets:
                await conn.execute(
                    deliveries.insert(),
                    [
                        {
                            "app_id": app_id,
                            "msg_id": row["id"],
                            "endpoint_id": endpoint_id,
                            "status": DeliveryStatus.PENDING,
                            "trigger": TriggerType.SCHEDULED,
                            "attempt_count": 0,
                            "due_at": now,
                            "lease_owner": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for endpoint_id in targets
                    ],
                )
        self.db.notify_published()
        return row

    async def get(self, app: str, msg_id_or_event_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            row = (
                await conn.execute(
                    sa.select(t).where(
                        t.c.app_id == app_id,
                        sa.or_(t.c.id == msg_id_or_event_id, t.c.event_id == msg_id_or_event_id),
                    )
                )
            ).first()
        if row is None:
            raise NotFound("message", msg_id_or_event_id)
        return dict(row._mapping)

    async def list(
        self,
        app: str,
        limit: int,
        iterator: str | None,
        event_types: list[str] | None = None,
        channel: str | None = None,
        before_ms: int | None = None,
        after_ms: int | None = None,
    ) -> Page:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            query = sa.select(t).where(t.c.app_id == app_id)
            if event_types:
                query = query.where(t.c.event_type.in_(event_types))
            if before_ms is not None:
                query = query.where(t.c.created_at < before_ms)
            if after_ms is not None:
                query = query.where(t.c.created_at > after_ms)
            page = await fetch_page(conn, query, t.c.id, limit, iterator, descending=True)
        if channel is not None:
            # Channel lists are small JSON arrays; filtering them here keeps the SQL portable.
            page = Page(
                [m for m in page.items if channel in (m["channels"] or [])],
                page.iterator,
                page.prev_iterator,
                page.done,
            )
        return page


async def _app_id_or_create(
    conn: AsyncConnection, app: str, create_app: dict[str, Any] | None, now: int
) -> str:
    try:
        return await resolve_app_id(conn, app)
    except NotFound:
        if create_app is None:
            raise
    uid = create_app.get("uid") or (None if ids.has_prefix(app, ids.APPLICATION) else app)
    app_id = ids.new_id(ids.APPLICATION, now)
    await conn.execute(
        applications.insert().values(
            id=app_id,
            uid=uid,
            name=create_app["name"],
            throttle_rate=create_app.get("throttle_rate"),
            metadata=create_app.get("metadata") or {},
            created_at=now,
            updated_at=now,
        )
    )
    return app_id


async def _matching_endpoints(
    conn: AsyncConnection, app_id: str, event_type: str, channels: list[str] | None
) -> list[str]:
    e = endpoints
    rows = await conn.execute(
        sa.select(e.c.id, e.c.event_types, e.c.channels).where(
            e.c.app_id == app_id, e.c.disabled.is_(False)
        )
    )
    return [r.id for r in rows if endpoint_accepts(r.event_types, r.channels, event_type, channels)]
