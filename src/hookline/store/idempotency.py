"""Idempotency keys: the first successful answer to a POST, kept and given again to repeats.

The Svix SDK sends a key with every POST, so this sits on the publish path and is built to
cost little there:

- On PostgreSQL several API processes may get the same key at once, so a request first
  *claims* its key: a row without an answer. The request that inserted the row runs; the
  others find the row and wait for its answer. A claim whose request died unanswered is taken
  over after a lease. A request that fails releases its key (it changed nothing; a retry may
  run again).
- On SQLite there is one API process (see docs/deployment.md), whose API layer already lets
  only one request per key run at a time; the database only has to remember answers, so no
  claim is written and a key is looked up with a synchronous primary-key read (a few
  microseconds, against about 600 µs through the asynchronous reader pool).

Answers are written after the response has been sent, collected for 50 ms and written in
one transaction (with any claims waiting on PostgreSQL), and not durably: no fsync on SQLite, no
wait for the WAL flush on PostgreSQL. They survive a crash of the process; a power cut (or a
PostgreSQL crash) may lose the last few, and so may a crash in the 50 ms or so before an
answer is written (it is served from memory until then). A retry of such a request
runs again (on PostgreSQL once the lease has passed): the one case where a key does not
prevent a second execution.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.clock import now_ms
from hookline.store.schema import idempotency_keys

if TYPE_CHECKING:
    from hookline.store.connections import Connections

log = logging.getLogger("hookline.store")

t = idempotency_keys
MAX_GROUP = 500
WRITE_RETRIES = 60  # an answer whose write failed is tried again every second, this often
# Answers are collected this long and then written together: one small transaction per
# answer would cost more than a fifth of the publish path's time.
ANSWER_DELAY = 0.05
_BY_KEY = sa.select(t).where(t.c.key_hash == sa.bindparam("key_hash"))
_COLUMNS = "fingerprint, status_code, content_type, body, created_at, expires_at"
_SELECT_SQL = f"SELECT {_COLUMNS} FROM idempotency_keys WHERE key_hash = ?"
_UPSERT_SQL = (
    f"INSERT INTO idempotency_keys (key_hash, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key_hash) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", "))
)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str  # of the first request's query string and body
    status_code: int | None  # None while the first request is still running
    content_type: str | None
    body: bytes | None
    created_at: int  # when the key was claimed or answered (milliseconds)
    expires_at: int


@dataclass(frozen=True, slots=True)
class Claim:
    """`owned`: the caller runs the request, then calls `remember` or `release` with
    `claimed_at`. Otherwise `existing` is the row found (None if it changed meanwhile: look
    again)."""

    owned: bool
    claimed_at: int = 0
    existing: StoredAnswer | None = None


@dataclass
class _Op:
    kind: str  # "claim", "answer" or "release"
    key_hash: str
    values: dict[str, Any]
    future: asyncio.Future[Any] | None = field(default=None, repr=False)  # None: nobody waits
    tries: int = 0


class IdempotencyKeys:
    def __init__(self, db: Connections) -> None:
        self.db = db
        # Several API processes may share the database: claims must go through it.
        self.shared = db.dialect != "sqlite"
        self._queue: list[_Op] = []
        self._writing: asyncio.Task[None] | None = None
        self._unwritten: dict[str, StoredAnswer] = {}
        self._answers: list[_Op] = []  # waiting for ANSWER_DELAY to pass
        self._reader: sqlite3.Connection | None = None

    async def claim(self, key_hash: str, fingerprint: str, lease_ms: int, keep_ms: int) -> Claim:
        """Claim the key, or report who has it. A row past its expiry counts as absent; a claim
        older than `lease_ms` without an answer is taken over."""
        unwritten = self._unwritten.get(key_hash)
        if unwritten is not None:
            return Claim(owned=False, existing=unwritten)
        if self.shared:
            values = {"fingerprint": fingerprint, "lease_ms": lease_ms, "keep_ms": keep_ms}
            return await self._submit("claim", key_hash, values)  # type: ignore[no-any-return]
        now = now_ms()
        existing = await self._find_quickly(key_hash)
        if existing is None or existing.expires_at <= now:
            return Claim(owned=True, claimed_at=now)
        return Claim(owned=False, existing=existing)

    def remember(
        self,
        key_hash: str,
        claimed_at: int,
        fingerprint: str,
        status_code: int,
        content_type: str | None,
        body: bytes,
        keep_ms: int,
    ) -> None:
        """Keep the answer of a request that ran under its claim. Returns at once: the write
        follows with the next group, and the answer is served from memory meanwhile."""
        now = now_ms()
        answer = StoredAnswer(fingerprint, status_code, content_type, body, now, now + keep_ms)
        self._unwritten[key_hash] = answer
        self._answers.append(_Op("answer", key_hash, {"claimed_at": claimed_at, "answer": answer}))
        if len(self._answers) == 1:
            asyncio.get_running_loop().call_later(ANSWER_DELAY, self._write_answers_soon)

    def _write_answers_soon(self) -> None:
        for op in self._answers:
            self._enqueue(op)
        self._answers = []

    async def release(self, key_hash: str, claimed_at: int) -> None:
        """Free the key of a request that failed, so that a retry runs."""
        if self.shared:
            await self._submit("release", key_hash, {"claimed_at": claimed_at})

    async def find(self, key_hash: str) -> StoredAnswer | None:
        unwritten = self._unwritten.get(key_hash)
        if unwritten is not None:
            return unwritten
        async with self.db.read() as conn:
            row = (await conn.execute(_BY_KEY, {"key_hash": key_hash})).first()
        return _answer(row) if row is not None else None

    async def delete_expired(self, now: int, limit: int) -> int:
        """Delete up to `limit` rows past their expiry (for the retention task)."""
        expired = sa.select(t.c.key_hash).where(t.c.expires_at <= now).limit(limit)
        if self.shared:
            expired = expired.with_for_update(skip_locked=True)  # several processes run this
        async with self.db.write() as conn:
            result = await conn.execute(
                t.delete().where(t.c.key_hash.in_(expired.scalar_subquery()))
            )
        return int(result.rowcount or 0)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def _find_quickly(self, key_hash: str) -> StoredAnswer | None:
        """SQLite: a synchronous primary-key read on a connection of its own, with the plain
        DB-API (one C call: SQLAlchemy's statement machinery costs several times the query on
        this path). In WAL mode readers do not wait for the writer; if the read would have to
        wait for a lock it fails at once instead, and the asynchronous pool answers."""
        try:
            if self._reader is None:
                self._reader = _sync_reader(self.db.url)
            row = self._reader.execute(_SELECT_SQL, (key_hash,)).fetchone()
        except sqlite3.Error as exc:
            log.debug("quick idempotency lookup failed (%s); using the pool", exc)
            return await self.find(key_hash)
        return StoredAnswer(*row) if row is not None else None

    async def _submit(self, kind: str, key_hash: str, values: dict[str, Any]) -> Any:
        op = _Op(kind, key_hash, values, asyncio.get_running_loop().create_future())
        self._enqueue(op)
        return await op.future  # type: ignore[misc]

    def _enqueue(self, op: _Op) -> None:
        self._queue.append(op)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write_groups())

    async def _write_groups(self) -> None:
        while self._queue:
            group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            try:
                # Not durable (no fsync on SQLite, no flush wait on PostgreSQL): see above.
                async with self.db.write(durable=False) as conn:
                    if self.shared:
                        await conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
                    results = await _apply(conn, group, now_ms())
            except Exception as exc:  # the store is down, or a bug: every op learns of it
                results = [exc] * len(group)
            for op, result in zip(group, results, strict=True):
                self._settle(op, result)

    def _settle(self, op: _Op, result: Any) -> None:
        if op.kind == "answer":
            if not isinstance(result, Exception):
                if self._unwritten.get(op.key_hash) is op.values["answer"]:
                    del self._unwritten[op.key_hash]
            elif op.tries < WRITE_RETRIES:
                op.tries += 1
                asyncio.get_running_loop().call_later(1.0, self._enqueue, op)
            else:
                log.warning("could not store an idempotency answer: %s", result)
                self._unwritten.pop(op.key_hash, None)
            return
        if op.future is None or op.future.done():
            return  # the caller went away
        if isinstance(result, Exception):
            op.future.set_exception(result)
        else:
            op.future.set_result(result)


def _sync_reader(url: str) -> sqlite3.Connection:
    # Autocommit (isolation_level=None): each read ends at once and never pins the WAL.
    # timeout=0: never wait for a lock on the event loop.
    path = sa.make_url(url).database or ""
    return sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)


async def _apply(conn: AsyncConnection, group: list[_Op], now: int) -> list[Any]:
    results: dict[int, Any] = {}
    answers = [(i, op) for i, op in enumerate(group) if op.kind == "answer"]
    if answers:
        await _write_answers(conn, [op for _, op in answers], now)
    releases = [(i, op) for i, op in enumerate(group) if op.kind == "release"]
    if releases:
        await conn.execute(
            t.delete().where(
                t.c.key_hash == sa.bindparam("b_key"),
                t.c.created_at == sa.bindparam("b_at"),
                t.c.status_code.is_(None),
            ),
            [{"b_key": op.key_hash, "b_at": op.values["claimed_at"]} for _, op in releases],
        )
    for i, _ in answers + releases:
        results[i] = None
    claims = [(i, op) for i, op in enumerate(group) if op.kind == "claim"]
    if claims:
        results.update(await _claim(conn, claims, now))
    return [results[i] for i in range(len(group))]


async def _write_answers(conn: AsyncConnection, ops: list[_Op], now: int) -> None:
    if conn.dialect.name == "postgresql":
        # Fill in the claim row, unless it has been taken over meanwhile (then the request
        # that took it over answers).
        await conn.execute(
            t.update()
            .where(
                t.c.key_hash == sa.bindparam("b_key"),
                t.c.created_at == sa.bindparam("b_at"),
                t.c.status_code.is_(None),
            )
            .values(
                status_code=sa.bindparam("b_status"),
                content_type=sa.bindparam("b_type"),
                body=sa.bindparam("b_body"),
                expires_at=sa.bindparam("b_expires"),
            ),
            [
                {
                    "b_key": op.key_hash,
                    "b_at": op.values["claimed_at"],
                    "b_status": op.values["answer"].status_code,
                    "b_type": op.values["answer"].content_type,
                    "b_body": op.values["answer"].body,
                    "b_expires": op.values["answer"].expires_at,
                }
                for op in ops
            ],
        )
        return
    # SQLite: there is no claim row, but an expired row of the same key may still be there.
    # A plain executemany: this runs for every keyed POST, and SQLAlchemy's per-row
    # parameter processing would cost more than the insert itself.
    await conn.exec_driver_sql(
        _UPSERT_SQL, [(op.key_hash, *_fields(op.values["answer"])) for op in ops]
    )


async def _claim(
    conn: AsyncConnection, claims: list[tuple[int, _Op]], now: int
) -> dict[int, Claim]:
    """Insert the new keys in one statement; for keys that exist, take over the abandoned or
    expired ones and report the others as they are."""
    results: dict[int, Claim] = {}
    first: dict[str, tuple[int, _Op]] = {}
    for i, op in claims:
        first.setdefault(op.key_hash, (i, op))  # a repeat within the group finds the first's row
    insert = postgresql_insert(t)
    inserted = {
        row.key_hash
        for row in await conn.execute(
            insert.on_conflict_do_nothing(index_elements=[t.c.key_hash]).returning(t.c.key_hash),
            [_row(op.key_hash, _pending(op, now)) for _, op in first.values()],
        )
    }
    for key, (i, _) in first.items():
        if key in inserted:
            results[i] = Claim(owned=True, claimed_at=now)
    others = [(i, op) for i, op in claims if i not in results]
    if not others:
        return results
    rows = await conn.execute(
        sa.select(t).where(t.c.key_hash.in_({op.key_hash for _, op in others}))
    )
    found = {row.key_hash: _answer(row) for row in rows}
    for i, op in others:
        existing = found.get(op.key_hash)
        if existing is None:
            results[i] = Claim(owned=False)  # released meanwhile by another process: look again
        elif _takeable(existing, op, now):
            pending = _pending(op, now)
            taken = await conn.execute(
                t.update()
                .where(t.c.key_hash == op.key_hash, t.c.created_at == existing.created_at)
                .values({k: v for k, v in _row(op.key_hash, pending).items() if k != "key_hash"})
            )
            if taken.rowcount == 1:
                results[i] = Claim(owned=True, claimed_at=now)
                found[op.key_hash] = pending
            else:
                results[i] = Claim(owned=False)
        else:
            results[i] = Claim(owned=False, existing=existing)
    return results


def _takeable(existing: StoredAnswer, op: _Op, now: int) -> bool:
    expired = existing.expires_at <= now  # not deleted yet by the retention task
    abandoned = existing.status_code is None and existing.created_at + op.values["lease_ms"] <= now
    return expired or abandoned


def _pending(op: _Op, now: int) -> StoredAnswer:
    return StoredAnswer(op.values["fingerprint"], None, None, None, now, now + op.values["keep_ms"])


def _row(key_hash: str, answer: StoredAnswer) -> dict[str, Any]:
    return {
        "key_hash": key_hash,
        "fingerprint": answer.fingerprint,
        "status_code": answer.status_code,
        "content_type": answer.content_type,
        "body": answer.body,
        "created_at": answer.created_at,
        "expires_at": answer.expires_at,
    }


def _fields(answer: StoredAnswer) -> tuple[Any, ...]:
    return (
        answer.fingerprint,
        answer.status_code,
        answer.content_type,
        answer.body,
        answer.created_at,
        answer.expires_at,
    )


def _answer(row: Any) -> StoredAnswer:
    return StoredAnswer(
        row.fingerprint, row.status_code, row.content_type, row.body, row.created_at, row.expires_at
    )
