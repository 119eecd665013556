"""Payload validation per event type: `event_types.validate`, whether a message's payload must
match the event type's current JSON Schema to be published.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "event_types",
        sa.Column("validate", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("event_types") as batch:
        batch.drop_column("validate")
