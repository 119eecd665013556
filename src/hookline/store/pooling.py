"""PostgreSQL behind a connection pooler (PgBouncer): which statements survive it.

In PgBouncer's transaction mode each transaction may run on another server connection, so
nothing may outlive a transaction: not a named prepared statement (asyncpg's and SQLAlchemy's
statement caches create them), not a `SET`, not a session advisory lock, not a `LISTEN`.
Hookline then uses unnamed statements only: each is parsed in the transaction that runs it
and replaced by the next, so none is left behind on a server connection (named ones with
unique names would work too, but pile up on the servers: nobody deallocates them there).
That costs a parse per statement, so on a direct connection (or in session mode, where a
client keeps its server connection) the caches stay on: `HOOKLINE_DATABASE_POOLER` says
which, or (`auto`) a probe at start finds out.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

log = logging.getLogger("hookline.store")

PROBE_ROUNDS = 3


def connect_args(transaction_pooling: bool) -> dict[str, Any]:
    """asyncpg connect arguments (through SQLAlchemy's dialect) for the engines."""
    # Fail fast while the database is away: the caller answers 503 and retries.
    args: dict[str, Any] = {"timeout": 5, "command_timeout": 60}
    if transaction_pooling:
        args.update(
            statement_cache_size=0,  # asyncpg's own cache of named statements
            prepared_statement_cache_size=0,  # SQLAlchemy's, per connection
            # "" is the unnamed statement: nothing stays behind on the server connection.
            prepared_statement_name_func=_unnamed,
        )
    return args


def _unnamed() -> str:
    return ""


def shows_transaction_pooling(first_pid: int, other_pid: int, again_pid: int) -> bool:
    """The probe's verdict. One client connection asked for its server's pid (`first_pid`),
    then a second client connection opened a transaction and asked (`other_pid`), then the
    first asked again (`again_pid`). Directly or in session mode a client connection is one
    server session, so the second client can never be on the first one's server and the
    first one's pid never changes: either sighting proves transaction pooling."""
    return other_pid == first_pid or again_pid != first_pid


async def detect_transaction_pooling(dsn: str) -> bool:
    """True if `dsn` leads through a transaction-mode pooler (see `shows_transaction_pooling`).
    PgBouncer hands out the server connection used last, so the second client nearly always
    lands on the first one's server; a few rounds make a miss unlikely."""
    first = await asyncpg.connect(dsn, timeout=5, statement_cache_size=0)
    try:
        second = await asyncpg.connect(dsn, timeout=5, statement_cache_size=0)
        try:
            for _ in range(PROBE_ROUNDS):
                first_pid = await first.fetchval("SELECT pg_backend_pid()")
                async with second.transaction():
                    other_pid = await second.fetchval("SELECT pg_backend_pid()")
                    again_pid = await first.fetchval("SELECT pg_backend_pid()")
                if shows_transaction_pooling(first_pid, other_pid, again_pid):
                    return True
            return False
        finally:
            await second.close(timeout=5)
    finally:
        await first.close(timeout=5)
