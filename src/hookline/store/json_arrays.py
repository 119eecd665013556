"""Filtering rows by an element of a JSON array column (a message's channels), in SQL.

In SQL rather than after reading a page, so that a filtered page is as full as `limit` allows
and `done` is true only at the end. Each store has its own spelling: PostgreSQL's jsonb
containment (`@>`), SQLite's `json_each`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def array_has(dialect: str, column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    """`column` (a JSON array, or NULL) contains the string `value`."""
    if dialect == "postgresql":
        return sa.type_coerce(column, JSONB).contains([value])
    elements = sa.func.json_each(column).table_valued("value")
    return sa.select(sa.literal(1)).select_from(elements).where(elements.c.value == value).exists()
