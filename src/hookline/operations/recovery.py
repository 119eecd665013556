"""Recovering an endpoint: sending again what failed for good, what it never got, or what
it was sent (bulk replay).

All are Svix background tasks (`endpoint.recover`, `endpoint.replay`, `endpoint.bulk-replay`),
with Hookline's count in `data.messagesQueued`; the sending follows at HOOKLINE_RECOVER_RATE.
Recover and replay-missing queue within the request, so each records its task already
finished; a bulk replay may cover every message the endpoint was ever sent, so it runs as a
background task of this process and answers while `running`.
"""

from __future__ import annotations

from typing import Any

from hookline.operations.background import record_finished_task, start_background_task
from hookline.operations.context import OperationContext
from hookline.store.bulk_replay import BulkReplayFilter
from hookline.store.rows import BackgroundTaskRow

RECOVER, REPLAY, BULK_REPLAY = "endpoint.recover", "endpoint.replay", "endpoint.bulk-replay"


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
    return await record_finished_task(ctx.background, RECOVER, {"messagesQueued": queued}, app_id)


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
    return await record_finished_task(ctx.background, REPLAY, {"messagesQueued": queued}, app_id)


async def bulk_replay_messages(
    ctx: OperationContext, app: str, endpoint: str, keep: BulkReplayFilter
) -> BackgroundTaskRow:
    """Send the endpoint once more every message it was sent (delivered or not) that `keep`
    keeps (see store.bulk_replay), at most HOOKLINE_RECOVER_RATE per second. Answers the task
    as it starts; `data.messagesQueued` once it has finished."""
    target = await ctx.db.endpoints.get(app, endpoint)  # NotFound before any task starts

    async def work() -> dict[str, Any]:
        queued = await ctx.db.bulk_replay.bulk_replay(
            target.app_id, target.id, keep, ctx.settings.recover_rate
        )
        return {"messagesQueued": queued}

    return await start_background_task(ctx.background, BULK_REPLAY, work, target.app_id)
