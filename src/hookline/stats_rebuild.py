"""`hookline stats rebuild`: the attempt counters rebuilt from the attempt log.

Counters start empty when an installation upgrades to a version that keeps them, and a
restored backup may hold attempts that its counters do not. The rebuild walks whole days
(UTC) from `since` (default: the oldest attempt) to now, one hour of attempts per short
transaction with a pause between them, so the publish path and the workers keep writing
while it runs, and it can be run again at any time with the same result.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from hookline.config import Settings
from hookline.stat_buckets import HOUR_MS, Period, counter_cutoffs, rebuild_plan
from hookline.store import Database, open_database

PAUSE_SECONDS = 0.01  # between two steps: lets other writers in


@dataclass(frozen=True, slots=True)
class RebuildSummary:
    days: int
    hours: int
    first_day_ms: int | None


async def rebuild_statistics(
    db: Database,
    settings: Settings,
    since_ms: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    pause: float = PAUSE_SECONDS,
) -> RebuildSummary:
    """Rebuild the counters of the attempts made since `since_ms` (whole days). Five-minute
    counters are rebuilt only where the retention task keeps them. `progress(done, total)`
    is called after each day."""
    now = db.clock.now_ms()
    oldest = await db.statistics_upkeep.oldest_attempt_ms()
    if oldest is None:
        return RebuildSummary(0, 0, None)
    start = max(oldest, since_ms) if since_ms is not None else oldest
    five_minute_from = counter_cutoffs(
        now, settings.stats_five_minute_days, settings.retention_days
    )[Period.FIVE_MINUTES]
    plan = rebuild_plan(start, now)
    hours = 0
    for done, (day, day_hours) in enumerate(plan, start=1):
        apps: set[str] = set()
        for hour in day_hours:
            keep_five = five_minute_from is None or hour + HOUR_MS > five_minute_from
            apps |= await db.statistics_upkeep.rebuild_hour(hour, five_minutes=keep_five)
            hours += 1
            await asyncio.sleep(pause)
        await db.statistics_upkeep.rebuild_day(day, apps)
        if progress is not None:
            progress(done, len(plan))
    return RebuildSummary(len(plan), hours, plan[0][0] if plan else None)


def parse_since(text: str) -> int:
    """`--since`: an ISO 8601 date or date-time (UTC unless it says otherwise), as ms."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"--since must be an ISO 8601 date or date-time, got {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


async def _rebuild(settings: Settings, since_ms: int | None) -> RebuildSummary:
    db = await open_database(settings.database_url, migrate=True, pooler=settings.database_pooler)
    try:
        return await rebuild_statistics(
            db,
            settings,
            since_ms,
            progress=lambda done, total: print(f"day {done} of {total} rebuilt", flush=True),
        )
    finally:
        await db.close()


def rebuild(settings: Settings, since_ms: int | None) -> RebuildSummary:
    return asyncio.run(_rebuild(settings, since_ms))
