"""Liveness and readiness for orchestrators.

Liveness (`/healthz`) only says the process answers. Readiness (`/readyz`) runs a small set of
named checks, each an async function returning None (ready) or the reason it is not; a
process registers the ones that apply to it (the worker's loop only where a worker runs).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hookline.readiness import FailureWatches
from hookline.store import Database

Check = Callable[[], Awaitable[str | None]]
CHECK_TIMEOUT_SECONDS = 3.0


@dataclass
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def run(self) -> tuple[bool, dict[str, Any]]:
        """(ready, {name: {"ok": bool, "detail"?: reason}}), the checks run concurrently."""
        names = list(self.checks)
        results = await asyncio.gather(*(_run_one(self.checks[n]) for n in names))
        report: dict[str, Any] = {}
        for name, reason in zip(names, results, strict=True):
            report[name] = {"ok": True} if reason is None else {"ok": False, "detail": reason}
        return all(r is None for r in results), report


async def _run_one(check: Check) -> str | None:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as exc:  # a failing check is a reason, never a 500
        return f"{type(exc).__name__}: {exc}"


def database_checks(db: Database) -> dict[str, Check]:
    async def database() -> str | None:
        await db.ping()
        return None

    async def migrations() -> str | None:
        if await db.migrations_current():
            return None
        return "the database schema is not at this version's newest revision"

    return {"database": database, "migrations": migrations}


def failures_check(failures: FailureWatches) -> Check:
    """Ready while no store work of this process (claims, records, publishes) keeps failing."""

    async def store_work() -> str | None:
        problems = failures.problems(time.monotonic())
        return "; ".join(problems) if problems else None

    return store_work


def heartbeat_check(last_beat: Callable[[], float | None], max_age: float) -> Check:
    """Ready while `last_beat()` (a `time.monotonic()` value) is at most `max_age` old."""

    async def loop_alive() -> str | None:
        beat = last_beat()
        if beat is None:
            return "the worker loop has not started"
        age = time.monotonic() - beat
        if age > max_age:
            return f"the worker loop has not run for {age:.0f} s"
        return None

    return loop_alive


def standard_readiness(
    db: Database,
    worker_beat: Callable[[], float | None] | None,
    max_age: float,
    failures: FailureWatches | None = None,
) -> Readiness:
    readiness = Readiness(dict(database_checks(db)))
    if failures is not None:
        readiness.add("store_work", failures_check(failures))
    if worker_beat is not None:
        readiness.add("worker", heartbeat_check(worker_beat, max_age))
    return readiness
