"""The headers each attempt sent and received; indexes of the failed deliveries.

Both header columns are NULL for attempts recorded before (shown as "not recorded") and once
retention or expunge removed the attempt's content. The partial indexes give the dashboard's
failed deliveries, across applications and of one, newest first without a sort.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# DeliveryStatus.FAIL, as a literal: a migration must not change when the code does.
FAILED = "status = 2"
HeadersJson = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.add_column("attempts", sa.Column("request_headers", HeadersJson, nullable=True))
    op.add_column("attempts", sa.Column("response_headers", HeadersJson, nullable=True))
    for name, columns in (
        ("ix_deliveries_failed", ["id"]),
        ("ix_deliveries_app_failed", ["app_id", "id"]),
    ):
        op.create_index(
            name,
            "deliveries",
            columns,
            sqlite_where=sa.text(FAILED),
            postgresql_where=sa.text(FAILED),
        )


def downgrade() -> None:
    op.drop_index("ix_deliveries_app_failed", "deliveries")
    op.drop_index("ix_deliveries_failed", "deliveries")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("response_headers")
        batch.drop_column("request_headers")
