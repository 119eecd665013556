"""Numbering each application's messages in commit order, for polling (events, poller).

Message ids sort by the time they were made, not the time they were committed: on PostgreSQL
two processes can commit in the other order, and a reader that had moved past the later id
would never see the earlier one. So each publish also takes numbers from its application's
row in `app_message_sequences`: the update locks that row until the publish commits, so
whoever takes higher numbers commits after whoever took lower ones, and a cursor over the
numbers never skips a message. (On SQLite there is one writer at a time anyway.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.schema import app_message_sequences

s = app_message_sequences


async def take_numbers(conn: AsyncConnection, counts: dict[str, int]) -> dict[str, int]:
    """Reserve `counts[app]` consecutive numbers per application; the first of each. The
    rows are locked until the transaction ends, in a fixed order so that two batches of
    several applications cannot deadlock."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    first: dict[str, int] = {}
    for app_id in sorted(counts):
        count = counts[app_id]
        insert = dialect.insert(s).values(app_id=app_id, last_seq=count)
        statement = insert.on_conflict_do_update(
            index_elements=[s.c.app_id], set_={"last_seq": s.c.last_seq + count}
        ).returning(s.c.last_seq)
        last = (await conn.execute(statement)).scalar_one()
        first[app_id] = int(last) - count + 1
    return first


def last_number(app_id: str) -> sa.Select[Any]:
    """The highest number given out in the application (none yet: no row)."""
    return sa.select(s.c.last_seq).where(s.c.app_id == app_id)
