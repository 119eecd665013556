"""Connections and transactions for both stores.

SQLite (embedded default): one writer connection (SQLite serialises writers anyway; taking
the lock with BEGIN IMMEDIATE avoids upgrade deadlocks) and a small pool of readers, in WAL
mode. PostgreSQL: one pool for everything, with statements that suit the pooler in front
of the database, if any (see pooling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from hookline.handoff import HandOffTarget
from hookline.secrets_at_rest import SecretBox
from hookline.store import json_text
from hookline.store.clock import DATABASE_NOW_SQL, Clock, DatabaseClock, WallClock
from hookline.store.errors import Conflict, StoreFull, StoreUnavailable
from hookline.store.notify import CHANNEL, CoalescingNotifier, listen
from hookline.store.pooling import connect_args
from hookline.store.publish_wakeups import PublishWakeups
from hookline.store.sqlite_driver import one_hop_dbapi

T = TypeVar("T")
log = logging.getLogger("hookline.store")


def async_url(url: str) -> sa.URL:
    """Map `sqlite:///…` and `postgresql://…` onto the asyncio drivers Hookline uses."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def _sqlite_engine(url: sa.URL, pool_size: int, immediate: bool) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"timeout": 30},
        module=one_hop_dbapi(),
        json_serializer=json_text.dumps,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Take transaction control from the driver so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # The safety level can only change between transactions, so it is set here.
        level = "FULL" if conn.get_execution_options().get("durable", True) else "NORMAL"
        info = conn.connection.info
        if info.get("synchronous") != level:
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            info["synchronous"] = level
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Connections:
    """Engines, transactions and wake-ups: what every repository works through."""

    def __init__(
        self, url: str, transaction_pooling: bool = False, listen_url: str | None = None
    ) -> None:
        self.url = url
        # Behind a transaction-mode pooler nothing may outlive a transaction (pooling.py).
        self.transaction_pooling = transaction_pooling
        # Where LISTEN connects: a direct connection given for it, else the database URL.
        self.listen_url = listen_url or None
        target = async_url(url)
        self.dialect = target.get_backend_name()
        if self.dialect == "sqlite":
            self._writer = _sqlite_engine(target, pool_size=1, immediate=True)
            self._reader = _sqlite_engine(target, pool_size=4, immediate=False)
        else:
            self._writer = create_async_engine(
                target,
                pool_size=10,
                max_overflow=10,
                connect_args=connect_args(transaction_pooling),
                json_serializer=json_text.dumps,
            )
            self._reader = self._writer
        self._notifier = None if self.dialect == "sqlite" else CoalescingNotifier(self._send_notify)
        # What the store writes due times, leases and timestamps with (clock.py): on
        # PostgreSQL the database's, so that every host agrees on them.
        self.clock: Clock = WallClock() if self.dialect == "sqlite" else DatabaseClock()

        self._publish_listeners: list[Callable[[], None]] = []
        self.handoff_target: HandOffTarget | None = None
        # What long polls wait on (the events API, polling endpoints).
        self.publishes = PublishWakeups(
            None if self.dialect == "sqlite" else self._listen_published
        )
        # Set by Database: what repositories seal and open endpoint secrets with.
        self.secret_box: SecretBox | None = None

    def on_published(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each committed publish (wakes an in-process worker)."""
        self._publish_listeners.append(listener)

    def hand_off_to(self, target: HandOffTarget) -> None:
        """Publishes give the deliveries `target` can take now straight to it (hookline.handoff)."""
        self.handoff_target = target

    def notify_published(self, wake_worker: bool = True) -> None:
        """New deliveries are due now: wake this process's worker and, on PostgreSQL, others.
        `wake_worker=False`: every new delivery was handed off to this process's worker, so no
        worker has anything to claim (long polls, here and elsewhere, are told all the same)."""
        if wake_worker:
            for listener in self._publish_listeners:
                listener()
        self.publishes.fire()
        if self._notifier is not None:
            self._notifier.request(due=wake_worker)

    async def _send_notify(self, payload: str) -> None:
        # The payload is one of notify's constants, never input: safe to write in the SQL.
        statement = f"NOTIFY {CHANNEL}, '{payload}'" if payload else f"NOTIFY {CHANNEL}"
        async with self._writer.begin() as conn:
            await conn.execute(sa.text(statement))

    async def listen_for_due(self, on_due: Callable[[], None], stop: asyncio.Event) -> None:
        """Run until `stop`: call `on_due` when another process published (PostgreSQL only)."""
        if self.dialect == "sqlite":
            return  # one host: in-process wake-ups and polling cover it
        if self.listen_url is None and self.transaction_pooling:
            # A LISTEN through a transaction pooler is accepted, then silently lost with its
            # server connection: say once that wake-ups come from polling alone.
            log.warning(
                "HOOKLINE_DATABASE_URL leads through a transaction-mode pooler, where LISTEN "
                "cannot work: this worker polls for due deliveries instead of waking on "
                "NOTIFY (set HOOKLINE_DATABASE_LISTEN_URL to a direct connection for wake-ups)"
            )
            return
        await listen(plain_dsn(self.listen_url or self.url), on_due, stop, due_only=True)

    @contextlib.asynccontextmanager
    async def write(self, durable: bool = True) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed when the block ends without an exception.

        `durable=False` is for the worker's bookkeeping (claims, attempt records): on SQLite
        its commit skips the fsync (`synchronous=NORMAL`: still safe against a crash of the
        process, and the next durable commit flushes it too). A power cut could lose the
        last such changes, which only makes deliveries repeat. Everything a client was told
        about (a 202, a created endpoint) is written with `synchronous=FULL`.
        """
        try:
            async with self._writer.connect() as conn:
                if not durable:
                    await conn.execution_options(durable=False)
                async with conn.begin():
                    await self._measure_clock(conn)
                    yield conn
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            raise_if_passing(exc)
            raise

    async def transaction(
        self,
        work: Callable[[AsyncConnection], Awaitable[T]],
        conflict: str = "it already exists",
        retries: int = 2,
    ) -> T:
        """Run `work` in a write transaction. If it loses an insert race to another
        transaction (check-then-insert on PostgreSQL), run it again: the next run sees the
        winner's row and answers accordingly (an update, a 409, or the existing row)."""
        for attempt in range(retries + 1):
            try:
                async with self.write() as conn:
                    return await work(conn)
            except IntegrityError as exc:
                if attempt == retries:
                    raise Conflict(f"{conflict}: {exc.orig}") from exc
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._reader.connect() as conn:
                await self._measure_clock(conn)
                yield conn
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            raise_if_passing(exc)
            raise

    async def _measure_clock(self, conn: AsyncConnection) -> None:
        """Re-measure the database clock's offset when it is due (clock.py), in the
        transaction that is starting anyway: two short statements every RESYNC_AFTER_S (every
        RETRY_AFTER_S while round trips are long)."""
        clock = self.clock
        if not isinstance(clock, DatabaseClock) or not clock.should_measure():
            return
        try:
            # Only the reading's own round trip is timed: the transaction's first statement also
            # carries its BEGIN, and a statement's first use on a connection its PREPARE, round
            # trips before the database reads its clock that would put the midpoint early and
            # the clock ahead (measured: scheduled deliveries sent 0.4–0.9 s early on a loaded
            # host). A first reading takes those; the second is timed.
            await conn.execute(sa.text(DATABASE_NOW_SQL))
            sent = clock.sent()
            database_ms = (await conn.execute(sa.text(DATABASE_NOW_SQL))).scalar_one()
        except BaseException:
            clock.measure_failed()
            raise
        clock.measured(float(database_ms), sent)

    async def ping(self) -> None:
        async with self.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def _listen_published(self, on_notify: Callable[[], None], stop: asyncio.Event) -> None:
        # The workers' channel: it is notified after every publish (and when deliveries are
        # due again), so a long poll may wake for nothing and read again; never too late.
        if self.listen_url is None and self.transaction_pooling:
            return  # LISTEN cannot work through a transaction pooler (see listen_for_due)
        await listen(plain_dsn(self.listen_url or self.url), on_notify, stop)

    async def close(self) -> None:
        await self.publishes.close()
        if self._notifier is not None:
            await self._notifier.close()
        await self._writer.dispose()
        if self._reader is not self._writer:
            await self._reader.dispose()


def plain_dsn(url: str) -> str:
    """The URL as asyncpg takes it (no SQLAlchemy driver suffix)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_CONNECTIVITY_MARKERS = (
    "connection refused",
    "could not connect",
    "connection was closed",
    "cannot connect",
    "connection is closed",
    "terminating connection",
    "the database system is",  # … starting up / shutting down / in recovery mode
    "database is locked",  # SQLite: another writer held the lock past the busy timeout
    "timeout",
)


# SQLite's SQLITE_FULL; PostgreSQL's disk_full (53100: "could not extend file …: No space left
# on device") and a full WAL disk ("could not write to file …").
_DISK_FULL_MARKERS = ("database or disk is full", "no space left on device", "disk full")


def is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _DISK_FULL_MARKERS)


def raise_if_passing(exc: BaseException) -> None:
    """Raise the store's error for a condition that passes by itself (the database is away,
    or its disk is full), so callers answer 503/507 and retry; return for anything else."""
    if is_disk_full(exc):
        raise StoreFull(str(exc)) from exc
    if is_connectivity_error(exc):
        raise StoreUnavailable(str(exc)) from exc


def is_connectivity_error(exc: BaseException) -> bool:
    """True for errors that mean "the database is not reachable now", as opposed to a bug."""
    if isinstance(exc, OSError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(exc).lower()
    return any(marker in text for marker in _CONNECTIVITY_MARKERS)
