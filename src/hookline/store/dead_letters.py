"""Failed deliveries across applications (the dashboard's dead letters): the latest delivery
of a message to an endpoint that failed for good, newest first, with what a person needs to
tell them apart (application, endpoint URL, event type).

Paged by the delivery id, descending, from the partial indexes of the failed deliveries
(ix_deliveries_failed, or ix_deliveries_app_failed for one application), or for one endpoint
by message id (ix_deliveries_endpoint_msg, descending). The time window is the message's
publication time, an id range (message ids sort by time), as `recover` takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.lookups import find_endpoint
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import DeadLetterRow, FailedEndpointRow
from hookline.store.schema import applications, deliveries, endpoints, messages
from hookline.types import DeliveryStatus

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
e = endpoints
m = messages
a = applications


@dataclass(frozen=True, slots=True)
class DeadLetterFilter:
    app: str | None = None  # an id or uid
    endpoint: str | None = None  # an id or uid, of `app`
    since_ms: int | None = None  # messages published at or after
    until_ms: int | None = None  # and before


def _latest() -> sa.ColumnElement[bool]:
    later = sa.alias(d, "later")
    return ~sa.exists().where(
        later.c.msg_id == d.c.msg_id, later.c.endpoint_id == d.c.endpoint_id, later.c.id > d.c.id
    )


class DeadLetters:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def _where(self, conn: Any, f: DeadLetterFilter) -> list[sa.ColumnElement[bool]]:
        # The status inline, not as a parameter: only a query that states `status = 2`
        # may use the partial indexes of the failed deliveries (ix_deliveries_failed,
        # ix_deliveries_app_failed), on SQLite and in PostgreSQL's generic plans alike.
        failed = d.c.status == sa.literal(int(DeliveryStatus.FAIL), literal_execute=True)
        where = [failed, _latest()]
        if f.app is not None:
            app_id = await resolve_app_id(conn, f.app)
            where.append(d.c.app_id == app_id)
            if f.endpoint is not None:
                where.append(d.c.endpoint_id == (await find_endpoint(conn, app_id, f.endpoint)).id)
        if f.since_ms is not None:
            where.append(d.c.msg_id >= ids.lowest_id(ids.MESSAGE, f.since_ms))
        if f.until_ms is not None:
            where.append(d.c.msg_id < ids.lowest_id(ids.MESSAGE, f.until_ms))
        return where

    async def search(
        self, f: DeadLetterFilter, limit: int, iterator: str | None
    ) -> Page[DeadLetterRow]:
        async with self.db.read() as conn:
            query = (
                sa.select(
                    d.c.id,
                    d.c.app_id,
                    d.c.msg_id,
                    d.c.endpoint_id,
                    d.c.attempt_count,
                    d.c.updated_at,
                    a.c.name.label("app_name"),
                    e.c.url.label("endpoint_url"),
                    m.c.event_type,
                    m.c.created_at.label("msg_created_at"),
                )
                .select_from(
                    d.join(m, m.c.id == d.c.msg_id)
                    .join(e, e.c.id == d.c.endpoint_id)
                    .join(a, a.c.id == d.c.app_id)
                )
                .where(*await self._where(conn, f))
            )
            # One endpoint's: by message id, the order of ix_deliveries_endpoint_msg (its
            # latest delivery per message is one row, so the key is unique there).
            key = d.c.msg_id if f.endpoint is not None and f.app is not None else d.c.id
            return await fetch_page(conn, query, key, limit, iterator, True, DeadLetterRow.from_row)

    async def endpoints(self, f: DeadLetterFilter, limit: int) -> list[FailedEndpointRow]:
        """The endpoints with failed deliveries under `f` (at most `limit` of them), with how
        many each: what a bulk recover would send again, shown before it does."""
        async with self.db.read() as conn:
            query = (
                sa.select(
                    d.c.app_id,
                    d.c.endpoint_id,
                    e.c.url.label("endpoint_url"),
                    a.c.name.label("app_name"),
                    sa.func.count().label("failed"),
                )
                .select_from(d.join(e, e.c.id == d.c.endpoint_id).join(a, a.c.id == d.c.app_id))
                .where(*await self._where(conn, f))
                .group_by(d.c.app_id, d.c.endpoint_id, e.c.url, a.c.name)
                .order_by(d.c.endpoint_id)
                .limit(limit)
            )
            rows = (await conn.execute(query)).all()
        return [FailedEndpointRow.from_row(row) for row in rows]
