"""Where a message went, and what an endpoint got: deliveries listed with their state.

Svix's "attempted destinations" (the endpoints a message was sent to) and "attempted
messages" (the messages sent to an endpoint), each with the delivery's status and next
attempt. A message resent to an endpoint has several deliveries there; the latest one is its
state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline.store.applications import resolve_app_id
from hookline.store.json_arrays import array_has
from hookline.store.lookups import find_endpoint, find_message
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import EndpointMessageRow, MessageEndpointRow
from hookline.store.schema import deliveries, endpoints, messages
from hookline.store.tag_filter import tagged

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
e = endpoints
m = messages


def _latest() -> sa.ColumnElement[bool]:
    """The delivery is the newest one of its message to its endpoint."""
    later = sa.alias(d, "later")
    return ~sa.exists().where(
        later.c.msg_id == d.c.msg_id, later.c.endpoint_id == d.c.endpoint_id, later.c.id > d.c.id
    )


_STATE = (d.c.status.label("delivery_status"), d.c.due_at.label("delivery_due_at"))


class DeliveryLog:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def destinations(
        self, app: str, msg: str, limit: int, iterator: str | None
    ) -> Page[MessageEndpointRow]:
        """The endpoints the message was queued for, by endpoint id, with the state of the
        latest delivery to each (and how many attempts it made), in one query."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            row = await find_message(conn, app_id, msg)
            query = (
                sa.select(
                    e.c.id,
                    e.c.uid,
                    e.c.url,
                    e.c.description,
                    e.c.disabled,
                    e.c.event_types,
                    e.c.channels,
                    e.c.throttle_rate,
                    e.c.created_at,
                    e.c.updated_at,
                    *_STATE,
                    d.c.attempt_count.label("delivery_attempt_count"),
                )
                .select_from(d.join(e, e.c.id == d.c.endpoint_id))
                .where(d.c.msg_id == row.id, _latest())
            )
            return await fetch_page(
                conn, query, e.c.id, limit, iterator, False, MessageEndpointRow.from_row
            )

    async def messages(
        self,
        app: str,
        endpoint: str,
        limit: int,
        iterator: str | None,
        status: int | None = None,
        event_types: list[str] | None = None,
        channel: str | None = None,
        before_ms: int | None = None,
        after_ms: int | None = None,
        with_content: bool = True,
        tag: str | None = None,
    ) -> Page[EndpointMessageRow]:
        """The messages queued for the endpoint, newest first, with the state of the latest
        delivery of each; `status` keeps those in that state (e.g. 2: failed)."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(conn, app_id, endpoint)
            columns = [
                m.c.id,
                m.c.app_id,
                m.c.event_type,
                m.c.event_id,
                m.c.channels,
                m.c.tags,
                m.c.created_at,
                m.c.deliver_at,
                d.c.msg_id,
                *_STATE,
            ]
            if with_content:  # payloads are the bulk of a row: read them only when shown
                columns.append(m.c.payload)
            query = (
                sa.select(*columns)
                .select_from(d.join(m, m.c.id == d.c.msg_id))
                .where(d.c.endpoint_id == ep.id, _latest())
            )
            if status is not None:
                query = query.where(d.c.status == status)
            if event_types:
                query = query.where(m.c.event_type.in_(event_types))
            if channel is not None:
                query = query.where(array_has(conn.dialect.name, m.c.channels, channel))
            if tag is not None:
                query = query.where(tagged(app_id, d.c.msg_id, tag))
            if before_ms is not None:
                query = query.where(m.c.created_at < before_ms)
            if after_ms is not None:
                query = query.where(m.c.created_at > after_ms)
            # Paged by the delivery's message id: the index (endpoint_id, msg_id) gives the
            # order without sorting all of the endpoint's deliveries.
            return await fetch_page(
                conn, query, d.c.msg_id, limit, iterator, True, EndpointMessageRow.from_row
            )
