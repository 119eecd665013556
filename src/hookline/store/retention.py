"""Removing content: message payloads and receivers' response bodies, on request (expunge)
and once they are older than the retention period.

What goes is content; what stays is the record: the message row (id, event type, channels,
times), its deliveries and its attempts (status, status code, duration, failure kind). A
payload becomes NULL; an attempt's stored response body becomes "EXPUNGED", as in Svix, and
the headers it sent and received become NULL. (An attempt without a response keeps its text:
Hookline's own description of the failure.)

The retention pass works in small batches, each its own short transaction, walking the
primary key (ids sort by creation time, so "older than" is an id range) from where the
previous pass of this process ended. On PostgreSQL several processes may run it at once:
each batch skips rows another one has locked (`FOR UPDATE SKIP LOCKED`), and setting a value
that is already set changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.errors import NotFound
from hookline.store.lookups import find_message
from hookline.store.rows import RemovedContent
from hookline.store.schema import attempts, messages

if TYPE_CHECKING:
    from hookline.store.connections import Connections

EXPUNGED = "EXPUNGED"  # what a removed response body reads (Svix's word for it)
BATCH = 500
PAUSE_SECONDS = 0.02  # between batches: lets the publish path and the worker write


def stored_response() -> sa.ColumnElement[bool]:
    """The attempt holds content: a receiver's response body (not Hookline's own failure
    text), or the headers it sent and received."""
    a = attempts
    return sa.or_(
        sa.and_(a.c.response_status_code != 0, a.c.response != "", a.c.response != EXPUNGED),
        a.c.request_headers.is_not(None),
        a.c.response_headers.is_not(None),
    )


def removed_response() -> dict[str, Any]:
    """What an attempt holds once its content is removed: "EXPUNGED" for a receiver's answer
    (even an empty one: its headers went with it), no headers."""
    a = attempts
    return {
        "response": sa.case((a.c.response_status_code != 0, EXPUNGED), else_=a.c.response),
        "request_headers": None,
        "response_headers": None,
    }


class Retention:
    def __init__(self, db: Connections) -> None:
        self.db = db
        # Per table: ids below this were all handled by an earlier pass of this process.
        self._done_below: dict[str, str] = {}

    async def expunge_message(self, app: str, msg: str) -> None:
        """Remove a message's payload and the response bodies of its attempts."""
        m, a = messages, attempts
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            row = await find_message(conn, app_id, msg)
            await conn.execute(m.update().where(m.c.id == row.id).values(payload=None))
            await conn.execute(
                a.update()
                .where(a.c.app_id == app_id, a.c.msg_id == row.id, stored_response())
                .values(removed_response())
            )

    async def expunge_attempt(self, app: str, msg: str, attempt: str) -> None:
        """Remove one attempt's response body."""
        a = attempts
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            row = await find_message(conn, app_id, msg)
            found = (
                await conn.execute(
                    sa.select(a.c.id, a.c.response_status_code).where(
                        a.c.app_id == app_id, a.c.msg_id == row.id, a.c.id == attempt
                    )
                )
            ).first()
            if found is None:
                raise NotFound("attempt", attempt)
            await conn.execute(
                a.update().where(a.c.id == found.id, stored_response()).values(removed_response())
            )

    async def remove_content_before(self, cutoff_ms: int, stop: asyncio.Event) -> RemovedContent:
        """One retention pass: payloads of messages and response bodies of attempts created
        before `cutoff_ms`. Returns how many of each were removed."""
        m, a = messages, attempts
        return RemovedContent(
            payloads=await self._clear(
                m, m.c.payload.is_not(None), {"payload": None}, ids.MESSAGE, cutoff_ms, stop
            ),
            responses=await self._clear(
                a, stored_response(), removed_response(), ids.ATTEMPT, cutoff_ms, stop
            ),
        )

    async def remove_expired_payloads(self, now: int, stop: asyncio.Event) -> int:
        """Payloads of messages that asked for a shorter keep than the server's
        (`payloadRetentionPeriod` / `payloadRetentionHours`) and whose time has come, found
        through their partial index; returns how many. The messages stay."""
        m = messages
        total = 0
        while not stop.is_set():
            batch = (
                sa.select(m.c.id)
                .where(
                    m.c.payload_expires_at.is_not(None),
                    m.c.payload.is_not(None),
                    m.c.payload_expires_at < now,
                )
                .order_by(m.c.payload_expires_at)
                .limit(BATCH)
            )
            if self.db.dialect != "sqlite":
                batch = batch.with_for_update(skip_locked=True)
            async with self.db.write(durable=False) as conn:
                done = len(
                    (
                        await conn.execute(
                            m.update()
                            .where(m.c.id.in_(batch.scalar_subquery()))
                            .values(payload=None)
                            .returning(m.c.id)
                        )
                    ).all()
                )
            total += done
            if done < BATCH:
                break
            await asyncio.sleep(PAUSE_SECONDS)
        return total

    async def _clear(
        self,
        table: sa.Table,
        holds_content: sa.ColumnElement[bool],
        cleared: dict[str, Any],
        prefix: str,
        cutoff_ms: int,
        stop: asyncio.Event,
    ) -> int:
        boundary = ids.lowest_id(prefix, cutoff_ms)
        cursor = self._done_below.get(table.name, "")
        total = 0
        while not stop.is_set():
            batch = (
                sa.select(table.c.id)
                .where(table.c.id > cursor, table.c.id < boundary, holds_content)
                .order_by(table.c.id)
                .limit(BATCH)
            )
            if self.db.dialect != "sqlite":
                batch = batch.with_for_update(skip_locked=True)
            async with self.db.write(durable=False) as conn:
                done = list(
                    (
                        await conn.execute(
                            table.update()
                            .where(table.c.id.in_(batch.scalar_subquery()))
                            .values(cleared)
                            .returning(table.c.id)
                        )
                    ).scalars()
                )
            total += len(done)
            if len(done) < BATCH:
                self._done_below[table.name] = max(boundary, cursor)
                break
            cursor = max(done)
            await asyncio.sleep(PAUSE_SECONDS)
        return total
