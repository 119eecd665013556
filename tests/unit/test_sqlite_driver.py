"""The SQLite driver module: each statement is one call on aiosqlite's thread, and SQLAlchemy
reads the same rows, counts and errors as through its own adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hookline.store.sqlite_driver import one_hop_dbapi

items = sa.Table(
    "items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String, unique=True),
)


@pytest.fixture(params=["one-hop", "adapter"])
async def engine(request, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    extra = {"module": one_hop_dbapi()} if request.param == "one-hop" else {}
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", **extra)
    async with engine.begin() as conn:
        await conn.run_sync(items.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_rows_counts_and_ids_read_as_through_the_adapter(engine):
    async with engine.begin() as conn:
        inserted = await conn.execute(items.insert().values(name="a"))
        assert inserted.inserted_primary_key == (1,)
        many = await conn.execute(items.insert(), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        updated = await conn.execute(items.update().where(items.c.id > 1).values(name=None))
        assert updated.rowcount == 2
        returned = await conn.execute(
            items.insert().values(name="d").returning(items.c.id, items.c.name)
        )
        assert returned.one() == (4, "d")
        rows = await conn.execute(sa.select(items.c.id, items.c.name).order_by(items.c.id))
        assert list(rows.keys()) == ["id", "name"]
        assert rows.all() == [(1, "a"), (2, None), (3, None), (4, "d")]
        nothing = await conn.execute(sa.select(items.c.id).where(items.c.id > 10))
        assert nothing.first() is None


async def test_errors_and_rollback_as_through_the_adapter(engine):
    async with engine.begin() as conn:
        await conn.execute(items.insert().values(name="a"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(items.insert().values(name="b"))
            await conn.execute(items.insert().values(name="a"))  # unique: refused
    async with engine.connect() as conn:
        names = (await conn.execute(sa.select(items.c.name))).scalars().all()
    assert names == ["a"]  # "b" went with the rolled-back transaction


async def test_a_statement_is_one_call_on_the_drivers_thread(tmp_path, monkeypatch):
    calls = 0
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return await real(self, fn, *args, **kwargs)

    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", module=one_hop_dbapi())
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))  # the connection is open and warm
            monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
            rows = await conn.execute(sa.text("SELECT 1 UNION ALL SELECT 2"))
            assert rows.scalars().all() == [1, 2]
            assert calls == 1
    finally:
        monkeypatch.undo()
        await engine.dispose()
