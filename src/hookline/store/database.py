"""The store as the rest of Hookline sees it: one repository per resource, and migrations."""

from __future__ import annotations

import contextlib
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from hookline.secrets_at_rest import SecretBox
from hookline.store.app_tokens import AppTokens
from hookline.store.applications import Applications
from hookline.store.attempts import Attempts
from hookline.store.connections import Connections
from hookline.store.deliveries import Deliveries
from hookline.store.delivery_log import DeliveryLog
from hookline.store.endpoints import Endpoints
from hookline.store.event_types import EventTypes
from hookline.store.idempotency import IdempotencyKeys
from hookline.store.messages import Messages
from hookline.store.recovery import Recovery
from hookline.store.retention import Retention
from hookline.store.statistics import Statistics

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x486F6F6B  # "Hook": the advisory lock key migrations hold


class Database(Connections):
    def __init__(self, url: str, secret_box: SecretBox | None = None) -> None:
        super().__init__(url)
        # Seals and opens endpoint secrets; None only where no secret is read or written.
        self.secret_box = secret_box
        self.app_tokens = AppTokens(self)
        self.applications = Applications(self)
        self.event_types = EventTypes(self)
        self.endpoints = Endpoints(self)
        self.messages = Messages(self)
        self.deliveries = Deliveries(self)
        self.attempts = Attempts(self)
        self.idempotency_keys = IdempotencyKeys(self)
        self.delivery_log = DeliveryLog(self)
        self.recovery = Recovery(self)
        self.retention = Retention(self)
        self.statistics = Statistics(self)

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # the database may be gone; closing goes on
            await self.idempotency_keys.flush()
        self.idempotency_keys.close()
        await super().close()

    async def migrate(self) -> None:
        """Bring the schema to the newest revision. Safe to run from several hosts at once:
        on PostgreSQL an advisory lock makes them take turns, and the later ones find the
        schema current."""
        async with self.write() as conn:
            if self.dialect != "sqlite":
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await conn.run_sync(_run_alembic_upgrade)


def _run_alembic_upgrade(sync_conn: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "head")


async def open_database(
    url: str, migrate: bool = True, secret_box: SecretBox | None = None
) -> Database:
    """Open (and migrate) the database. With a `secret_box`, secrets still in plaintext or
    under a previous key are sealed now; a database sealed under another key raises
    WrongSecretKey."""
    db = Database(url, secret_box)
    try:
        if migrate:
            await db.migrate()
        if secret_box is not None:
            await db.endpoints.seal_secrets()
    except BaseException:
        await db.close()
        raise
    return db
