"""Browser sessions for the dashboard and the portal, and single-use portal links.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "app_id",
            sa.String(40),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "token_hash",
            sa.String(64),
            sa.ForeignKey("app_tokens.token_hash", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_web_sessions_expires", "web_sessions", ["expires_at"])
    op.create_table(
        "portal_links",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "token_hash",
            sa.String(64),
            sa.ForeignKey("app_tokens.token_hash", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_portal_links_token", "portal_links", ["token_hash"])


def downgrade() -> None:
    op.drop_index("ix_portal_links_token", "portal_links")
    op.drop_table("portal_links")
    op.drop_index("ix_web_sessions_expires", "web_sessions")
    op.drop_table("web_sessions")
