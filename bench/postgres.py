"""Fresh PostgreSQL databases for the PostgreSQL rows (127.0.0.1:5432, user postgres, trust)."""

from __future__ import annotations

import secrets

PG_HOST = "127.0.0.1:5432"
ADMIN_URL = f"postgresql://postgres@{PG_HOST}/postgres"


def database_url(name: str, host: str = PG_HOST) -> str:
    return f"postgresql://postgres@{host}/{name}"


def admin_url(host: str = PG_HOST) -> str:
    return f"postgresql://postgres@{host}/postgres"


async def create_database(host: str = PG_HOST) -> str:
    """Create an empty database with a random name; returns its name."""
    import asyncpg

    name = f"hookline_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url(host), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_database(name: str, host: str = PG_HOST) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url(host), timeout=10)
    try:
        # FORCE: a server that was killed may have left connections behind.
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def table_count(name: str) -> int:
    """Tables in the database outside the system schemas: 0 means nobody created the schema."""
    import asyncpg

    conn = await asyncpg.connect(database_url(name), timeout=10)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        )
    finally:
        await conn.close()


async def server_version() -> str:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL, timeout=10)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
