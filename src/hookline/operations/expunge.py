"""Erasing content in bulk: the messages named, or every message of an application."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hookline.operations.background import start_background_task
from hookline.operations.context import OperationContext
from hookline.store.rows import BackgroundTaskRow

PURGE = "application.purge_content"


async def expunge_messages(ctx: OperationContext, app: str, keys: Sequence[str]) -> dict[str, str]:
    """Remove the payloads (and attempts' stored responses) of the messages named by `keys`
    (ids or eventIds); per key, `expunged` or `not-found` (Svix's BulkExpungeStatus)."""
    found = await ctx.db.expunge.messages(app, keys)
    return {key: "expunged" if hit else "not-found" for key, hit in found.items()}


async def expunge_all_contents(ctx: OperationContext, app: str) -> BackgroundTaskRow:
    """Start removing the content of every message the application has published so far;
    the task's `data.messagesPurged` says how many payloads were removed."""
    app_id = await ctx.db.expunge.app_id(app)  # a missing application is a 404, not a task

    async def work() -> dict[str, Any]:
        return {"messagesPurged": await ctx.db.expunge.all_of_app(app_id)}

    return await start_background_task(ctx.background, PURGE, work, app_id)
