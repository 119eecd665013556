"""Slow and hostile receivers: endpoints that trickle their answer a byte a second, never
answer, answer 100 MB, answer bytes that are not HTTP, or send their headers a byte a second,
beside one healthy endpoint. The healthy endpoint must get every message without waiting on the
others (no worker stall); memory and open files must stay bounded; each bad endpoint's attempts
are recorded with their failure kind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.procs import Child, free_port, peak_rss_mb
from reliability.processes import ScenarioContext, in_flight_bound
from reliability.rows import Row
from reliability.steady_run import common_notes, publish_through

HOSTILE = ("trickle", "silent", "huge", "malformed", "slow-head")
# Bounds that a well-behaved process stays far below: the request timeout ends every hostile
# exchange, and a body is read only up to HOOKLINE_RESPONSE_BODY_LIMIT.
RSS_GROWTH_LIMIT_MB = 100.0
FD_LIMIT = 512


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    settle_timeout: float


FULL = Size(messages=2_000, rate=20, settle_timeout=60)
QUICK = Size(messages=200, rate=20, settle_timeout=60)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


async def _sample(pid: int, stop: asyncio.Event, samples: list[tuple[float, int]]) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError):
            samples.append((_rss_mb(pid), len(os.listdir(f"/proc/{pid}/fd"))))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def _failure_kinds(url: str, token: str, app_id: str, endpoint_id: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{url}/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}?limit=50") as resp,
    ):
        page = await resp.json()
    return sorted({str(a["failureKind"] or f"{a['responseStatusCode']} ok") for a in page["data"]})


async def run(ctx: ScenarioContext, size: Size) -> Row:
    # The delivery path is the same on both stores: SQLite, the default. No random faults.
    port = free_port()
    hostile = Child(
        "hostile-receiver",
        [sys.executable, "-m", "reliability.hostile_receiver", "--port", str(port)],
        ctx.log_dir,
    ).start()
    samples: list[tuple[float, int]] = []
    try:
        async with ctx.deployment() as deploy:
            await deploy.start_api(with_worker=True)
            assert deploy.api is not None
            pid = deploy.api.pid
            api = deploy.client()
            try:
                app_id = await api.create_app("hostile-receivers")
                healthy = "/hostile-receivers/healthy"
                await api.create_endpoint(app_id, ctx.receiver_url + healthy)
                bad = {
                    name: await api.create_endpoint(app_id, f"http://127.0.0.1:{port}/{name}")
                    for name in HOSTILE
                }
            finally:
                await api.close()
            baseline_rss = _rss_mb(pid)
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample(pid, stop, samples))

            async def no_faults() -> float:
                return time.monotonic()  # the receivers are the fault, from the start

            outcome = await publish_through(
                deploy,
                ctx.receiver,
                app_id,
                [healthy],
                size.messages,
                size.rate,
                no_faults(),
                size.settle_timeout,
            )
            drained_after = outcome.duration_s - size.messages / size.rate
            stop.set()
            await sampler
            peak = peak_rss_mb(pid)
            kinds = {
                name: await _failure_kinds(deploy.api_url, deploy.henv.token, app_id, ep)
                for name, ep in bad.items()
            }
            alive = deploy.api.alive()
    finally:
        hostile.stop(grace=2)
    max_rss = max((rss for rss, _ in samples), default=baseline_rss)
    max_fds = max((fds for _, fds in samples), default=0)
    growth = max_rss - baseline_rss
    problems = []
    if growth > RSS_GROWTH_LIMIT_MB:
        problems.append(f"resident memory grew by {growth:.0f} MB")
    if max_fds > FD_LIMIT:
        problems.append(f"{max_fds} open files")
    if not alive:
        problems.append("the server exited")
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s, each to 1 healthy and {len(HOSTILE)} hostile "
        f"endpoints (`hookline serve` on SQLite, request timeout 5 s); the healthy endpoint's "
        f"last delivery arrived {max(drained_after, 0):.1f} s after the last publish",
        f"server memory {baseline_rss:.0f} → at most {max_rss:.0f} MB resident (peak with "
        f"children {peak or 0:.0f} MB); at most {max_fds} open files",
        "attempts recorded as: "
        + "; ".join(f"{name}: {', '.join(k) or 'none yet'}" for name, k in kinds.items()),
        *common_notes(outcome, in_flight_bound(0)),
    ]
    return Row(
        scenario="hostile-receivers",
        store="SQLite",
        injected="receivers: " + ", ".join(HOSTILE),
        tally=outcome.tally,
        recovery_s=None,
        duration_s=outcome.duration_s,
        notes=notes,
        error="; ".join(problems) or None,
    )
