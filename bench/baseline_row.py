"""Row `baseline`: drain N pre-enqueued Celery tasks that each sign and POST one webhook."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from bench.context import RunContext, Unavailable
from bench.procs import Child
from bench.report import Line, RowAtLeastThis


def _concurrency() -> int:
    return 2 * (os.cpu_count() or 1)


def _enqueue(count: int, url: str, secret: str) -> None:
    from bench.celery_baseline import app, deliver_webhook
    from bench.payload import payload_bytes

    with app.producer_or_acquire() as producer:
        for seq in range(count):
            deliver_webhook.apply_async(
                (url, secret, f"msg_celery_{seq}", payload_bytes(seq).decode()),
                producer=producer,
            )


def _purge() -> int:
    from bench.celery_baseline import QUEUE, app

    with app.connection_for_write() as conn:
        return int(conn.default_channel.queue_purge(QUEUE) or 0)


async def run(ctx: RunContext) -> list[Line]:
    try:
        import celery  # noqa: F401
        import requests  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"{exc.name} is not installed (pip install -e '.[bench]')") from exc
    try:
        await asyncio.wait_for(asyncio.to_thread(_purge), 10)
    except Exception as exc:
        raise Unavailable(f"Redis broker unreachable: {exc!r}") from exc

    count = ctx.sizes.baseline_messages
    url = f"{ctx.receiver_url}/celery"
    await ctx.receiver.reset()
    enqueue_start = time.monotonic()
    await asyncio.to_thread(_enqueue, count, url, ctx.secret)
    enqueue_s = time.monotonic() - enqueue_start

    worker = Child(
        "celery-worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.celery_baseline",
            "worker",
            f"--concurrency={_concurrency()}",
            "--pool=prefork",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        ctx.log_dir,
    )
    try:
        started = time.time()
        worker.start()
        stats = await ctx.receiver.wait_for(
            count, ctx.sizes.delivery_timeout, watch=[worker], stall_s=ctx.sizes.stall_timeout
        )
    finally:
        await asyncio.to_thread(worker.stop)
        await asyncio.to_thread(_purge)
    assert stats.first_at is not None and stats.last_new_at is not None
    rate = count / (stats.last_new_at - started)
    notes = [
        f"{count:,} tasks enqueued in {enqueue_s:.1f} s, then `celery worker "
        f"--pool=prefork --concurrency={_concurrency()}`",
        f"{(count - 1) / max(1e-9, stats.last_new_at - stats.first_at):,.0f}/s from first arrival",
    ]
    if stats.duplicates:
        notes.append(f"{stats.duplicates} duplicate deliveries")
    return [
        Line(
            "baseline",
            "baseline: Celery + requests, backlog drain",
            rate,
            notes=notes,
            target=RowAtLeastThis("sqlite-backlog", 10),
        )
    ]
