"""Kill loop: messages published at a steady rate while workers and the API are SIGKILLed at
random moments and restarted. Every acknowledged message must reach every endpoint."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from reliability.processes import Deployment, ScenarioContext, in_flight_bound
from reliability.rows import Row
from reliability.steady_run import ENDPOINTS, app_with_endpoints, common_notes, publish_through


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    worker_kills: int
    api_kills: int
    settle_timeout: float  # how long without a new arrival ends the wait for the rest


FULL = Size(messages=50_000, rate=250, worker_kills=5, api_kills=2, settle_timeout=180)
QUICK = Size(messages=400, rate=100, worker_kills=2, api_kills=1, settle_timeout=90)


def kill_plan(size: Size, workers: int, seed: int) -> list[tuple[float, str, int]]:
    """(seconds after the start, "worker" or "api", worker index), in time order, spread over
    the middle of the publishing window so that every kill lands while messages flow."""
    rng = random.Random(seed)
    duration = size.messages / size.rate
    faults = [("worker", rng.randrange(workers)) for _ in range(size.worker_kills)]
    faults += [("api", 0)] * size.api_kills
    moments = sorted(rng.uniform(0.1, 0.9) * duration for _ in faults)
    rng.shuffle(faults)
    return [(at, kind, index) for at, (kind, index) in zip(moments, faults, strict=True)]


async def _inject(deploy: Deployment, plan: list[tuple[float, str, int]]) -> float:
    """Carry out the plan; return when the last fault was repaired (monotonic time)."""
    start = time.monotonic()
    repaired = start
    for at, kind, index in plan:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        if kind == "api":
            assert deploy.api is not None
            await asyncio.to_thread(deploy.kill, deploy.api)
            await asyncio.sleep(0.5)
            await deploy.start_api()
        else:
            await asyncio.to_thread(deploy.kill, deploy.workers[index])
            await asyncio.sleep(0.5)
            deploy.start_worker(index)
        repaired = time.monotonic()
    return repaired


async def run(ctx: ScenarioContext, size: Size) -> Row:
    backend = ctx.backend
    workers = 1 if backend == "sqlite" else 3
    plan = kill_plan(size, workers, ctx.seed)
    async with ctx.deployment() as deploy:
        await deploy.start_api()
        for index in range(workers):
            deploy.start_worker(index)
        app_id, paths = await app_with_endpoints(deploy, ctx.receiver_url, f"kill-loop-{backend}")
        outcome = await publish_through(
            deploy,
            ctx.receiver,
            app_id,
            paths,
            size.messages,
            size.rate,
            _inject(deploy, plan),
            size.settle_timeout,
        )
    topology = "1 worker" if workers == 1 else f"{workers} workers"
    kills = ", ".join(f"{at:.0f} s ({kind})" for at, kind, _ in plan)
    return Row(
        scenario=f"kill-loop-{backend}",
        store="SQLite" if backend == "sqlite" else "PostgreSQL",
        injected=f"SIGKILL: worker × {size.worker_kills}, API × {size.api_kills}",
        tally=outcome.tally,
        recovery_s=outcome.recovery_s,
        duration_s=outcome.duration_s,
        notes=[
            f"{size.messages:,} msgs at {size.rate:g}/s to {ENDPOINTS} endpoints, {topology} "
            f"and the API as separate processes; kills at {kills}",
            *common_notes(outcome, in_flight_bound(size.worker_kills)),
        ],
    )
