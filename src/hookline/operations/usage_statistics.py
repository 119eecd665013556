"""Svix's statistics aggregation tasks: attempts made per application in a window
(`application.stats`), and what each application's endpoints subscribe to
(`event-type.aggregate`). Both run as background tasks over a page of applications at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hookline.operations.background import start_background_task
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput
from hookline.stat_buckets import Period, bucket_start
from hookline.store.rows import BackgroundTaskRow
from hookline.store.usage import AppKey

APP_STATS, EVENT_TYPES = "application.stats", "event-type.aggregate"
APPS_PER_PAGE = 500


async def aggregate_app_stats(
    ctx: OperationContext, since_ms: int, until_ms: int, app_keys: Sequence[str] | None
) -> tuple[BackgroundTaskRow, list[str]]:
    """Start counting the attempts (Svix's `messageDestinations`) each application made from
    `since_ms` to `until_ms`, counted by the hour (the hours the two fall in included); with
    `app_keys` (ids or uids) those applications, else every one that made attempts. Returns
    the task and the keys that name no application; if none does, InvalidInput."""
    if until_ms <= since_ms:
        raise InvalidInput("until must be later than since", "until")
    start = bucket_start(since_ms, Period.ONE_HOUR)
    chosen: list[AppKey] | None = None
    unresolved: list[str] = []
    if app_keys:
        found = await ctx.db.usage.resolve(app_keys)
        unresolved = [key for key in dict.fromkeys(app_keys) if key not in found]
        chosen = list({app.id: app for app in found.values()}.values())
        if not chosen:
            raise InvalidInput("none of the appIds names an application", "appIds")
    usage = ctx.db.usage

    async def stats_of(apps: list[AppKey], keep_idle: bool) -> list[dict[str, Any]]:
        made = await usage.attempts_made([a.id for a in apps], start, until_ms)
        return [
            {"appId": a.id, "appUid": a.uid, "messageDestinations": made.get(a.id, 0)}
            for a in apps
            if keep_idle or a.id in made
        ]

    async def work() -> dict[str, Any]:
        if chosen is not None:
            return {"appStats": await stats_of(chosen, keep_idle=True)}
        stats: list[dict[str, Any]] = []
        after = ""
        while page := await usage.application_page(after, APPS_PER_PAGE):
            stats += await stats_of(page, keep_idle=False)
            after = page[-1].id
        return {"appStats": stats}

    return await start_background_task(ctx.background, APP_STATS, work), unresolved


async def aggregate_event_types(ctx: OperationContext) -> BackgroundTaskRow:
    """Start listing, per application with endpoints, the event types its endpoints name in
    their filters and whether one of them takes every event type."""
    usage = ctx.db.usage

    async def work() -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        after = ""
        while page := await usage.application_page(after, APPS_PER_PAGE):
            subscribed = await usage.subscriptions([a.id for a in page])
            found += [
                {
                    "appId": a.id,
                    "explicitlySubscribedEventTypes": list(subscribed[a.id].event_types),
                    "hasCatchAllEndpoint": subscribed[a.id].catch_all,
                }
                for a in page
                if a.id in subscribed
            ]
            after = page[-1].id
        return {"event_types": found}

    return await start_background_task(ctx.background, EVENT_TYPES, work)
