"""Clock jumps: on PostgreSQL, the API and three workers under a steady publish load, one worker
run under libfaketime whose wall clock jumps 10 minutes ahead, then 10 minutes behind. Due
times and leases are the store's, so a worker with a wrong wall clock must neither send
retries early nor take leases the others see as expired: nothing lost, and no more
duplicates than what was in flight."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from reliability.processes import ScenarioContext, in_flight_bound
from reliability.rows import Row
from reliability.steady_run import ENDPOINTS, app_with_endpoints, common_notes, publish_through

WORKERS = 3
# Debian's `faketime` package (.ci/run installs it).
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
JUMP_S = 600
# The receiver answers this much later, so that the other workers always have deliveries in
# flight: under a lease that a worker whose clock runs ahead would see as expired.
RECEIVER_DELAY_MS = 300


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    settle_timeout: float


FULL = Size(messages=6_000, rate=100, settle_timeout=120)
QUICK = Size(messages=600, rate=50, settle_timeout=90)


def faketime_environ(offset_file: Path) -> dict[str, str]:
    """libfaketime with an offset read from `offset_file` (re-read every second, so it can
    change mid-run), the monotonic clock left alone: only the wall clock moves."""
    return {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_CACHE_DURATION": "1",
        "DONT_FAKE_MONOTONIC": "1",
    }


async def _jumps(offset_file: Path, size: Size) -> float:
    """+10 min at a quarter of the run, -10 min at 60 %; returns when the last jump was made
    (the wrong clock stays until the end)."""
    duration = size.messages / size.rate
    start = time.monotonic()
    for fraction, offset in ((0.25, f"+{JUMP_S}"), (0.6, f"-{JUMP_S}")):
        await asyncio.sleep(max(0.0, start + fraction * duration - time.monotonic()))
        await asyncio.to_thread(offset_file.write_text, offset + "\n")
    return time.monotonic()


async def run(ctx: ScenarioContext, size: Size) -> Row:
    # PostgreSQL only; the jumps come at fixed fractions of the run (no seed)
    if not await asyncio.to_thread(LIBFAKETIME.exists):
        raise RuntimeError(f"{LIBFAKETIME} is missing: install Debian's faketime package")
    offset_file = ctx.data_dir / "faketime-offset"
    offset_file.parent.mkdir(parents=True, exist_ok=True)
    offset_file.write_text("+0\n")
    async with ctx.deployment() as deploy:
        await deploy.start_api()
        deploy.start_worker(0, faketime_environ(offset_file))
        for index in range(1, WORKERS):
            deploy.start_worker(index)
        app_id, paths = await app_with_endpoints(
            deploy, ctx.receiver_url, "clock-jumps", f"?delay_ms={RECEIVER_DELAY_MS}"
        )
        outcome = await publish_through(
            deploy,
            ctx.receiver,
            app_id,
            paths,
            size.messages,
            size.rate,
            _jumps(offset_file, size),
            size.settle_timeout,
        )
        exited = [child.name for child in deploy.workers if not child.alive()]
    # One worker's wrong clock may cost at most what one worker has in flight.
    bound = in_flight_bound(1)
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s to {ENDPOINTS} endpoints, the API and "
        f"{WORKERS} workers on PostgreSQL; worker-0 under libfaketime: its wall clock jumps "
        f"+{JUMP_S // 60} min at 25 % of the run and to -{JUMP_S // 60} min at 60 %; the "
        f"receiver answers after {RECEIVER_DELAY_MS} ms",
        "every worker kept running" if not exited else f"**exited**: {', '.join(exited)}",
        *common_notes(outcome, bound),
    ]
    return Row(
        scenario="clock-jumps",
        store="PostgreSQL",
        injected=f"one worker's clock +{JUMP_S // 60} min, then -{JUMP_S // 60} min",
        tally=outcome.tally,
        recovery_s=outcome.recovery_s,
        duration_s=outcome.duration_s,
        notes=notes,
        error=None if not exited else f"workers exited: {', '.join(exited)}",
    )
