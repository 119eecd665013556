"""Keys with the shape of an id are only ever ids: clear the uids (applications, endpoints)
and eventIds (messages) that have one.

Such a key could pass for another object's id (an application whose uid is another
application's id). Since this revision a uid or eventId of that shape is refused; rows that
already hold one lose it here and stay reachable by their id. Each change is logged (table,
id, old value) so the operator can tell the owners.

Revision ID: 0005
Revises: 0004
"""

import logging

import sqlalchemy as sa
from alembic import op

from hookline import ids

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("hookline.migrations")
# (table, column the caller chose, what the API calls it)
CHOSEN_KEYS = (
    ("applications", "uid", "uid"),
    ("endpoints", "uid", "uid"),
    ("messages", "event_id", "eventId"),
)


def _id_shaped_rows(conn: sa.Connection, table: str, column: str) -> list[tuple[str, str]]:
    """(id, value) of the rows whose `column` has an id's shape. SQL narrows by prefix and
    length (so a large messages table is not read whole); `looks_like_id` decides."""
    key = sa.column(column, sa.Text)
    candidates = [
        sa.and_(key.like(f"{prefix}\\_%", escape="\\"), sa.func.length(key) == len(prefix) + 23)
        for prefix in ids.ISSUED_PREFIXES
    ]
    query = sa.select(sa.column("id", sa.Text), key).select_from(sa.table(table))
    rows = conn.execute(query.where(sa.or_(*candidates))).all()
    return [(row[0], row[1]) for row in rows if ids.looks_like_id(row[1])]


def upgrade() -> None:
    conn = op.get_bind()
    for table, column, name in CHOSEN_KEYS:
        rows = _id_shaped_rows(conn, table, column)
        for row_id, value in rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = NULL WHERE id = :id"), {"id": row_id}
            )
            log.warning(
                "migration 0005: cleared %s.%s of %s (was %r): a %s may not have the shape "
                "of an id; it stays reachable by its id",
                table,
                column,
                row_id,
                value,
                name,
            )


def downgrade() -> None:
    pass  # the cleared values are in the log; putting them back would reopen the hole
