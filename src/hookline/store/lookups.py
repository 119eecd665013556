"""Finding a message or an endpoint of an application by any of its keys, as every route
accepts them: a message by id or `eventId`, an endpoint by id or `uid`.

A key with the shape of an id (`ids.looks_like_id`) is matched against the id column only,
any other key against the caller-chosen column only: a uid or eventId can never answer for
an id, so a key names at most one row, whatever the rows hold.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.errors import InvalidKey, NotFound
from hookline.store.schema import endpoints, messages


def by_key(id_column: Any, chosen_column: Any, key: str) -> Any:
    """The condition "this row is the one `key` names"."""
    return id_column == key if ids.looks_like_id(key) else chosen_column == key


_PATH_KINDS = {"app_id": "application", "endpoint_id": "endpoint"}


def refuse_id_shaped(value: str | None, what: str, loc: tuple[str, ...]) -> None:
    """A caller-chosen key (uid, eventId) may not have the shape of an id. `loc` starting
    with "path": the key is a path's, about to name a new object (a PUT, or a publish or
    token request that creates its application). An id-shaped path key is an id, and nothing
    has it: not found (404), like the same key on a GET, and not an invalid request."""
    if value is None or not ids.looks_like_id(value):
        return
    if loc[0] == "path":
        raise NotFound(
            _PATH_KINDS.get(loc[-1], "resource"),
            value,
            "ids are assigned by Hookline, so it cannot be created; a new object is named by a "
            "uid, which may not have the shape of an id (a prefix such as app_ or ep_ followed "
            "by 22 letters and digits)",
        )
    raise InvalidKey(
        f"{what} {value!r} has the shape of a Hookline id; ids are assigned by Hookline, "
        f"so a {what} may not look like one (a prefix such as app_ or ep_ followed by 22 "
        "letters and digits)",
        loc,
    )


async def find_message(conn: AsyncConnection, app_id: str, key: str, *columns: Any) -> Any:
    """The message's row (`columns`, by default its id); NotFound if there is none."""
    m = messages
    row = (
        await conn.execute(
            sa.select(*(columns or (m.c.id,))).where(
                m.c.app_id == app_id, by_key(m.c.id, m.c.event_id, key)
            )
        )
    ).first()
    if row is None:
        raise NotFound("message", key)
    return row


async def find_endpoint(conn: AsyncConnection, app_id: str, key: str, *columns: Any) -> Any:
    """The endpoint's row (`columns`, by default its id); NotFound if there is none."""
    e = endpoints
    row = (
        await conn.execute(
            sa.select(*(columns or (e.c.id,))).where(
                e.c.app_id == app_id, by_key(e.c.id, e.c.uid, key)
            )
        )
    ).first()
    if row is None:
        raise NotFound("endpoint", key)
    return row
