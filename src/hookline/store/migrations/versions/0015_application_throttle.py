"""Application-level throttling: `applications.next_send_at`, the application's next free send
slot, shared by all workers (as `endpoints.next_send_at` is for an endpoint's rate).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("next_send_at", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("next_send_at")
