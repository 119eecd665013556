"""Scheduled messages, message tags and retry schedules per event type: each message's
`deliver_at`, a table of message tags for the `tag` filters, each event type's
`retry_schedule`, and an index for the `status` filter of an endpoint's attempts.

Messages published before this revision had no tags (they were refused), so the tag table
starts empty.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("deliver_at", sa.BigInteger, nullable=True))
    with op.batch_alter_table("event_types") as batch:
        batch.add_column(
            sa.Column(
                "retry_schedule",
                sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
                nullable=True,
            )
        )
    op.create_table(
        "message_tags",
        sa.Column("app_id", sa.String(40), primary_key=True),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column(
            "msg_id",
            sa.String(40),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_message_tags_msg", "message_tags", ["msg_id"])
    op.create_index(
        "ix_attempts_endpoint_status", "attempts", ["app_id", "endpoint_id", "status", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_attempts_endpoint_status", "attempts")
    op.drop_index("ix_message_tags_msg", "message_tags")
    op.drop_table("message_tags")
    with op.batch_alter_table("event_types") as batch:
        batch.drop_column("retry_schedule")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("deliver_at")
