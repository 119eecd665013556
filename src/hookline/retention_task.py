"""The retention task, run by `hookline serve` and `hookline worker` alike.

Every HOOKLINE_RETENTION_INTERVAL (an hour) it removes message payloads and receivers'
response bodies older than HOOKLINE_RETENTION_DAYS (90; 0 keeps them), the payloads of
messages past their own retention (`payloadRetentionPeriod` / `payloadRetentionHours`),
idempotency keys past their expiry, and attempt counters past their keep
(stat_buckets.counter_cutoffs); it fails the background tasks a stopped process left running
(announcing them as `background_task.finished`) and removes the ended ones that started more
than HOOKLINE_RETENTION_DAYS ago.
Each process runs it; on PostgreSQL their passes can overlap safely (see store/retention.py;
a counter row deleted twice is simply gone), and a random start spreads them out.
"""

from __future__ import annotations

import asyncio
import logging
import random

from hookline.config import Settings
from hookline.operational import OperationalEvents
from hookline.stat_buckets import counter_cutoffs
from hookline.store import Database, StoreUnavailable
from hookline.store.retention import BATCH, PAUSE_SECONDS

log = logging.getLogger("hookline.retention")

FIRST_PASS_SECONDS = 30.0  # after start: first let the process settle
DAY_MS = 24 * 3600 * 1000
APPS_PER_PAGE = 200


async def run_retention(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    operational: OperationalEvents | None = None,
) -> None:
    """Run retention passes until `stop` is set; `operational` announces the background
    tasks found abandoned."""
    delay = min(settings.retention_interval, FIRST_PASS_SECONDS) * random.uniform(0.5, 1.0)
    while not await _stopped_within(stop, delay):
        try:
            await retention_pass(db, settings, stop, operational)
        except StoreUnavailable as exc:
            log.warning("retention pass skipped, database unavailable: %s", exc)
        except Exception:
            log.exception("retention pass failed; trying again at the next interval")
        delay = settings.retention_interval * random.uniform(0.9, 1.1)


async def retention_pass(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    operational: OperationalEvents | None = None,
) -> None:
    now = db.clock.now_ms()
    if settings.retention_days > 0:
        cutoff = now - int(settings.retention_days * DAY_MS)
        removed = await db.retention.remove_content_before(cutoff, stop)
        if removed.payloads or removed.responses:
            log.info(
                "retention: removed %d payloads and %d response bodies",
                removed.payloads,
                removed.responses,
            )
        tasks = await prune_background_tasks(db, cutoff, stop)
        if tasks:
            log.info("retention: removed %d ended background tasks", tasks)
    # Payloads of messages that asked to be kept for less than the server's period.
    expired = await db.retention.remove_expired_payloads(now, stop)
    if expired:
        log.info("retention: removed %d payloads past their message's own retention", expired)
    # Background tasks left running by a process that stopped.
    for task in await db.background_tasks.fail_abandoned(now):
        if operational is not None:
            await operational.task_ended(task)
    # Expired idempotency keys, a batch at a time, pausing between batches for other writers.
    while await db.idempotency_keys.delete_expired(now, BATCH) == BATCH:
        if await _stopped_within(stop, PAUSE_SECONDS):
            return
    pruned = await prune_counters(db, settings, now, stop)
    if pruned:
        log.info("retention: removed %d attempt counter rows", pruned)


async def prune_background_tasks(db: Database, before_ms: int, stop: asyncio.Event) -> int:
    """Ended background tasks started before `before_ms`, a batch at a time, pausing between
    batches for other writers; returns how many went."""
    total = 0
    while (removed := await db.background_tasks.prune_ended(before_ms, BATCH)) > 0:
        total += removed
        if removed < BATCH or await _stopped_within(stop, PAUSE_SECONDS):
            break
    return total


async def prune_counters(db: Database, settings: Settings, now: int, stop: asyncio.Event) -> int:
    """Counter rows past their period's keep, a page of applications at a time, each
    delete a small batch read through the primary key."""
    cutoffs = counter_cutoffs(now, settings.stats_five_minute_days, settings.retention_days)
    upkeep = db.statistics_upkeep
    total = 0
    after = ""
    while apps := await upkeep.application_ids(after, APPS_PER_PAGE):
        after = apps[-1]
        for period, before in cutoffs.items():
            if before is None:
                continue
            while (removed := await upkeep.prune(period, before, apps, BATCH)) > 0:
                total += removed
                if await _stopped_within(stop, PAUSE_SECONDS):
                    return total
                if removed < BATCH:
                    break
    return total


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
