"""Kill loop: messages published at a steady rate while workers and the API are SIGKILLed at
random moments and restarted. Every acknowledged message must reach every endpoint."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from pathlib import Path

from bench.receiver import ReceiverClient
from reliability.ledger import Tally, tally
from reliability.processes import Deployment, deployment, in_flight_bound
from reliability.publisher import publish_steadily
from reliability.rows import Row

ENDPOINTS = 3


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    worker_kills: int
    api_kills: int
    settle_timeout: float  # after the last fault, how long every delivery may take to arrive


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


def _answers(refused: dict[int, int]) -> str:
    if not refused:
        return ""
    text = ", ".join(f"{count:,} × {status}" for status, count in sorted(refused.items()))
    why = (
        " (409: a retry waits while the killed process's claim on its idempotency key lasts, "
        "60 s on PostgreSQL)"
        if 409 in refused
        else ""
    )
    return f"; error answers {text}{why}"


async def _settle(
    receiver: ReceiverClient, acknowledged: list[str], paths: list[str], limit_s: float
) -> tuple[Tally, float]:
    deadline = time.monotonic() + limit_s
    while True:
        result = tally(acknowledged, paths, await receiver.counts())
        if result.nothing_lost or time.monotonic() > deadline:
            return result, time.monotonic()
        await asyncio.sleep(0.5)


async def run(
    backend: str,
    size: Size,
    receiver: ReceiverClient,
    receiver_url: str,
    command: list[str],
    log_dir: Path,
    data_dir: Path,
    seed: int,
) -> Row:
    workers = 1 if backend == "sqlite" else 3
    plan = kill_plan(size, workers, seed)
    async with deployment(backend, command, log_dir, data_dir) as deploy:
        await deploy.start_api()
        for index in range(workers):
            deploy.start_worker(index)
        api = deploy.client()
        try:
            app_id = await api.create_app(f"kill-loop-{backend}")
            paths = [f"/kill-loop/{backend}/{i}" for i in range(ENDPOINTS)]
            for path in paths:
                await api.create_endpoint(app_id, receiver_url + path)
        finally:
            await api.close()
        began = time.monotonic()
        published, repaired = await asyncio.gather(
            publish_steadily(deploy.api_url, deploy.henv.token, app_id, size.messages, size.rate),
            _inject(deploy, plan),
        )
        acknowledged = list(published.acknowledged.values())
        result, settled = await _settle(receiver, acknowledged, paths, size.settle_timeout)
    store = "SQLite" if backend == "sqlite" else "PostgreSQL"
    topology = "1 worker" if workers == 1 else f"{workers} workers"
    bound = in_flight_bound(size.worker_kills)
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s to {ENDPOINTS} endpoints, {topology} and "
        f"the API as separate processes; kills at "
        + ", ".join(f"{at:.0f} s ({kind})" for at, kind, _ in plan),
        f"duplicates bound by what was in flight: ≤ {bound:,}"
        + (" (held)" if result.duplicated <= bound else " (**exceeded**)"),
        f"publishes: {published.attempts:,} requests, {published.connection_errors:,} refused "
        f"connections while the API was down, {published.gave_up} given up"
        + _answers(published.refused),
    ]
    if result.unacknowledged_delivered:
        notes.append(
            f"{result.unacknowledged_delivered} deliveries of messages whose 202 was lost with a "
            "killed API process and whose retry was stored again (idempotency answers are "
            "written just after the response: docs/delivery.md#idempotent-requests)"
        )
    if result.lost:
        notes.append("lost, e.g.: " + ", ".join(result.lost_examples))
    return Row(
        scenario=f"kill-loop-{backend}",
        store=store,
        injected=f"SIGKILL: worker × {size.worker_kills}, API × {size.api_kills}",
        tally=result,
        recovery_s=max(0.0, settled - repaired) if result.nothing_lost else None,
        duration_s=settled - began,
        notes=notes,
    )
