"""The `tag` filter of message and attempt lists: messages carrying a tag, found through the
`message_tags` table's primary key (application, tag, message) on both stores."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hookline.store.schema import message_tags


def tagged(app_id: str, msg_id: sa.ColumnElement[Any], tag: str) -> sa.ColumnElement[bool]:
    """The message `msg_id` (a column holding message ids) carries `tag`."""
    mt = message_tags
    return msg_id.in_(sa.select(mt.c.msg_id).where(mt.c.app_id == app_id, mt.c.tag == tag))
