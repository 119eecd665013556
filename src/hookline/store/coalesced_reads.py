"""Concurrent look-ups of one key each, answered by one query for all of them.

A publish reads its event type's validation state before it is stored. One read per publish
cost as much CPU as the rest of the publish (a pooled connection, its transaction and a
statement, each a hop to the driver's thread): under load the API accepted half as many
publishes. Here the look-ups waiting at the same moment share one query, as publishes share
one transaction (publishing.py). Every answer still comes from a query started after its
look-up was asked for: a look-up that arrives while a query runs waits for the next one, so a
change committed before the look-up is always seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Keys per query: well under SQLite's and PostgreSQL's limits on bound parameters.
MAX_KEYS = 500


class CoalescedLookup(Generic[K, V]):
    def __init__(
        self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]], max_keys: int = MAX_KEYS
    ) -> None:
        self._fetch = fetch  # the distinct keys → the value of each key found
        self._max_keys = max_keys
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._draining: asyncio.Task[None] | None = None
        self.queries = 0  # how many fetches ran (tests check the coalescing with it)

    async def get(self, key: K) -> V | None:
        """The key's value, None if the fetch found none."""
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            keys = list(self._waiting)[: self._max_keys]
            batch = {key: self._waiting.pop(key) for key in keys}
            self.queries += 1
            try:
                found = await self._fetch(keys)
            except asyncio.CancelledError:  # the loop is closing: no look-up is left waiting
                for futures in (*batch.values(), *self._waiting.values()):
                    for future in futures:
                        future.cancel()
                self._waiting.clear()
                raise
            except Exception as exc:  # every look-up of this query learns of it
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():  # done: its caller went away (cancelled)
                        future.set_result(found.get(key))
