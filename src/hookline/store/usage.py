"""Usage across applications, for Svix's statistics aggregation tasks: attempts made per
application (`aggregate_app_stats`, from the hourly attempt counters) and the event types
each application's endpoints subscribe to (`aggregate_event_types`).

Applications are walked a page at a time by id, so neither task holds a long read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline import ids
from hookline.stat_buckets import Period
from hookline.store.schema import applications, attempt_stats, endpoints

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t, s, e = applications, attempt_stats, endpoints


@dataclass(frozen=True, slots=True)
class AppKey:
    id: str
    uid: str | None


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """What an application's endpoints subscribe to: the event types named in their
    filters, and whether any endpoint takes every event type (no filter)."""

    event_types: tuple[str, ...]
    catch_all: bool


class Usage:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def resolve(self, keys: Sequence[str]) -> dict[str, AppKey]:
        """The applications that `keys` (ids or uids) name, by key; keys naming none are
        left out."""
        by_id = [k for k in keys if ids.looks_like_id(k)]
        by_uid = [k for k in keys if not ids.looks_like_id(k)]
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(t.c.id, t.c.uid).where(sa.or_(t.c.id.in_(by_id), t.c.uid.in_(by_uid)))
                )
            ).all()
        found: dict[str, AppKey] = {}
        for row in rows:
            for key in (row.id, row.uid):
                if key is not None and key in keys:
                    found[key] = AppKey(row.id, row.uid)
        return found

    async def application_page(self, after: str, limit: int) -> list[AppKey]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(t.c.id, t.c.uid).where(t.c.id > after).order_by(t.c.id).limit(limit)
            )
            return [AppKey(r.id, r.uid) for r in rows]

    async def attempts_made(
        self, app_ids: Sequence[str], start_ms: int, end_ms: int
    ) -> dict[str, int]:
        """Attempts per application in the hourly buckets starting in [start, end) (the
        primary key's prefix: application, period, bucket); applications without any are
        left out."""
        if not app_ids:
            return {}
        total = sa.func.sum(s.c.success + s.c.failure)
        query = (
            sa.select(s.c.app_id, total.label("total"))
            .where(
                s.c.app_id.in_(list(app_ids)),
                s.c.period == int(Period.ONE_HOUR),
                s.c.bucket_start >= start_ms,
                s.c.bucket_start < end_ms,
            )
            .group_by(s.c.app_id)
        )
        async with self.db.read() as conn:
            return {r.app_id: int(r.total) for r in await conn.execute(query) if r.total}

    async def subscriptions(self, app_ids: Sequence[str]) -> dict[str, Subscriptions]:
        """Per application with endpoints, what they subscribe to (by ix_endpoints_app)."""
        if not app_ids:
            return {}
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(e.c.app_id, e.c.event_types).where(e.c.app_id.in_(list(app_ids)))
            )
            named: dict[str, set[str]] = {}
            catch_all: dict[str, bool] = {}
            for row in rows:
                types = row.event_types or []
                named.setdefault(row.app_id, set()).update(types)
                catch_all[row.app_id] = catch_all.get(row.app_id, False) or not types
        return {
            app_id: Subscriptions(tuple(sorted(types)), catch_all[app_id])
            for app_id, types in named.items()
        }
