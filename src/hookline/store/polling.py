"""Reading an application's messages as a stream, in commit order (`messages.seq`): the
events API, polling endpoints, and their consumers' durable cursors.

A position is the `seq` of the last message read (0: before the first). Every read looks up
the application's last committed number *before* it reads the messages: everything up to
that number is then visible to the read, so a page that matches nothing can still move the
position past what it scanned, and nothing behind a position ever appears later (see
message_sequence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.json_arrays import array_has
from hookline.store.lookups import find_endpoint
from hookline.store.message_sequence import last_number
from hookline.store.rows import MessageRow
from hookline.store.schema import endpoints, messages, poller_consumers

if TYPE_CHECKING:
    from hookline.store.connections import Connections

m = messages
c = poller_consumers


@dataclass(frozen=True, slots=True)
class StreamFilter:
    """Which messages of the stream a reader wants; empty: all."""

    event_types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()  # messages carrying at least one of them
    # Narrowing a polling endpoint's filters further (the poll's `event_type`, `channel`).
    event_type: str | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class StreamPage:
    items: list[MessageRow]
    position: int  # where the next read starts (after this number)
    done: bool  # nothing more was there to read


@dataclass(frozen=True, slots=True)
class Sink:
    """A polling endpoint: an endpoint of the application, read through its filters."""

    app_id: str
    endpoint_id: str
    filter: StreamFilter


async def _read_page(
    conn: AsyncConnection, app_id: str, position: int, limit: int, wanted: StreamFilter
) -> StreamPage:
    committed = (await conn.execute(last_number(app_id))).scalar() or 0
    query = sa.select(m).where(m.c.app_id == app_id, m.c.seq > position)
    if wanted.event_types:
        query = query.where(m.c.event_type.in_(wanted.event_types))
    if wanted.event_type is not None:
        query = query.where(m.c.event_type == wanted.event_type)
    dialect = conn.dialect.name
    if wanted.channels:
        query = query.where(
            sa.or_(*(array_has(dialect, m.c.channels, ch) for ch in wanted.channels))
        )
    if wanted.channel is not None:
        query = query.where(array_has(dialect, m.c.channels, wanted.channel))
    rows = list((await conn.execute(query.order_by(m.c.seq).limit(limit + 1))).all())
    more = len(rows) > limit
    items = [MessageRow.from_row(row) for row in rows[:limit]]
    if more:
        end = items[-1].seq or position
    else:
        # Everything up to `committed` was visible to the read and scanned.
        end = max([committed, position, *(item.seq or 0 for item in items)])
    return StreamPage(items, end, not more)


async def _position_after(conn: AsyncConnection, app_id: str, after_ms: int) -> int:
    """The position just before the first message published after `after_ms`: reading from
    it gives the messages published after that time (and those committed later)."""
    first = (
        await conn.execute(
            sa.select(sa.func.min(m.c.seq)).where(
                m.c.app_id == app_id, m.c.id >= ids.lowest_id(ids.MESSAGE, after_ms + 1)
            )
        )
    ).scalar()
    if first is not None:
        return int(first) - 1
    return int((await conn.execute(last_number(app_id))).scalar() or 0)


class Polling:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def read(
        self,
        app: str,
        position: int | None,
        limit: int,
        wanted: StreamFilter,
        after_ms: int | None = None,
    ) -> StreamPage:
        """A page of the stream after `position`; without one, after `after_ms` (a time), or
        from the oldest message kept."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            if position is None:
                position = 0 if after_ms is None else await _position_after(conn, app_id, after_ms)
            return await _read_page(conn, app_id, position, limit, wanted)

    async def sink(self, app: str, endpoint: str) -> Sink:
        """The polling endpoint `endpoint` (id or uid) of the application."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            e = endpoints
            row = await find_endpoint(conn, app_id, endpoint, e.c.id, e.c.event_types, e.c.channels)
        return Sink(
            app_id, row.id, StreamFilter(tuple(row.event_types or ()), tuple(row.channels or ()))
        )

    async def consume(
        self, sink: Sink, consumer: str, limit: int, position: int | None = None
    ) -> StreamPage:
        """The consumer's next page, from its cursor (or from `position`), and the cursor
        moved past it, in one transaction: two reads by the same consumer never get the same
        messages. A new consumer starts before the oldest message kept."""
        async with self.db.write() as conn:
            if position is None:
                position = await _locked_cursor(
                    conn, sink.endpoint_id, consumer, self.db.clock.now_ms()
                )
            page = await _read_page(conn, sink.app_id, position, limit, sink.filter)
            await _save_cursor(
                conn, sink.endpoint_id, consumer, page.position, self.db.clock.now_ms()
            )
        return page

    async def seek(self, sink: Sink, consumer: str, after_ms: int) -> int:
        """Move the consumer's cursor so that it next reads the messages published after
        `after_ms`; the new position."""
        async with self.db.write() as conn:
            position = await _position_after(conn, sink.app_id, after_ms)
            await _save_cursor(conn, sink.endpoint_id, consumer, position, self.db.clock.now_ms())
        return position


def _dialect(conn: AsyncConnection) -> Any:
    return sqlite if conn.dialect.name == "sqlite" else postgresql


async def _locked_cursor(conn: AsyncConnection, endpoint_id: str, consumer: str, now: int) -> int:
    new = {"endpoint_id": endpoint_id, "consumer_id": consumer, "position": 0}
    await conn.execute(
        _dialect(conn)
        .insert(c)
        .values(**new, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[c.c.endpoint_id, c.c.consumer_id])
    )
    query = sa.select(c.c.position).where(
        c.c.endpoint_id == endpoint_id, c.c.consumer_id == consumer
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()  # the consumer's concurrent reads wait for this one
    return int((await conn.execute(query)).scalar_one())


async def _save_cursor(
    conn: AsyncConnection, endpoint_id: str, consumer: str, position: int, now: int
) -> None:
    insert = (
        _dialect(conn)
        .insert(c)
        .values(
            endpoint_id=endpoint_id,
            consumer_id=consumer,
            position=position,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        insert.on_conflict_do_update(
            index_elements=[c.c.endpoint_id, c.c.consumer_id],
            set_={"position": insert.excluded.position, "updated_at": now},
        )
    )
