"""SQLite through aiosqlite with one trip to the driver's thread per statement.

aiosqlite runs the sqlite3 connection on a thread of its own, and SQLAlchemy's adapter goes
there and back for each DB-API call of a statement: open a cursor, execute, fetch the rows,
close the cursor. Each trip is a queue put, a thread wake-up, the GIL handed over twice and a
wake-up of the event loop: measured on 2 cores, a `SELECT 1` cost 145-157 µs of CPU through
the adapter and 66-69 µs through this module (15 µs run synchronously). In the server that
was about 8 % of the CPU per message (BENCHMARKS.md, 2026-12-02).

This cursor does the whole statement in one call on that thread (a cursor made, the statement
run, its rows read, the cursor closed) and keeps what SQLAlchemy asks afterwards: the rows,
`description`, `rowcount` and `lastrowid`. Everything else, transactions, errors and pooling, is
SQLAlchemy's aiosqlite dialect unchanged: `create_async_engine(..., module=one_hop_dbapi())`
only swaps the DB-API module that dialect drives. Like that dialect, it reaches the sqlite3
connection through aiosqlite's `_execute`, which is why the aiosqlite versions are bounded in
pyproject.toml.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

# What a statement leaves for SQLAlchemy to read: description, rowcount, lastrowid, rows.
Outcome = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """On the driver's thread: the statement, its rows and its counts, in one go."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No cursor on the driver's thread: each statement makes and closes its own there.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1  # sqlite3's default, for fetchmany() without a size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is read at once anyway

    async def _async_soft_close(self) -> None:
        pass  # the cursor on the thread is closed with its statement

    def close(self) -> None:
        self._rows.clear()

    # The adapter's execute() and executemany() call these (and map their errors).
    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._one_hop(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return await self._one_hop(operation, seq_of_parameters, many=True)

    async def _one_hop(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                lambda: _run(connection._conn, operation, parameters, many)
            )
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDBAPI:
    """The DB-API module to give SQLAlchemy's aiosqlite dialect (`module=`)."""
    return OneHopDBAPI(aiosqlite, sqlite3)
