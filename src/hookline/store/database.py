"""The store as the rest of Hookline sees it: one repository per resource, and migrations."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory

from hookline.secrets_at_rest import SecretBox
from hookline.store.app_tokens import AppTokens
from hookline.store.applications import Applications
from hookline.store.attempts import Attempts
from hookline.store.background_tasks import BackgroundTasks
from hookline.store.bulk_replay import BulkReplay
from hookline.store.connections import Connections, plain_dsn, raise_if_passing
from hookline.store.dead_letters import DeadLetters
from hookline.store.deliveries import Deliveries
from hookline.store.delivery_log import DeliveryLog
from hookline.store.endpoints import Endpoints
from hookline.store.event_types import EventTypes
from hookline.store.expunge import Expunge
from hookline.store.idempotency import IdempotencyKeys
from hookline.store.messages import Messages
from hookline.store.polling import Polling
from hookline.store.pooling import detect_transaction_pooling
from hookline.store.portal_links import PortalLinks
from hookline.store.recovery import Recovery
from hookline.store.relay_endpoints import RelayEndpoints
from hookline.store.replay import Replay
from hookline.store.retention import Retention
from hookline.store.statistics import AcrossApplications, Statistics
from hookline.store.statistics_upkeep import StatisticsUpkeep
from hookline.store.usage import Usage
from hookline.store.web_sessions import WebSessions

log = logging.getLogger("hookline.store")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x486F6F6B  # "Hook": the advisory lock key migrations hold


class Database(Connections):
    def __init__(
        self,
        url: str,
        secret_box: SecretBox | None = None,
        transaction_pooling: bool = False,
        listen_url: str | None = None,
    ) -> None:
        super().__init__(url, transaction_pooling=transaction_pooling, listen_url=listen_url)
        # Seals and opens endpoint secrets; None only where no secret is read or written.
        self.secret_box = secret_box
        self.app_tokens = AppTokens(self)
        self.applications = Applications(self)
        self.event_types = EventTypes(self)
        self.endpoints = Endpoints(self)
        self.messages = Messages(self)
        self.deliveries = Deliveries(self)
        self.attempts = Attempts(self)
        self.background_tasks = BackgroundTasks(self)
        self.idempotency_keys = IdempotencyKeys(self)
        self.delivery_log = DeliveryLog(self)
        self.recovery = Recovery(self)
        self.dead_letters = DeadLetters(self)
        self.replay = Replay(self)
        self.bulk_replay = BulkReplay(self)
        self.retention = Retention(self)
        self.expunge = Expunge(self)
        self.statistics = Statistics(self)
        self.statistics_all = AcrossApplications(self)
        self.statistics_upkeep = StatisticsUpkeep(self)
        self.usage = Usage(self)
        self.web_sessions = WebSessions(self)
        self.portal_links = PortalLinks(self)
        self.polling = Polling(self)
        self.relay_endpoints = RelayEndpoints(self)

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # the database may be gone; closing goes on
            await self.idempotency_keys.flush()
        self.idempotency_keys.close()
        await super().close()

    async def migrate(self, on_step: MigrationListener | None = None) -> None:
        """Bring the schema to the newest revision, calling `on_step` after each revision
        applied (`hookline migrate` shows them). Safe to run from several hosts at once:
        on PostgreSQL an advisory lock makes them take turns, and the later ones find the
        schema current. The lock is the transaction-scoped kind: it is released by the
        commit on the server connection that took it, so it is safe behind a transaction
        pooler too (a session lock could be left held on a pooled server connection)."""
        async with self.write() as conn:
            if self.dialect != "sqlite":
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await conn.run_sync(_run_alembic_upgrade, on_step)

    async def migrations_current(self) -> bool:
        """Whether the schema is at the newest revision this code knows (readiness)."""
        async with self.read() as conn:
            current = await conn.run_sync(
                lambda c: set(MigrationContext.configure(c).get_current_heads())
            )
        return current == _code_heads()


@functools.cache
def _code_heads() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One revision an upgrade applied: the `number`-th of the `total` it applies."""

    number: int
    total: int
    revision: str
    description: str


MigrationListener = Callable[[MigrationStep], None]


def _run_alembic_upgrade(sync_conn: sa.Connection, on_step: MigrationListener | None) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = sync_conn
    before = set(MigrationContext.configure(sync_conn).get_current_heads())
    if on_step is not None:
        script = ScriptDirectory.from_config(config)
        total = sum(1 for _ in script.iterate_revisions("heads", tuple(before) or "base"))
        applied = 0

        def told(*_context: Any, step: MigrationInfo, **_rest: Any) -> None:
            nonlocal applied
            applied += 1
            revision = str(step.up_revision_id)
            found = script.get_revision(revision)
            doc = (found.doc or "") if found is not None else ""
            on_step(MigrationStep(applied, total, revision, doc.strip()))

        config.attributes["on_version_apply"] = told
    command.upgrade(config, "head")
    if sync_conn.dialect.name == "sqlite" and before and before != _code_heads():
        _refresh_sqlite_statistics(sync_conn)


def _refresh_sqlite_statistics(sync_conn: sa.Connection) -> None:
    """Give SQLite's planner statistics for the indexes an upgrade added: without them it
    guesses, and a guess can turn a 15 ms page into a second on a large store. With an
    analysis limit, ANALYZE samples each index instead of reading it whole, so this takes
    milliseconds even at millions of rows (the limit SQLite itself suggests for `optimize`).
    A new, empty store has nothing to measure and is left alone."""
    sync_conn.exec_driver_sql("PRAGMA analysis_limit=1000")
    sync_conn.exec_driver_sql("ANALYZE")


async def open_database(
    url: str,
    migrate: bool = True,
    on_migration_step: MigrationListener | None = None,
    secret_box: SecretBox | None = None,
    pooler: str = "auto",
    listen_url: str | None = None,
) -> Database:
    """Open (and migrate) the database. With a `secret_box`, secrets still in plaintext or
    under a previous key are sealed now; a database sealed under another key raises
    WrongSecretKey. `pooler` is HOOKLINE_DATABASE_POOLER: on PostgreSQL, "auto" probes for a
    transaction-mode pooler in front of the database (see pooling.py)."""
    transaction_pooling = await _transaction_pooling(url, pooler)
    db = Database(url, secret_box, transaction_pooling=transaction_pooling, listen_url=listen_url)
    try:
        if migrate:
            await db.migrate(on_migration_step)
        if secret_box is not None:
            await db.endpoints.seal_secrets()
    except BaseException:
        await db.close()
        raise
    return db


async def _transaction_pooling(url: str, pooler: str) -> bool:
    if sa.make_url(url).get_backend_name() == "sqlite" or pooler in ("none", "session"):
        return False
    if pooler == "transaction":
        return True
    try:
        found = await detect_transaction_pooling(plain_dsn(url))
    except Exception as exc:
        raise_if_passing(exc)  # the database away (or full): StoreUnavailable, waited for
        raise
    if found:
        log.warning(
            "HOOKLINE_DATABASE_URL leads through a transaction-mode pooler: using unnamed "
            "statements only (HOOKLINE_DATABASE_POOLER=transaction says so without the probe)"
        )
    return found
