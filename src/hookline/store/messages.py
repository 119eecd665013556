"""Messages: publishing (see `publishing`) and reading them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.errors import NotFound
from hookline.store.json_arrays import array_has
from hookline.store.lookups import by_key
from hookline.store.pagination import Page, fetch_page
from hookline.store.publishing import PublishBatcher, PublishRequest
from hookline.store.rows import MessageRow
from hookline.store.schema import deliveries, messages
from hookline.store.tag_filter import tagged

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = messages


class Messages:
    def __init__(self, db: Connections) -> None:
        self.db = db
        self._batcher = PublishBatcher(db)

    async def publish(
        self,
        app: str,
        event_type: str,
        payload: bytes,
        event_id: str | None = None,
        channels: list[str] | None = None,
        tags: list[str] | None = None,
        create_app: dict[str, Any] | None = None,
        trace_context: str | None = None,
        endpoint_id: str | None = None,
        deliver_at: int | None = None,
        payload_keep_ms: int | None = None,
        keep_for_disabled: bool = False,
    ) -> MessageRow:
        """Store a message and one pending delivery per matching endpoint, atomically (or,
        with `endpoint_id`, to that enabled endpoint only, whatever its filters). Disabled
        endpoints get a parked one if they keep messages while disabled (their own choice,
        else `keep_for_disabled`: HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS).

        When this returns, the message is committed: the caller may acknowledge it.
        """
        return await self._batcher.publish(
            PublishRequest(
                app,
                event_type,
                payload,
                event_id,
                channels,
                tags,
                create_app,
                trace_context,
                endpoint_id,
                deliver_at,
                payload_keep_ms,
                keep_for_disabled,
            )
        )

    async def get(self, app: str, msg_id_or_event_id: str) -> MessageRow:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            row = (
                await conn.execute(
                    sa.select(t).where(
                        t.c.app_id == app_id,
                        by_key(t.c.id, t.c.event_id, msg_id_or_event_id),
                    )
                )
            ).first()
        if row is None:
            raise NotFound("message", msg_id_or_event_id)
        return MessageRow.from_row(row)

    async def list(
        self,
        app: str,
        limit: int,
        iterator: str | None,
        event_types: list[str] | None = None,
        channel: str | None = None,
        before_ms: int | None = None,
        after_ms: int | None = None,
        status: int | None = None,
        tag: str | None = None,
    ) -> Page[MessageRow]:
        """`status`: only messages with a delivery in that state (e.g. 2: failed), each
        checked through ix_deliveries_msg."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            query = sa.select(t).where(t.c.app_id == app_id)
            if event_types:
                query = query.where(t.c.event_type.in_(event_types))
            if channel is not None:
                query = query.where(array_has(conn.dialect.name, t.c.channels, channel))
            if tag is not None:
                query = query.where(tagged(app_id, t.c.id, tag))
            # A message's id holds its creation time, so a time window is also an id range:
            # the scan starts and stops at the window's ends instead of reading every message
            # of the application newer than the window.
            if before_ms is not None:
                query = query.where(
                    t.c.created_at < before_ms, t.c.id < ids.lowest_id(ids.MESSAGE, before_ms)
                )
            if after_ms is not None:
                query = query.where(
                    t.c.created_at > after_ms, t.c.id >= ids.lowest_id(ids.MESSAGE, after_ms + 1)
                )
            if status is not None:
                d = deliveries
                query = query.where(sa.exists().where(d.c.msg_id == t.c.id, d.c.status == status))
            return await fetch_page(conn, query, t.c.id, limit, iterator, True, MessageRow.from_row)

    async def find(self, msg_id: str) -> MessageRow | None:
        """The message with this id, in whichever application (a primary-key lookup: the
        dashboard's search by message id across applications)."""
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == msg_id))).first()
        return None if row is None else MessageRow.from_row(row)
