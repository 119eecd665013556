"""Replaying what an endpoint missed: Svix's `POST /endpoint/{id}/replay-missing`.

The messages of the application published in a time range that never had a delivery to the
endpoint (published before it existed, or while it was disabled, when publishing skips it) and
that its filters accept (routing.endpoint_accepts, as when publishing) get one, queued as
manual deliveries at the recover rate (store.recovery), oldest first. Messages whose payload is
gone cannot be sent and are left out; a scheduled message is not sent before its `deliverAt`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.routing import endpoint_accepts
from hookline.store.applications import resolve_app_id
from hookline.store.lookups import find_endpoint
from hookline.store.recovery import CHUNK, recovery_due_times
from hookline.store.schema import deliveries, endpoints, messages
from hookline.types import DeliveryStatus, TriggerType

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d, e, m = deliveries, endpoints, messages


class Replay:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def replay_missing(
        self,
        app: str,
        endpoint: str,
        since_ms: int,
        until_ms: int | None,
        rate_per_second: float,
    ) -> int:
        """Queue a delivery to `endpoint` of each message published in [since, until) that it
        never had one of and that it accepts; returns how many."""
        now = self.db.clock.now_ms()
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(
                conn, app_id, endpoint, e.c.id, e.c.event_types, e.c.channels, e.c.fifo
            )
            # Message ids sort by publication time, so the time range is an index range.
            query = (
                sa.select(m.c.id, m.c.event_type, m.c.channels, m.c.deliver_at)
                .where(
                    m.c.app_id == app_id,
                    m.c.id >= ids.lowest_id(ids.MESSAGE, since_ms),
                    m.c.payload.is_not(None),
                    ~sa.exists().where(d.c.msg_id == m.c.id, d.c.endpoint_id == ep.id),
                )
                .order_by(m.c.id)
            )
            if until_ms is not None:
                query = query.where(m.c.id < ids.lowest_id(ids.MESSAGE, until_ms))
            missed = [
                row
                for row in await conn.execute(query)
                if endpoint_accepts(ep.event_types, ep.channels, row.event_type, row.channels)
            ]
        if not missed:
            return 0
        due_times = recovery_due_times(now, len(missed), rate_per_second)
        rows: list[dict[str, Any]] = [
            {
                "app_id": app_id,
                "msg_id": row.id,
                "endpoint_id": ep.id,
                "status": DeliveryStatus.PENDING,
                "trigger": TriggerType.MANUAL,
                "attempt_count": 0,
                "due_at": max(due, row.deliver_at or 0),
                "lease_owner": None,
                "created_at": now,
                "updated_at": now,
                "fifo": ep.fifo,
            }
            for row, due in zip(missed, due_times, strict=True)
        ]
        for first in range(0, len(rows), CHUNK):
            async with self.db.write() as conn:
                await conn.execute(d.insert(), rows[first : first + CHUNK])
        self.db.notify_published()
        return len(rows)
