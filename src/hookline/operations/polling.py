"""Reading messages instead of receiving them: the events API, polling endpoints and their
consumers, with long polling.

A long poll (`wait_seconds` > 0) that finds nothing waits for the next publish (in this
process at once; on PostgreSQL, other processes' through their NOTIFY) and reads again, until
something is found or the wait is over. It never polls the database on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

from hookline.operations.context import OperationContext
from hookline.store.polling import Sink, StreamFilter, StreamPage

MAX_WAIT_SECONDS = 30


async def _long_poll(
    ctx: OperationContext, wait_seconds: float, read: Callable[[], Awaitable[StreamPage]]
) -> StreamPage:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(wait_seconds, 0.0), MAX_WAIT_SECONDS)
    while True:
        # Taken before the read: a publish between the read and the wait still wakes it.
        published = ctx.db.publishes.next_publish()
        page = await read()
        remaining = deadline - loop.time()
        if page.items or remaining <= 0 or ctx.db.publishes.stopping:
            return page
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(published.wait(), remaining)


async def read_events(
    ctx: OperationContext,
    app: str,
    position: int | None,
    limit: int,
    wanted: StreamFilter,
    after_ms: int | None = None,
    wait_seconds: float = 0,
) -> StreamPage:
    """The application's messages in publish order, after `position` (an `iterator`), else
    after `after_ms`, else from the oldest kept."""
    return await _long_poll(
        ctx, wait_seconds, lambda: ctx.db.polling.read(app, position, limit, wanted, after_ms)
    )


async def polling_endpoint(ctx: OperationContext, app: str, sink: str) -> Sink:
    """The endpoint `sink` (id or uid) read as a polling endpoint: through its filters."""
    return await ctx.db.polling.sink(app, sink)


async def poll(
    ctx: OperationContext,
    app: str,
    sink: str,
    position: int | None,
    limit: int,
    event_type: str | None = None,
    channel: str | None = None,
    after_ms: int | None = None,
    wait_seconds: float = 0,
) -> StreamPage:
    """A polling endpoint's messages, the caller keeping the iterator."""
    found = await polling_endpoint(ctx, app, sink)
    wanted = replace(found.filter, event_type=event_type, channel=channel)
    return await read_events(ctx, found.app_id, position, limit, wanted, after_ms, wait_seconds)


async def consume(
    ctx: OperationContext,
    app: str,
    sink: str,
    consumer: str,
    limit: int,
    position: int | None = None,
    wait_seconds: float = 0,
) -> StreamPage:
    """The consumer's next page of the polling endpoint, its cursor moved past it (Hookline
    keeps the iterator). `position` reads from there instead, and moves the cursor too."""
    found = await polling_endpoint(ctx, app, sink)
    start = position

    async def read() -> StreamPage:
        nonlocal start
        page = await ctx.db.polling.consume(found, consumer, limit, start)
        start = None  # read again from the cursor this read saved
        return page

    return await _long_poll(ctx, wait_seconds, read)


async def seek_consumer(
    ctx: OperationContext, app: str, sink: str, consumer: str, after_ms: int
) -> int:
    """Move the consumer's cursor: its next read starts with the messages published after
    `after_ms`. The new position."""
    found = await polling_endpoint(ctx, app, sink)
    return await ctx.db.polling.seek(found, consumer, after_ms)
