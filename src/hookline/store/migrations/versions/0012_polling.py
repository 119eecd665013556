"""Polling: each message's place in its application's stream, the consumers' cursors, and
application tokens limited to one polling endpoint.

`messages.seq` numbers an application's messages in commit order (1, 2, 3, … per
application, from `app_message_sequences`, whose row a publish locks until it commits), so a
cursor that has read up to a number can never miss a message committed later with a lower
one. Messages stored before this revision are numbered here in id order.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("seq", sa.BigInteger, nullable=True))
    # One pass with UPDATE … FROM and a window function (SQLite 3.33+, PostgreSQL).
    op.execute(
        "UPDATE messages SET seq = numbered.n FROM (SELECT id, ROW_NUMBER() OVER "
        "(PARTITION BY app_id ORDER BY id) AS n FROM messages) AS numbered "
        "WHERE numbered.id = messages.id"
    )
    op.create_index("ux_messages_app_seq", "messages", ["app_id", "seq"], unique=True)
    op.create_table(
        "app_message_sequences",
        sa.Column(
            "app_id",
            sa.String(40),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO app_message_sequences (app_id, last_seq) "
        "SELECT app_id, MAX(seq) FROM messages GROUP BY app_id"
    )
    op.create_table(
        "poller_consumers",
        sa.Column(
            "endpoint_id",
            sa.String(40),
            sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("consumer_id", sa.String(256), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.add_column("app_tokens", sa.Column("polling_endpoint_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_tokens") as batch:
        batch.drop_column("polling_endpoint_id")
    op.drop_table("poller_consumers")
    op.drop_table("app_message_sequences")
    op.drop_index("ux_messages_app_seq", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("seq")
