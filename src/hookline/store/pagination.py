"""Cursor pagination over time-sortable ids, in Svix's shape.

`iterator` is the last key of a page: the next page starts after it. `prevIterator` is the
first key prefixed with `~`: passing it back walks the other way. (`~` cannot start an id, a
uid or an event type name, so the two kinds of cursor never mix.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
BACKWARDS = "~"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    iterator: str | None
    prev_iterator: str | None
    done: bool


def page_query(
    query: sa.Select[Any],
    key: sa.ColumnElement[str],
    limit: int,
    iterator: str | None,
    descending: bool,
) -> sa.Select[Any]:
    """The statement `fetch_page` runs: `query` after the cursor, in `key` order, one row more
    than `limit` (to tell whether another page follows)."""
    backwards = bool(iterator) and iterator.startswith(BACKWARDS)  # type: ignore[union-attr]
    cursor = iterator[1:] if backwards and iterator else iterator
    scan_descending = descending != backwards
    if cursor:
        query = query.where(key < cursor if scan_descending else key > cursor)
    return query.order_by(key.desc() if scan_descending else key.asc()).limit(limit + 1)


async def fetch_page(
    conn: AsyncConnection,
    query: sa.Select[Any],
    key: sa.ColumnElement[str],
    limit: int,
    iterator: str | None,
    descending: bool,
    convert: Callable[[sa.Row[Any]], T],
) -> Page[T]:
    """One page of `query` ordered by `key`, each row made an item by `convert`."""
    backwards = bool(iterator) and iterator.startswith(BACKWARDS)  # type: ignore[union-attr]
    cursor = iterator[1:] if backwards and iterator else iterator
    query = page_query(query, key, limit, iterator, descending)
    rows = list((await conn.execute(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    key_name = key.key
    first = rows[0]._mapping[key_name] if rows else None
    last = rows[-1]._mapping[key_name] if rows else None
    return Page(
        items=[convert(row) for row in rows],
        iterator=last if rows else cursor if not backwards else None,
        prev_iterator=f"{BACKWARDS}{first}" if rows else None,
        done=not more if not backwards else False,
    )
