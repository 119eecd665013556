"""A partial index of the FIFO endpoints' unfinished deliveries, for the claim's FIFO branch;
and no `ix_deliveries_endpoint` (endpoint_id, status), a prefix of `ix_deliveries_fifo_head`
(endpoint_id, status, id), which serves the same lookups: one index fewer to keep up on every
claim and record.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_fifo_waiting",
        "deliveries",
        ["endpoint_id"],
        sqlite_where=sa.text("fifo = 1 AND status IN (1, 3)"),
        postgresql_where=sa.text("fifo AND status IN (1, 3)"),
    )
    op.drop_index("ix_deliveries_endpoint", "deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_endpoint", "deliveries", ["endpoint_id", "status"])
    op.drop_index("ix_deliveries_fifo_waiting", "deliveries")
