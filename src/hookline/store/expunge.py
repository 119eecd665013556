"""Removing the content of many messages at once: Svix's `message.bulk_expunge_content`
(the messages named) and `message.expunge_all_contents` (every message of an application).

What goes is what `Retention.expunge_message` removes for one message: the payload, and the
response bodies and headers its attempts stored. Both work in batches of BATCH messages, each
its own short transaction, pausing between batches, so that SQLite's single writer is never
held for long and publishing and the worker go on meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.retention import BATCH, PAUSE_SECONDS, removed_response, stored_response
from hookline.store.schema import attempts, messages

if TYPE_CHECKING:
    from hookline.store.connections import Connections

m, a = messages, attempts


class Expunge:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def app_id(self, app: str) -> str:
        async with self.db.read() as conn:
            return await resolve_app_id(conn, app)

    async def messages(self, app: str, keys: Sequence[str]) -> dict[str, bool]:
        """Remove the content of the messages named by `keys` (ids or eventIds); per key,
        whether it named a message of the application."""
        app_id = await self.app_id(app)
        found: dict[str, bool] = dict.fromkeys(keys, False)
        distinct = list(found)
        for first in range(0, len(distinct), BATCH):
            chunk = distinct[first : first + BATCH]
            # A key of an id's shape is only ever an id (see ids.looks_like_id).
            by_id = [k for k in chunk if ids.looks_like_id(k)]
            by_event_id = [k for k in chunk if not ids.looks_like_id(k)]
            async with self.db.write() as conn:
                rows = (
                    await conn.execute(
                        sa.select(m.c.id, m.c.event_id).where(
                            m.c.app_id == app_id,
                            sa.or_(m.c.id.in_(by_id), m.c.event_id.in_(by_event_id)),
                        )
                    )
                ).all()
                msg_ids = [r.id for r in rows]
                for r in rows:
                    for key in (r.id, r.event_id):
                        if key in found:
                            found[key] = True
                await _remove_content(conn, app_id, msg_ids)
            if first + BATCH < len(distinct):
                await asyncio.sleep(PAUSE_SECONDS)
        return found

    async def all_of_app(self, app_id: str) -> int:
        """Remove the content of every message of the application published until now;
        returns how many payloads were removed."""
        purged = 0
        cursor = ""
        # Messages published from now on keep theirs: the walk ends at this id.
        end = ids.new_id(ids.MESSAGE)
        while True:
            async with self.db.write() as conn:
                batch = list(
                    (
                        await conn.execute(
                            sa.select(m.c.id)
                            .where(m.c.app_id == app_id, m.c.id > cursor, m.c.id < end)
                            .order_by(m.c.id)
                            .limit(BATCH)
                        )
                    ).scalars()
                )
                purged += await _remove_content(conn, app_id, batch)
            if len(batch) < BATCH:
                return purged
            cursor = batch[-1]
            await asyncio.sleep(PAUSE_SECONDS)


async def _remove_content(conn: AsyncConnection, app_id: str, msg_ids: list[str]) -> int:
    """Remove the payloads of these messages and their attempts' content; returns how many
    payloads there were."""
    if not msg_ids:
        return 0
    removed = await conn.execute(
        m.update()
        .where(m.c.id.in_(msg_ids), m.c.payload.is_not(None))
        .values(payload=None)
        .returning(m.c.id)
    )
    count = len(removed.all())
    await conn.execute(
        a.update()
        .where(a.c.app_id == app_id, a.c.msg_id.in_(msg_ids), stored_response())
        .values(removed_response())
    )
    return count
