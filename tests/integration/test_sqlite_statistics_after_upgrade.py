"""An upgrade of an existing SQLite store ends with ANALYZE, so the planner has statistics for
the indexes the upgrade added (without them SQLite guesses, and some pages turn slow); a new
store is created without it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from hookline.store.connections import async_url
from hookline.store.database import MIGRATIONS_DIR, open_database


def _upgrade_to(revision: str):
    def run(sync_conn: sa.Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    return run


async def _tables_with_statistics(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            has_table = (
                await conn.execute(
                    sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                )
            ).scalar_one()
            if not has_table:
                return set()
            rows = await conn.execute(sa.text("SELECT tbl FROM sqlite_stat1"))
            return {row.tbl for row in rows}
    finally:
        await engine.dispose()


async def test_upgrade_of_an_existing_store_leaves_index_statistics(tmp_path):
    url = f"sqlite:///{tmp_path / 'hookline.db'}"
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to("0012"))
            # A table with rows, so that ANALYZE has something to describe.
            await conn.execute(
                sa.text(
                    "INSERT INTO applications (id, name, metadata, created_at, updated_at) "
                    "VALUES ('app_1', 'one', '{}', 0, 0), ('app_2', 'two', '{}', 0, 0)"
                )
            )
    finally:
        await engine.dispose()
    assert await _tables_with_statistics(url) == set()

    db = await open_database(url)
    await db.close()

    assert "applications" in await _tables_with_statistics(url)


async def test_a_new_store_is_created_without_analyze(tmp_path):
    url = f"sqlite:///{tmp_path / 'hookline.db'}"
    db = await open_database(url)
    await db.close()
    assert await _tables_with_statistics(url) == set()
