"""Recovering an endpoint: sending again what failed for good, or what it never got."""

from __future__ import annotations

from hookline.operations.context import OperationContext


async def recover_failed_deliveries(
    ctx: OperationContext, app: str, endpoint: str, since_ms: int, until_ms: int | None = None
) -> int:
    """Send again every message whose delivery to the endpoint failed for good, of those
    published since `since_ms` (and before `until_ms`), at most HOOKLINE_RECOVER_RATE per
    second. Returns how many were queued; a window that ends before it starts queues none."""
    return await ctx.db.recovery.recover(
        app, endpoint, since_ms, until_ms, ctx.settings.recover_rate
    )


async def replay_missing_messages(
    ctx: OperationContext, app: str, endpoint: str, since_ms: int, until_ms: int | None = None
) -> int:
    """Send the endpoint every message published since `since_ms` (and before `until_ms`)
    that it never had a delivery of and that its filters accept (published before it existed,
    or while it was disabled), at most HOOKLINE_RECOVER_RATE per second. Returns how many
    were queued."""
    return await ctx.db.replay.replay_missing(
        app, endpoint, since_ms, until_ms, ctx.settings.recover_rate
    )
