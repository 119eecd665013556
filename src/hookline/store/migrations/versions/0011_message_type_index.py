"""An index for message searches by event type (newest first, without reading other types).

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


def downgrade() -> None:
    op.drop_index("ix_messages_app_type", "messages")
