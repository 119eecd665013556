"""Keeping messages for disabled endpoints, per endpoint.

`endpoints.keep_messages_while_disabled`: whether messages published while the endpoint is
disabled get a (parked) delivery that is sent once it is enabled again; NULL follows the
server's HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("endpoints", sa.Column("keep_messages_while_disabled", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("keep_messages_while_disabled")
