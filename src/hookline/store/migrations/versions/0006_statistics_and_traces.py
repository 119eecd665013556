"""Delivery statistics and trace context: the pre-aggregated attempt counters, an index for
endpoint statistics, and the publish's trace context kept with each message.

Counters start from zero for the attempts recorded from this revision on; `hookline` does
not rebuild them from an existing attempt log here (a long table scan inside a migration).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Fixed here, not imported: a migration describes the schema as it was at this revision.
LATENCY_BUCKETS = 13


def upgrade() -> None:
    op.create_table(
        "attempt_stats",
        sa.Column("app_id", sa.String(40), primary_key=True),
        sa.Column("period", sa.SmallInteger, primary_key=True),
        sa.Column("bucket_start", sa.BigInteger, primary_key=True),
        sa.Column("endpoint_id", sa.String(40), primary_key=True),
        sa.Column("success", sa.BigInteger, nullable=False),
        sa.Column("failure", sa.BigInteger, nullable=False),
        *(sa.Column(f"latency_{i}", sa.BigInteger, nullable=False) for i in range(LATENCY_BUCKETS)),
    )
    op.create_index(
        "ix_attempt_stats_endpoint", "attempt_stats", ["endpoint_id", "period", "bucket_start"]
    )
    op.create_index(
        "ix_deliveries_endpoint_created", "deliveries", ["endpoint_id", "created_at", "status"]
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("trace_context", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("trace_context")
    op.drop_index("ix_deliveries_endpoint_created", "deliveries")
    op.drop_index("ix_attempt_stats_endpoint", "attempt_stats")
    op.drop_table("attempt_stats")
