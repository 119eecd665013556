"""Recovering an endpoint: sending again what failed for good, or what it never got.

Both are Svix background tasks (`endpoint.recover`, `endpoint.replay`). The queueing is done
within the request (the sending follows at HOOKLINE_RECOVER_RATE), so each records its task
already finished, with Hookline's count in `data.messagesQueued`.
"""

from __future__ import annotations

from hookline.operations.background import record_finished_task
from hookline.operations.context import OperationContext
from hookline.store.rows import BackgroundTaskRow

RECOVER, REPLAY = "endpoint.recover", "endpoint.replay"


async def recover_failed_deliveries(
    ctx: OperationContext, app: str, endpoint: str, since_ms: int, until_ms: int | None = None
) -> BackgroundTaskRow:
    """Send again every message whose delivery to the endpoint failed for good, of those
    published since `since_ms` (and before `until_ms`), at most HOOKLINE_RECOVER_RATE per
    second. `data.messagesQueued`: how many were queued; a window that ends before it starts
    queues none."""
    queued = await ctx.db.recovery.recover(
        app, endpoint, since_ms, until_ms, ctx.settings.recover_rate
    )
    app_id = (await ctx.db.applications.get(app)).id
    return await record_finished_task(ctx.db, RECOVER, {"messagesQueued": queued}, app_id)


async def replay_missing_messages(
    ctx: OperationContext, app: str, endpoint: str, since_ms: int, until_ms: int | None = None
) -> BackgroundTaskRow:
    """Send the endpoint every message published since `since_ms` (and before `until_ms`)
    that it never had a delivery of and that its filters accept (published before it existed,
    or while it was disabled), at most HOOKLINE_RECOVER_RATE per second.
    `data.messagesQueued`: how many were queued."""
    queued = await ctx.db.replay.replay_missing(
        app, endpoint, since_ms, until_ms, ctx.settings.recover_rate
    )
    app_id = (await ctx.db.applications.get(app)).id
    return await record_finished_task(ctx.db, REPLAY, {"messagesQueued": queued}, app_id)
