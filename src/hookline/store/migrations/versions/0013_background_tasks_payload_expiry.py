"""Background tasks, and per-message payload retention.

`background_tasks` records every long operation (Svix's `qtask_…`); `messages.payload_expires_at`
is when a message that asked for a shorter keep (`payloadRetentionPeriod` /
`payloadRetentionHours`) loses its payload, with a partial index of the ones still holding it.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
DUE = "payload_expires_at IS NOT NULL AND payload IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "background_tasks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("app_id", sa.String(40), nullable=True),
        sa.Column("data", Json, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("heartbeat_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_background_tasks_status", "background_tasks", ["status", "id"])
    op.create_index("ix_background_tasks_task", "background_tasks", ["task", "id"])
    op.add_column("messages", sa.Column("payload_expires_at", sa.BigInteger, nullable=True))
    op.create_index(
        "ix_messages_payload_expiry",
        "messages",
        ["payload_expires_at"],
        sqlite_where=sa.text(DUE),
        postgresql_where=sa.text(DUE),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_payload_expiry", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("payload_expires_at")
    op.drop_index("ix_background_tasks_task", "background_tasks")
    op.drop_index("ix_background_tasks_status", "background_tasks")
    op.drop_table("background_tasks")
