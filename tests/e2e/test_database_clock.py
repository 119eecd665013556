"""The store's clock on a real database: on PostgreSQL it is the database server's, whatever
this host's wall clock says (a process under libfaketime, its wall clock 10 minutes ahead or
behind, still writes and compares times as the database does); on SQLite it is the wall clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from backends import PostgresTemplate

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")

# Opens the store, runs one transaction, and prints the three clocks in ms.
PROBE = """
import asyncio, json, sys, time
import sqlalchemy as sa
from hookline.store import Database

async def main():
    db = Database(sys.argv[1])
    try:
        await db.ping()
        store = db.clock.now_ms()
        async with db.read() as conn:
            database = (await conn.execute(sa.text(
                "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8"
            ))).scalar_one() if db.dialect != "sqlite" else None
        print(json.dumps({"wall": time.time() * 1000, "store": store, "database": database}))
    finally:
        await db.close()

asyncio.run(main())
"""


def _probe(url: str, offset: str | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
    if offset is not None:
        env |= {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": offset, "DONT_FAKE_MONOTONIC": "1"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, url], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("offset", ["+600", "-600"])
def test_on_postgresql_the_store_keeps_the_databases_time(
    postgres_template: PostgresTemplate, offset: str
) -> None:
    if not LIBFAKETIME.exists():
        pytest.fail(f"{LIBFAKETIME} is missing: install Debian's faketime package (.ci/run)")
    url = postgres_template.new_database()
    seen = _probe(url, offset)
    # The probe's wall clock is 10 minutes off the database's: libfaketime is in effect…
    assert abs(seen["wall"] - seen["database"]) > 500_000
    # …and the store's time, read before the database's, is the database's (give or take the
    # round trips of one local connection), not the wall clock's.
    assert abs(seen["store"] - seen["database"]) < 60_000


def test_on_sqlite_the_store_keeps_the_wall_clock(tmp_path: Path) -> None:
    if not LIBFAKETIME.exists():
        pytest.fail(f"{LIBFAKETIME} is missing: install Debian's faketime package (.ci/run)")
    seen = _probe(f"sqlite:///{tmp_path}/hookline.db", "+600")
    # One host: the store's time is this host's, however wrong (here 10 minutes ahead).
    assert abs(seen["store"] - seen["wall"]) < 60_000
