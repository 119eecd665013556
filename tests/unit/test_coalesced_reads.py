"""CoalescedLookup: concurrent look-ups share one fetch, and none is answered by a fetch that
started before it was asked for."""

from __future__ import annotations

import asyncio

import pytest

from hookline.store.coalesced_reads import CoalescedLookup


class Table:
    """A fetch over a dict that records the keys of each query and can be held open."""

    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.queries: list[list[str]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail: Exception | None = None
        self.started = asyncio.Event()

    async def fetch(self, keys: list[str]) -> dict[str, int]:
        self.queries.append(sorted(keys))
        self.started.set()
        snapshot = {k: self.rows[k] for k in keys if k in self.rows}  # read when it starts
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return snapshot


async def test_concurrent_lookups_share_one_query() -> None:
    table = Table({"a": 1, "b": 2})
    lookup = CoalescedLookup(table.fetch)
    answers = await asyncio.gather(*(lookup.get(k) for k in ["a", "b", "a", "missing"]))
    assert answers == [1, 2, 1, None]
    assert table.queries == [["a", "b", "missing"]]


async def test_a_lookup_during_a_query_waits_for_the_next_one() -> None:
    table = Table({"a": 1})
    lookup = CoalescedLookup(table.fetch)
    table.release.clear()
    first = asyncio.create_task(lookup.get("a"))
    await table.started.wait()
    table.rows["a"] = 2  # committed after the first query started, before the second ask
    second = asyncio.create_task(lookup.get("a"))
    await asyncio.sleep(0)
    table.release.set()
    assert await first == 1
    assert await second == 2
    assert table.queries == [["a"], ["a"]]


@pytest.mark.parametrize(("max_keys", "queries"), [(2, 3), (5, 1), (1, 5)])
async def test_keys_per_query_are_bounded(max_keys: int, queries: int) -> None:
    table = Table({k: i for i, k in enumerate("abcde")})
    lookup = CoalescedLookup(table.fetch, max_keys=max_keys)
    answers = await asyncio.gather(*(lookup.get(k) for k in "abcde"))
    assert answers == [0, 1, 2, 3, 4]
    assert len(table.queries) == queries == lookup.queries


async def test_a_failed_query_fails_its_lookups_only() -> None:
    table = Table({"a": 1})
    lookup = CoalescedLookup(table.fetch)
    table.fail = RuntimeError("store down")
    results = await asyncio.gather(lookup.get("a"), lookup.get("b"), return_exceptions=True)
    assert [str(r) for r in results] == ["store down", "store down"]
    table.fail = None
    assert await lookup.get("a") == 1


async def test_a_cancelled_lookup_leaves_the_others_answered() -> None:
    table = Table({"a": 1})
    lookup = CoalescedLookup(table.fetch)
    table.release.clear()
    gone = asyncio.create_task(lookup.get("a"))
    kept = asyncio.create_task(lookup.get("a"))
    await table.started.wait()
    gone.cancel()
    table.release.set()
    assert await kept == 1
    with pytest.raises(asyncio.CancelledError):
        await gone
