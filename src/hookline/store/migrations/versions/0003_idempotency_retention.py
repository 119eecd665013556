"""Idempotency keys; an index for listing and recovering an endpoint's deliveries.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key_hash", sa.LargeBinary(16), primary_key=True),
        sa.Column("fingerprint", sa.LargeBinary(16), nullable=False),
        sa.Column("status_code", sa.SmallInteger, nullable=True),
        sa.Column("content_type", sa.String(128), nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_idempotency_keys_expires", "idempotency_keys", ["expires_at"])
    op.create_index("ix_deliveries_endpoint_msg", "deliveries", ["endpoint_id", "msg_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_endpoint_msg", table_name="deliveries")
    op.drop_table("idempotency_keys")
