"""A batch of rows as one PostgreSQL statement: `unnest` over one array parameter per column.

`UPDATE … FROM (VALUES (…), (…))` or a multi-row INSERT has a different text for every batch
size: SQLAlchemy compiles it again (for a few hundred rows that costs more than running it)
and the driver prepares it again. With arrays the text is the same for every batch, so it is
compiled and prepared once, and the batch is still one statement and one round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def unnest_sql(columns: Sequence[sa.Column[Any]], alias: str = "v") -> str:
    """`unnest(CAST(:c AS type[]), …) AS alias(c, …)`, a parameter per column named after it."""
    arrays = ", ".join(f"CAST(:{c.name} AS {c.type.compile(dialect=_DIALECT)}[])" for c in columns)
    names = ", ".join(c.name for c in columns)
    return f"unnest({arrays}) AS {alias}({names})"


def column_arrays(
    columns: Sequence[sa.Column[Any]], rows: Sequence[Mapping[str, Any]]
) -> dict[str, list[Any]]:
    """The rows' values by column, as `unnest_sql`'s parameters."""
    return {c.name: [row[c.name] for row in rows] for c in columns}
