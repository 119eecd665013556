"""An index for the statistics of all applications at once (the dashboard's Overview).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempt_stats_period", "attempt_stats", ["period", "bucket_start"])


def downgrade() -> None:
    op.drop_index("ix_attempt_stats_period", "attempt_stats")
