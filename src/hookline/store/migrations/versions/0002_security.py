"""Security: previous signing secrets (rotation), per-endpoint TLS settings, application tokens.

Secrets stay in the `secret` column; the sealing of plaintext values written by 0001 is not done
here, because a migration cannot know HOOKLINE_SECRET_KEY: `hookline serve` and `hookline worker`
seal them at start-up (Endpoints.seal_secrets, docs/security.md).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NullableJson = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("previous_secrets", NullableJson, nullable=True))
        batch.add_column(sa.Column("tls_client_cert", sa.Text, nullable=True))
        batch.add_column(sa.Column("tls_client_key", sa.Text, nullable=True))
        batch.add_column(sa.Column("tls_ca_cert", sa.Text, nullable=True))
    op.create_table(
        "app_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "app_id",
            sa.String(40),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("capabilities", NullableJson, nullable=True),
        sa.Column("session_id", sa.String(256), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_app_tokens_app", "app_tokens", ["app_id", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_app_tokens_app", "app_tokens")
    op.drop_table("app_tokens")
    with op.batch_alter_table("endpoints") as batch:
        for column in ("tls_ca_cert", "tls_client_key", "tls_client_cert", "previous_secrets"):
            batch.drop_column(column)
