"""Bulk replay: Svix's `POST /endpoint/{id}/bulk-replay`.

Every message already sent to the endpoint (whatever became of it: delivered or failed) that
was published in the time range and passes the filters is sent to it once more, as a new
manual delivery, so the earlier ones stay in its log. The filters are those of the endpoint's
message list: the message's event type, channel and tag, the state of its latest delivery
there (`status`), and the class of the status code of its latest attempt there
(`status_code_class`; 0: no HTTP response).

A bulk replay runs as a background task (operations/bulk_replay.py): it walks the endpoint's
deliveries by message id (publish order) a page at a time, each page queued in its own short
transaction, at the recover rate and behind what an earlier recover or replay of the endpoint
still has queued (store.recovery). Messages whose payload is gone cannot be sent and are left
out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.json_arrays import array_has
from hookline.store.lookups import find_endpoint
from hookline.store.recovery import CHUNK, recovery_due_times
from hookline.store.schema import attempts, deliveries, endpoints, messages
from hookline.store.tag_filter import tagged
from hookline.types import DeliveryStatus, TriggerType

if TYPE_CHECKING:
    from hookline.store.connections import Connections

a, d, e, m = attempts, deliveries, endpoints, messages


@dataclass(frozen=True)
class BulkReplayFilter:
    """Which messages sent to the endpoint a bulk replay sends again. Times in ms: published
    at or after `since_ms`, before `until_ms`."""

    since_ms: int
    until_ms: int | None = None
    event_types: list[str] | None = None
    channel: str | None = None
    tag: str | None = None
    status: int | None = None  # of the latest delivery to the endpoint
    status_code_class: int | None = None  # of the latest attempt to the endpoint


def _latest_delivery() -> sa.ColumnElement[bool]:
    """The delivery is the newest one of its message to its endpoint (a resend or replay
    made a later one)."""
    later = sa.alias(d, "later")
    return ~sa.exists().where(
        later.c.msg_id == d.c.msg_id, later.c.endpoint_id == d.c.endpoint_id, later.c.id > d.c.id
    )


def _last_status_code(app_id: str) -> sa.ScalarSelect[Any]:
    """The status code of the newest attempt of the delivery's message to its endpoint."""
    return (
        sa.select(a.c.response_status_code)
        .where(a.c.app_id == app_id, a.c.msg_id == d.c.msg_id, a.c.endpoint_id == d.c.endpoint_id)
        .order_by(a.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _matching(dialect: str, app_id: str, endpoint_id: str, f: BulkReplayFilter) -> sa.Select[Any]:
    query = (
        sa.select(d.c.msg_id, m.c.deliver_at)
        .select_from(d.join(m, m.c.id == d.c.msg_id))
        .where(
            d.c.endpoint_id == endpoint_id,
            # Message ids sort by publication time, so the time range is an index range.
            d.c.msg_id >= ids.lowest_id(ids.MESSAGE, f.since_ms),
            m.c.payload.is_not(None),
            _latest_delivery(),
        )
    )
    if f.until_ms is not None:
        query = query.where(d.c.msg_id < ids.lowest_id(ids.MESSAGE, f.until_ms))
    if f.status is not None:
        query = query.where(d.c.status == f.status)
    if f.event_types:
        query = query.where(m.c.event_type.in_(f.event_types))
    if f.channel is not None:
        query = query.where(array_has(dialect, m.c.channels, f.channel))
    if f.tag is not None:
        query = query.where(tagged(app_id, d.c.msg_id, f.tag))
    if f.status_code_class == 0:
        query = query.where(_last_status_code(app_id) == 0)
    elif f.status_code_class is not None:
        low = f.status_code_class
        query = query.where(_last_status_code(app_id).between(low, low + 99))
    return query


class BulkReplay:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def bulk_replay(
        self, app: str, endpoint: str, f: BulkReplayFilter, rate_per_second: float
    ) -> int:
        """Queue a new delivery to `endpoint` of each message sent to it that `f` keeps,
        oldest first; returns how many."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(conn, app_id, endpoint, e.c.id, e.c.fifo)
            queued_until = await _queued_until(conn, ep.id)
        step_ms = int(1000 / rate_per_second)
        now = self.db.clock.now_ms()
        start = now if queued_until is None or queued_until < now else queued_until + step_ms
        query = _matching(self.db.dialect, app_id, ep.id, f).order_by(d.c.msg_id).limit(CHUNK)
        queued = 0
        after = ""
        while True:
            async with self.db.read() as conn:
                page = (await conn.execute(query.where(d.c.msg_id > after))).all()
            if not page:
                break
            after = page[-1].msg_id
            due_times = recovery_due_times(start + queued * step_ms, len(page), rate_per_second)
            now = self.db.clock.now_ms()
            rows = [
                {
                    "app_id": app_id,
                    "msg_id": row.msg_id,
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
                for row, due in zip(page, due_times, strict=True)
            ]
            async with self.db.write() as conn:
                await conn.execute(d.insert(), rows)
            queued += len(rows)
            self.db.notify_published()
            if len(page) < CHUNK:
                break
        return queued


async def _queued_until(conn: AsyncConnection, endpoint_id: str) -> int | None:
    """When the last manual delivery the endpoint still has queued becomes due, if any."""
    due: int | None = (
        await conn.execute(
            sa.select(sa.func.max(d.c.due_at)).where(
                d.c.endpoint_id == endpoint_id,
                d.c.status == DeliveryStatus.PENDING,
                d.c.trigger == TriggerType.MANUAL,
            )
        )
    ).scalar()
    return due
