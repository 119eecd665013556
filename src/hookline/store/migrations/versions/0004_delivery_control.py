"""Delivery control: endpoint health (failure streak, circuit breaker, disabling), FIFO
endpoints and throttling slots.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(
            sa.Column("failure_streak", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("failing_since", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("circuit_until", sa.BigInteger, nullable=True))
        batch.add_column(
            sa.Column("circuit_failures", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("disabled_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("fifo", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("next_send_at", sa.BigInteger, nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("fifo", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_deliveries_fifo_head", "deliveries", ["endpoint_id", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_fifo_head", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("fifo")
    with op.batch_alter_table("endpoints") as batch:
        for column in (
            "next_send_at",
            "fifo",
            "disabled_reason",
            "circuit_failures",
            "circuit_until",
            "failing_since",
            "failure_streak",
        ):
            batch.drop_column(column)
