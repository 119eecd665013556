"""Running SQL against the database of a Hookline process under test, on either store.

For the few facts the API does not show (an idempotency key's expiry, for instance).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
from server_process import HooklineProcess


def run_sql(proc: HooklineProcess, sql: str) -> list[tuple[Any, ...]]:
    url = proc.env.get("HOOKLINE_DATABASE_URL", "")
    if url.startswith("postgres"):
        return asyncio.run(_postgres(url, sql))
    with sqlite3.connect(proc.data_dir / "hookline.db", timeout=30) as conn:
        return conn.execute(sql).fetchall()


async def _postgres(url: str, sql: str) -> list[tuple[Any, ...]]:
    # No statement cache: the URL may lead through PgBouncer in transaction mode.
    conn = await asyncpg.connect(url, statement_cache_size=0)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()
