"""Recovering an endpoint: its failed deliveries are queued again, at a bounded rate.

Svix's `POST /endpoint/{id}/recover`. A delivery counts as failed when the latest delivery of
that message to the endpoint failed for good: a message that a later resend delivered is not
sent again. The deliveries are queued again in place (status pending, a fresh retry schedule,
manual trigger), not copied, so the endpoint's message log shows their new state.

They become due one after another, `1 / rate` seconds apart, so that a receiver coming back
after an outage gets its backlog at a pace it can take, not all at once. A recover that
follows another one for the same endpoint queues behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.lookups import find_endpoint
from hookline.store.schema import deliveries, messages
from hookline.types import DeliveryStatus, TriggerType

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
CHUNK = 1000  # deliveries queued per transaction: keeps each write short


def recovery_due_times(start_ms: int, count: int, rate_per_second: float) -> list[int]:
    """When each of `count` recovered deliveries becomes due: the first at `start_ms`, then
    one every 1/rate seconds, so that no second holds more than `rate` (rounded up)."""
    return [start_ms + int(i * 1000 / rate_per_second) for i in range(count)]


class Recovery:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def recover(
        self,
        app: str,
        endpoint: str,
        since_ms: int,
        until_ms: int | None,
        rate_per_second: float,
    ) -> int:
        """Queue again the failed deliveries to `endpoint` of messages published in
        [since, until); returns how many."""
        now = self.db.clock.now_ms()
        latest = sa.alias(d, "later")
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(conn, app_id, endpoint)
            # Message ids sort by publication time, so the time range is an index range.
            query = (
                sa.select(d.c.id)
                .join(messages, messages.c.id == d.c.msg_id)
                .where(
                    d.c.endpoint_id == ep.id,
                    d.c.msg_id >= ids.lowest_id(ids.MESSAGE, since_ms),
                    d.c.status == DeliveryStatus.FAIL,
                    messages.c.payload.is_not(None),  # an expunged message cannot be sent
                    ~sa.exists().where(
                        latest.c.msg_id == d.c.msg_id,
                        latest.c.endpoint_id == d.c.endpoint_id,
                        latest.c.id > d.c.id,
                    ),
                )
                .order_by(d.c.msg_id, d.c.id)
            )
            if until_ms is not None:
                query = query.where(d.c.msg_id < ids.lowest_id(ids.MESSAGE, until_ms))
            failed = list((await conn.execute(query)).scalars())
            # Behind what an earlier recover of this endpoint still has queued.
            queued_until = (
                await conn.execute(
                    sa.select(sa.func.max(d.c.due_at)).where(
                        d.c.endpoint_id == ep.id,
                        d.c.status == DeliveryStatus.PENDING,
                        d.c.trigger == TriggerType.MANUAL,
                    )
                )
            ).scalar()
        if not failed:
            return 0
        start = now
        if queued_until is not None and queued_until >= now:
            start = queued_until + int(1000 / rate_per_second)
        due_times = recovery_due_times(start, len(failed), rate_per_second)
        recovered = 0
        for first in range(0, len(failed), CHUNK):
            chunk = failed[first : first + CHUNK]
            due = due_times[first : first + CHUNK]
            rows = [{"b_id": i, "b_due": at} for i, at in zip(chunk, due, strict=True)]
            async with self.db.write() as conn:
                await conn.execute(
                    d.update()
                    # Still failed: skip what changed since it was read (e.g. a resend).
                    .where(d.c.id == sa.bindparam("b_id"), d.c.status == DeliveryStatus.FAIL)
                    .values(
                        status=DeliveryStatus.PENDING,
                        trigger=TriggerType.MANUAL,
                        attempt_count=0,
                        due_at=sa.bindparam("b_due"),
                        lease_owner=None,
                        updated_at=now,
                    ),
                    rows,
                )
                # (An executemany's row count is not reliable on every driver.)
                recovered += (
                    await conn.execute(
                        sa.select(sa.func.count()).where(
                            d.c.id.in_(chunk),
                            d.c.status == DeliveryStatus.PENDING,
                            d.c.updated_at == now,
                        )
                    )
                ).scalar_one()
        self.db.notify_published()
        return recovered
