"""Reading the attempt log: every HTTP POST Hookline made, with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.errors import NotFound
from hookline.store.json_arrays import array_has
from hookline.store.lookups import find_endpoint, find_message
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import AttemptRow
from hookline.store.schema import attempts, messages
from hookline.store.tag_filter import tagged

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = attempts
m = messages

# The message's fields shown beside an attempt (`with_msg`): never its payload.
_MESSAGE_COLUMNS = (
    m.c.event_type.label("msg_event_type"),
    m.c.event_id.label("msg_event_id"),
    m.c.channels.label("msg_channels"),
    m.c.tags.label("msg_tags"),
    m.c.created_at.label("msg_created_at"),
    m.c.deliver_at.label("msg_deliver_at"),
)


@dataclass(frozen=True)
class AttemptFilter:
    """What an attempt listing keeps. Times are the attempt's, in ms, both bounds exclusive;
    `status_code_class` is 0 (no HTTP response) or the hundred of the response's status;
    `event_types`, `channel` and `tag` are the message's."""

    status: int | None = None
    status_code_class: int | None = None
    before_ms: int | None = None
    after_ms: int | None = None
    event_types: list[str] | None = None
    channel: str | None = None
    tag: str | None = None
    endpoint: str | None = None  # an id or uid; only for a message's attempts
    with_msg: bool = False


def endpoint_attempts(
    dialect: str, app_id: str, endpoint_id: str, f: AttemptFilter
) -> sa.Select[Any]:
    """The endpoint's attempts that `f` keeps (before paging)."""
    query = sa.select(t).where(t.c.app_id == app_id, t.c.endpoint_id == endpoint_id)
    return filtered(dialect, app_id, query, f)


def message_attempts(
    dialect: str, app_id: str, msg_id: str, f: AttemptFilter, endpoint_id: str | None = None
) -> sa.Select[Any]:
    """The message's attempts that `f` keeps (before paging); `endpoint_id` is `f.endpoint`
    resolved."""
    query = sa.select(t).where(t.c.app_id == app_id, t.c.msg_id == msg_id)
    return filtered(dialect, app_id, query, f, endpoint_id)


def filtered(
    dialect: str,
    app_id: str,
    query: sa.Select[Any],
    f: AttemptFilter,
    endpoint_id: str | None = None,
) -> sa.Select[Any]:
    """`query` (over `attempts`) narrowed to what `f` keeps; `endpoint_id` is `f.endpoint`
    resolved. Each condition can be answered from an index: the attempt's time is its id's
    (an attempt id is made from the time the attempt started), so `before` and `after` are
    ranges of the primary-key order the lists page by."""
    if endpoint_id is not None:
        query = query.where(t.c.endpoint_id == endpoint_id)
    if f.status is not None:
        query = query.where(t.c.status == f.status)
    if f.status_code_class == 0:
        query = query.where(t.c.response_status_code == 0)
    elif f.status_code_class is not None:
        low = f.status_code_class
        query = query.where(t.c.response_status_code.between(low, low + 99))
    if f.before_ms is not None:
        before = ids.lowest_id(ids.ATTEMPT, f.before_ms)
        query = query.where(t.c.id < before, t.c.created_at < f.before_ms)
    if f.after_ms is not None:
        after = ids.lowest_id(ids.ATTEMPT, f.after_ms + 1)
        query = query.where(t.c.id >= after, t.c.created_at > f.after_ms)
    if f.tag is not None:
        query = query.where(tagged(app_id, t.c.msg_id, f.tag))
    if f.event_types or f.channel is not None or f.with_msg:
        query = query.join(m, m.c.id == t.c.msg_id)
        if f.with_msg:
            query = query.add_columns(*_MESSAGE_COLUMNS)
        if f.event_types:
            query = query.where(m.c.event_type.in_(f.event_types))
        if f.channel is not None:
            query = query.where(array_has(dialect, m.c.channels, f.channel))
    return query


def _convert(f: AttemptFilter) -> Callable[[sa.Row[Any]], AttemptRow]:
    return AttemptRow.with_message if f.with_msg else AttemptRow.from_row


class Attempts:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def list_by_message(
        self, app: str, msg_id: str, limit: int, iterator: str | None, f: AttemptFilter
    ) -> Page[AttemptRow]:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            msg = await find_message(conn, app_id, msg_id)
            endpoint_id = None
            if f.endpoint is not None:
                endpoint_id = (await find_endpoint(conn, app_id, f.endpoint)).id
            query = message_attempts(conn.dialect.name, app_id, msg.id, f, endpoint_id)
            return await fetch_page(conn, query, t.c.id, limit, iterator, True, _convert(f))

    async def list_by_endpoint(
        self, app: str, endpoint: str, limit: int, iterator: str | None, f: AttemptFilter
    ) -> Page[AttemptRow]:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep_id = (await find_endpoint(conn, app_id, endpoint)).id
            query = endpoint_attempts(conn.dialect.name, app_id, ep_id, f)
            return await fetch_page(conn, query, t.c.id, limit, iterator, True, _convert(f))

    async def get(self, app: str, msg_id: str, attempt_id: str) -> AttemptRow:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            row = (
                await conn.execute(sa.select(t).where(t.c.app_id == app_id, t.c.id == attempt_id))
            ).first()
        if row is None or msg_id not in (row.msg_id,):
            raise NotFound("attempt", attempt_id)
        return AttemptRow.from_row(row)

    async def latest_by_endpoint(
        self, app_id: str, endpoint_ids: list[str]
    ) -> dict[str, AttemptRow]:
        """Each endpoint's most recent attempt (one `max(id)` probe of ix_attempts_endpoint per
        endpoint); endpoints never attempted are left out."""
        if not endpoint_ids:
            return {}
        latest = [
            sa.select(sa.func.max(t.c.id))
            .where(t.c.app_id == app_id, t.c.endpoint_id == endpoint_id)
            .scalar_subquery()
            for endpoint_id in endpoint_ids
        ]
        query = sa.select(t).where(t.c.id.in_(latest))
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        found = (AttemptRow.from_row(row) for row in rows)
        return {row.endpoint_id: row for row in found}
