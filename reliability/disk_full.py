"""Disk full: the SQLite store on a small file system of the harness's own (a tmpfs with a
size), filled up while messages are published. Publishing must answer 507 (or 503) with a
clear error, never a 500; the database must stay intact (`PRAGMA integrity_check`); and once
space returns, publishing and delivery resume by themselves with nothing acknowledged lost."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from bench.context import Unavailable
from bench.payload import EVENT_TYPE
from reliability.processes import ScenarioContext, in_flight_bound
from reliability.rows import Row
from reliability.steady_run import ENDPOINTS, app_with_endpoints, common_notes, publish_through

FILE_SYSTEM_MB = 48
LEFT_FREE_BYTES = 256 * 1024  # what the filler leaves: a few hundred messages' worth


@dataclass(frozen=True)
class Size:
    messages: int
    rate: float
    full_for_s: float  # how long the disk stays full once publishing fails
    settle_timeout: float


FULL = Size(messages=6_000, rate=100, full_for_s=10, settle_timeout=120)
QUICK = Size(messages=600, rate=60, full_for_s=3, settle_timeout=60)


@contextlib.contextmanager
def small_file_system() -> Path:  # type: ignore[misc]
    mount_point = Path(tempfile.mkdtemp(prefix="hookline-reliability-disk-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={FILE_SYSTEM_MB}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        mount_point.rmdir()
        raise Unavailable(f"cannot mount a tmpfs of its own (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
        shutil.rmtree(mount_point, ignore_errors=True)


def _fill(directory: Path) -> Path:
    """Write a file that takes all but LEFT_FREE_BYTES of the file system."""
    filler = directory / "filler"
    free = shutil.disk_usage(directory).free
    chunk = b"\0" * (1 << 20)
    left = max(0, free - LEFT_FREE_BYTES)
    # The store grows meanwhile: the file system may be full before the filler is complete,
    # which is the point.
    with contextlib.suppress(OSError), filler.open("wb") as f:
        while left > 0:
            f.write(chunk[: min(len(chunk), left)])
            left -= len(chunk)
    return filler


async def _first_refusal(url: str, token: str, app_id: str, limit_s: float) -> dict[str, object]:
    """Publish probes until one is refused; return that answer (status and body)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = orjson.dumps({"eventType": EVENT_TYPE, "payload": {"probe": "x" * 2000}})
    deadline = time.monotonic() + limit_s
    async with aiohttp.ClientSession(headers=headers) as session:
        while time.monotonic() < deadline:
            async with session.post(f"{url}/api/v1/app/{app_id}/msg", data=body) as resp:
                raw = await resp.read()
                if resp.status != 202:
                    return {"status": resp.status, "body": raw[:300].decode(errors="replace")}
    return {"status": None, "body": "no publish was refused"}


def _integrity(database: Path) -> str:
    conn = sqlite3.connect(database)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


async def run(ctx: ScenarioContext, size: Size) -> Row:
    # SQLite, on a file system of its own instead of the data directory; fixed fault moments
    refusal: dict[str, object] = {}
    with small_file_system() as disk:
        store = disk / "data"
        store.mkdir()
        async with ctx.deployment(data_dir=store) as deploy:
            await deploy.start_api(with_worker=True)
            app_id, paths = await app_with_endpoints(deploy, ctx.receiver_url, "disk-full")

            async def faults() -> float:
                await asyncio.sleep(0.2 * size.messages / size.rate)
                filler = await asyncio.to_thread(_fill, disk)
                refusal.update(await _first_refusal(deploy.api_url, deploy.henv.token, app_id, 60))
                await asyncio.sleep(size.full_for_s)
                filler.unlink(missing_ok=True)
                return time.monotonic()

            outcome = await publish_through(
                deploy,
                ctx.receiver,
                app_id,
                paths,
                size.messages,
                size.rate,
                faults(),
                size.settle_timeout,
            )
            assert deploy.api is not None
            exited = not deploy.api.alive()
        integrity = _integrity(store / "hookline.db")
    statuses = outcome.published.refused
    clear = refusal.get("status") in (503, 507) and 500 not in statuses
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s to {ENDPOINTS} endpoints, `hookline serve` "
        f"on SQLite in a {FILE_SYSTEM_MB} MB tmpfs, filled at 20 % of the run and freed "
        f"{size.full_for_s:g} s after the first refused publish",
        f"first refusal: {refusal.get('status')} {refusal.get('body')}",
        f"`PRAGMA integrity_check`: {integrity}",
        "the server kept running" if not exited else "**the server exited**",
        *common_notes(outcome, in_flight_bound(1)),
    ]
    problems = []
    if not clear:
        problems.append("publishing was not refused with 507/503 only")
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if exited:
        problems.append("the server exited")
    return Row(
        scenario="disk-full",
        store="SQLite",
        injected=f"file system full for {size.full_for_s:g} s",
        tally=outcome.tally,
        recovery_s=outcome.recovery_s,
        duration_s=outcome.duration_s,
        notes=notes,
        error="; ".join(problems) or None,
    )
