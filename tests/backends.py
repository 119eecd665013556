"""The two stores every integration test runs against: SQLite and PostgreSQL.

PostgreSQL tests each get a database of their own, copied from a migrated template
(CREATE DATABASE … TEMPLATE is a file copy: much faster than migrating each time).
Without a reachable PostgreSQL they skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys

import asyncpg
import pytest

ADMIN_URL = os.environ.get(
    "HOOKLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
_counter = itertools.count()
# The stores plus PostgreSQL through PgBouncer in transaction mode, for the delivery-path tests.
POOLED = ["sqlite", "postgresql", "pgbouncer"]


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_url(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def postgres_unavailable_reason() -> str | None:
    try:
        _run(_execute("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {ADMIN_URL}: {exc}"
    return None


def require_postgres() -> None:
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
    pytest.skip(reason)


class PostgresTemplate:
    """A migrated template database, created once per test session."""

    def __init__(self) -> None:
        self.name = f"hookline_tpl_{os.getpid()}"
        _run(_execute(f'DROP DATABASE IF EXISTS "{self.name}"'))
        _run(_execute(f'CREATE DATABASE "{self.name}"'))
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
        env["HOOKLINE_DATABASE_URL"] = database_url(self.name)
        subprocess.run(
            [sys.executable, "-m", "hookline", "migrate"], env=env, check=True, capture_output=True
        )
        self.created: list[str] = []

    def new_database(self) -> str:
        name = f"hookline_t_{os.getpid()}_{next(_counter)}"
        _run(_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        self.created.append(name)
        return database_url(name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        _run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        _run(_drop_all(self.created))
        _run(_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


# Dropping a database waits for a checkpoint. One drop after another waits for one
# checkpoint each (seconds apiece on a busy machine: a session's hundred test databases took
# minutes); drops that wait together share the next checkpoint.
_CONCURRENT_DROPS = 8


async def _drop_all(names: list[str]) -> None:
    gate = asyncio.Semaphore(_CONCURRENT_DROPS)

    async def drop(name: str) -> None:
        async with gate:
            await _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    await asyncio.gather(*(drop(name) for name in names))
