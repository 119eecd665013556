"""Database restarts: a PostgreSQL cluster of the harness's own is restarted twice (once as an
operator would, once as a crash) and stopped for a while once, under a steady publish load.
While it is down publishing answers 503; the Hookline processes recover by themselves (none is
restarted); nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from reliability.own_postgres import OwnPostgres
from reliability.processes import Deployment, ScenarioContext, in_flight_bound
from reliability.rows import Row
from reliability.steady_run import ENDPOINTS, app_with_endpoints, common_notes, publish_through

WORKERS = 2


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    outage_s: float  # the one long stop
    settle_timeout: float


FULL = Size(messages=20_000, rate=200, outage_s=30, settle_timeout=180)
QUICK = Size(messages=600, rate=50, outage_s=5, settle_timeout=90)


async def _faults(cluster: OwnPostgres, size: Size) -> float:
    duration = size.messages / size.rate
    start = time.monotonic()
    steps = [
        (0.2, "restart (fast)", lambda: (cluster.stop("fast"), cluster.start())),
        (0.45, "restart (crash)", lambda: (cluster.stop("immediate"), cluster.start())),
    ]
    for fraction, _what, action in steps:
        await asyncio.sleep(max(0.0, start + fraction * duration - time.monotonic()))
        await asyncio.to_thread(action)
    await asyncio.sleep(max(0.0, start + 0.65 * duration - time.monotonic()))
    await asyncio.to_thread(cluster.stop, "fast")
    await asyncio.sleep(size.outage_s)
    await asyncio.to_thread(cluster.start)
    return time.monotonic()


def _all_alive(deploy: Deployment) -> list[str]:
    """Names of the processes that exited (they should recover by themselves)."""
    children = [*deploy.workers, *([deploy.api] if deploy.api else [])]
    return [child.name for child in children if not child.alive()]


async def run(ctx: ScenarioContext, size: Size) -> Row:
    # PostgreSQL only; the fault moments are fixed fractions of the run (no seed)
    cluster = await asyncio.to_thread(lambda: OwnPostgres().create())
    try:
        async with ctx.deployment(pg_host=cluster.host) as deploy:
            await deploy.start_api()
            for index in range(WORKERS):
                deploy.start_worker(index)
            app_id, paths = await app_with_endpoints(deploy, ctx.receiver_url, "database-restarts")
            outcome = await publish_through(
                deploy,
                ctx.receiver,
                app_id,
                paths,
                size.messages,
                size.rate,
                _faults(cluster, size),
                size.settle_timeout,
            )
            exited = _all_alive(deploy)
    finally:
        await asyncio.to_thread(cluster.destroy)
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s to {ENDPOINTS} endpoints, the API and "
        f"{WORKERS} workers on a PostgreSQL cluster of the harness's own; at 20 % and 45 % of "
        f"the run it restarts (fast, then immediate), at 65 % it stops for {size.outage_s:g} s",
        "every Hookline process recovered by itself"
        if not exited
        else f"**exited**: {', '.join(exited)}",
        # At each of the three outages, every worker may send again what it had in flight.
        *common_notes(outcome, in_flight_bound(3 * WORKERS)),
    ]
    return Row(
        scenario="database-restarts",
        store="PostgreSQL",
        injected=f"2 restarts, 1 stop of {size.outage_s:g} s",
        tally=outcome.tally,
        recovery_s=outcome.recovery_s,
        duration_s=outcome.duration_s,
        notes=notes,
        error=None if not exited else f"processes exited: {', '.join(exited)}",
    )
