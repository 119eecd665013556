"""Initial schema: applications, event types, endpoints, messages, deliveries, attempts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Millis = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("uid", sa.String(256), nullable=True, unique=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("throttle_rate", sa.Integer, nullable=True),
        sa.Column("metadata", Json, nullable=False),
        sa.Column("created_at", Millis, nullable=False),
        sa.Column("updated_at", Millis, nullable=False),
    )
    op.create_table(
        "event_types",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("deprecated", sa.Boolean, nullable=False),
        sa.Column("schemas", Json, nullable=True),
        sa.Column("group_name", sa.String(256), nullable=True),
        sa.Column("feature_flags", Json, nullable=True),
        sa.Column("created_at", Millis, nullable=False),
        sa.Column("updated_at", Millis, nullable=False),
    )
    op.create_table(
        "endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "app_id",
            sa.String(40),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("uid", sa.String(256), nullable=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("event_types", Json, nullable=True),
        sa.Column("channels", Json, nullable=True),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("metadata", Json, nullable=False),
        sa.Column("headers", Json, nullable=False),
        sa.Column("throttle_rate", sa.Integer, nullable=True),
        sa.Column("created_at", Millis, nullable=False),
        sa.Column("updated_at", Millis, nullable=False),
        sa.UniqueConstraint("app_id", "uid", name="uq_endpoints_app_uid"),
    )
    op.create_index("ix_endpoints_app", "endpoints", ["app_id", "id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "app_id",
            sa.String(40),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_type", sa.String(256), nullable=False),
        sa.Column("event_id", sa.String(256), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("channels", Json, nullable=True),
        sa.Column("tags", Json, nullable=True),
        sa.Column("created_at", Millis, nullable=False),
        sa.UniqueConstraint("app_id", "event_id", name="uq_messages_app_event_id"),
    )
    op.create_index("ix_messages_app", "messages", ["app_id", "id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("app_id", sa.String(40), nullable=False),
        sa.Column(
            "msg_id",
            sa.String(40),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "endpoint_id",
            sa.String(40),
            sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("trigger", sa.SmallInteger, nullable=False),
        sa.Column("attempt_count", sa.Integer, nullable=False),
        sa.Column("due_at", Millis, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("created_at", Millis, nullable=False),
        sa.Column("updated_at", Millis, nullable=False),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["due_at"],
        sqlite_where=sa.text("status IN (1, 3)"),
        postgresql_where=sa.text("status IN (1, 3)"),
    )
    op.create_index("ix_deliveries_msg", "deliveries", ["msg_id"])
    op.create_index("ix_deliveries_endpoint", "deliveries", ["endpoint_id", "status"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("app_id", sa.String(40), nullable=False),
        sa.Column("msg_id", sa.String(40), nullable=False),
        sa.Column("endpoint_id", sa.String(40), nullable=False),
        sa.Column("delivery_id", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("trigger", sa.SmallInteger, nullable=False),
        sa.Column("response_status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("response_duration_ms", sa.Integer, nullable=False),
        sa.Column("failure_kind", sa.String(32), nullable=True),
        sa.Column("created_at", Millis, nullable=False),
    )
    op.create_index("ix_attempts_msg", "attempts", ["app_id", "msg_id", "id"])
    op.create_index("ix_attempts_endpoint", "attempts", ["app_id", "endpoint_id", "id"])


def downgrade() -> None:
    for table in ("attempts", "deliveries", "messages", "endpoints", "event_types", "applications"):
        op.drop_table(table)
