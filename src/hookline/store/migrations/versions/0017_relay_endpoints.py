"""Relay endpoints (`hookline listen`): `endpoints.kind` ('http' or 'relay'), and the relay's
owner: the worker whose process holds the listener's WebSocket, until a heartbeat expiry.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "endpoints",
        sa.Column("kind", sa.String(16), nullable=False, server_default="http"),
    )
    op.add_column("endpoints", sa.Column("relay_owner", sa.String(80), nullable=True))
    op.add_column("endpoints", sa.Column("relay_owner_until", sa.BigInteger, nullable=True))
    # The claim query asks which relay endpoints other workers hold: only relay rows indexed.
    op.create_index(
        "ix_endpoints_relay",
        "endpoints",
        ["id"],
        sqlite_where=sa.text("kind = 'relay'"),
        postgresql_where=sa.text("kind = 'relay'"),
    )


def downgrade() -> None:
    op.drop_index("ix_endpoints_relay", table_name="endpoints")
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("relay_owner_until")
        batch.drop_column("relay_owner")
        batch.drop_column("kind")
