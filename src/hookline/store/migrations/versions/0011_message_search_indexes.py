"""Indexes for message searches that match little: by event type, and by delivery status.

`ix_deliveries_msg_status` replaces `ix_deliveries_msg` (the same lookups by message, now with
the status in the index), so deliveries keep the same number of indexes.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_app_type", "messages", ["app_id", "event_type", "id"])
    op.create_index("ix_deliveries_msg_status", "deliveries", ["msg_id", "status"])
    op.drop_index("ix_deliveries_msg", "deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_msg", "deliveries", ["msg_id"])
    op.drop_index("ix_deliveries_msg_status", "deliveries")
    op.drop_index("ix_messages_app_type", "messages")
