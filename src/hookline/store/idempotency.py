"""Idempotency keys: the first successful answer to a POST, kept and given again to repeats.

The Svix SDK sends a key with every POST, so this sits on the publish path and is built to
cost little there:

- On PostgreSQL several API processes may get the same key at once, so a request first
  *claims* its key: a row without an answer. The request that inserted the row runs; the
  others find the row and wait for its answer. A claim whose request died unanswered is taken
  over after a lease. A request that fails releases its key (it changed nothing; a retry may
  run again). Claims of concurrent requests are inserted together, in one transaction.
- On SQLite there is one API process (docs/deployment.md), whose API layer already lets only
  one request per key run at a time; the database only has to remember answers. No claim is
  written, and a key is looked up with a synchronous primary-key read on a connection of its
  own (a few microseconds, against about 600 µs through the asynchronous reader pool).
  Keys that are only ever repeated within seconds (the SDK's automatic `auto_…` keys, reused
  only by that one call's retries) are not written at all there: their answers stay in
  memory. A database row per publish, with its random-order index entry, would cost about
  a sixth of the publish path.

Answers are written after the response has been sent: collected for ANSWER_DELAY, then
written in one transaction, not durably (no fsync on SQLite, no wait for the WAL flush on
PostgreSQL). Until then they are served from memory. So a crash of the process in those
50 ms or so, or a power cut (PostgreSQL crash) a little later, can lose an answer; a retry of
that request then runs again (on PostgreSQL once the lease has passed). That is the one case
where a key does not prevent a second execution.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.schema import idempotency_keys

if TYPE_CHECKING:
    from hookline.store.connections import Connections

log = logging.getLogger("hookline.store")

t = idempotency_keys
MAX_GROUP = 500
# Answers are collected this long and then written together: a transaction per answer would
# cost more than a fifth of the publish path's time.
ANSWER_DELAY = 0.05
# Answers kept in memory only (see `remember`): at most this many, about 500 bytes each.
MEMORY_ANSWERS = 50_000
WRITE_RETRIES = 60  # an answer whose write failed is tried again every second, this often
_COLUMNS = ("fingerprint", "status_code", "content_type", "body", "created_at", "expires_at")
_SELECT_SQL = f"SELECT {', '.join(_COLUMNS)} FROM idempotency_keys WHERE key_hash = ?"
_ROWS_PER_INSERT = 500  # 3,500 parameters: well below SQLite's limit of 32,766


@functools.lru_cache(maxsize=8)
def _upsert_sql(rows: int) -> str:
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * rows)
    return (
        f"INSERT INTO idempotency_keys (key_hash, {', '.join(_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (key_hash) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS)
    )


_EXPIRES = 5  # index of `expires_at` in a StoredAnswer and its plain-tuple form


class StoredAnswer(NamedTuple):
    fingerprint: bytes  # of the first request's query string and body
    status_code: int | None  # None while the first request is still running
    content_type: str | None
    body: bytes | None
    created_at: int  # when the key was claimed or answered (milliseconds)
    expires_at: int


class Claim(NamedTuple):
    """`owned`: the caller runs the request, then calls `remember` or `release` with
    `claimed_at`. Otherwise `existing` is the row found (None if it changed meanwhile: look
    again)."""

    owned: bool
    claimed_at: int = 0
    existing: StoredAnswer | None = None


class IdempotencyKeys:
    def __init__(self, db: Connections) -> None:
        self.db = db
        # Several API processes may share the database: claims must go through it.
        self.shared = db.dialect != "sqlite"
        self._unwritten: dict[bytes, StoredAnswer] = {}
        # Answers kept in memory only, oldest first (dicts keep insertion order). Plain tuples
        # of plain values, which the garbage collector stops tracking: tens of thousands of
        # tracked objects would make every full collection slower.
        self._recent: dict[bytes, tuple[Any, ...]] = {}
        # (key hash, claimed at, answer, tries) waiting for ANSWER_DELAY, then being written
        self._answers: list[tuple[bytes, int, StoredAnswer, int]] = []
        self._claims: list[tuple[bytes, bytes, int, int, asyncio.Future[Claim]]] = []
        self._writing: asyncio.Task[None] | None = None
        self._reader: sqlite3.Connection | None = None

    async def claim(
        self,
        key_hash: bytes,
        fingerprint: bytes,
        lease_ms: int,
        keep_ms: int,
        in_memory: bool = False,
    ) -> Claim:
        """Claim the key, or report who has it. A row past its expiry counts as absent; a claim
        older than `lease_ms` without an answer is taken over. `in_memory`: see `remember`."""
        known = self._known(key_hash)
        if known is not None and known.expires_at > self.db.clock.now_ms():
            return Claim(False, 0, known)
        if in_memory and not self.shared:
            return Claim(True, self.db.clock.now_ms())
        if self.shared:
            future: asyncio.Future[Claim] = asyncio.get_running_loop().create_future()
            self._claims.append((key_hash, fingerprint, lease_ms, keep_ms, future))
            self._write_soon()
            return await future
        now = self.db.clock.now_ms()
        existing = await self._find_quickly(key_hash)
        if existing is None or existing.expires_at <= now:
            return Claim(True, now)
        return Claim(False, 0, existing)

    def remember(
        self,
        key_hash: bytes,
        claimed_at: int,
        fingerprint: bytes,
        status_code: int,
        content_type: str | None,
        body: bytes,
        keep_ms: int,
        in_memory: bool = False,
    ) -> None:
        """Keep the answer of a request that ran under its claim. Returns at once: the answer
        is written with the next group and served from memory meanwhile.

        `in_memory` (for keys that are only ever repeated within seconds, such as the SDK's
        automatic ones): when no other process shares the store, keep the answer in this
        process only, for at most `keep_ms` and among the newest MEMORY_ANSWERS, and write
        nothing."""
        now = self.db.clock.now_ms()
        if in_memory and not self.shared:
            self._recent.pop(key_hash, None)  # (re-inserted last: the order stays by age)
            self._recent[key_hash] = (
                fingerprint,
                status_code,
                content_type,
                body,
                now,
                now + keep_ms,
            )
            self._forget_old(now)
            return
        answer = StoredAnswer(fingerprint, status_code, content_type, body, now, now + keep_ms)
        self._unwritten[key_hash] = answer
        self._answers.append((key_hash, claimed_at, answer, 0))
        if len(self._answers) == 1:
            asyncio.get_running_loop().call_later(ANSWER_DELAY, self._write_soon)

    def _forget_old(self, now: int) -> None:
        recent = self._recent
        while len(recent) > MEMORY_ANSWERS:
            del recent[next(iter(recent))]
        while recent and recent[oldest := next(iter(recent))][_EXPIRES] <= now:
            del recent[oldest]

    def _known(self, key_hash: bytes) -> StoredAnswer | None:
        """An answer held in memory: not written yet, or kept in memory only."""
        unwritten = self._unwritten.get(key_hash)
        if unwritten is not None:
            return unwritten
        remembered = self._recent.get(key_hash)
        return StoredAnswer._make(remembered) if remembered is not None else None

    async def release(self, key_hash: bytes, claimed_at: int) -> None:
        """Free the key of a request that failed, so that a retry runs."""
        if self.shared:
            async with self.db.write(durable=False) as conn:
                await conn.execute(
                    t.delete().where(
                        t.c.key_hash == key_hash,
                        t.c.created_at == claimed_at,
                        t.c.status_code.is_(None),
                    )
                )

    async def find(self, key_hash: bytes) -> StoredAnswer | None:
        known = self._known(key_hash)
        if known is not None:
            return known
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(*(t.c[c] for c in _COLUMNS)).where(t.c.key_hash == key_hash)
                )
            ).first()
        return StoredAnswer(*row) if row is not None else None

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

    async def flush(self) -> None:
        """Write the answers still waiting (on shutdown: a graceful stop loses none)."""
        if self._answers:
            self._write_soon()
        if self._writing is not None:
            await self._writing

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def _find_quickly(self, key_hash: bytes) -> StoredAnswer | None:
        """SQLite: a synchronous read with the plain DB-API (one C call; SQLAlchemy's
        statement machinery costs several times the query itself on this path). In WAL mode
        readers do not wait for the writer; a read that would have to wait for a lock fails
        at once instead, and the asynchronous pool answers."""
        try:
            if self._reader is None:
                # Autocommit: each read ends at once and never pins the WAL. timeout=0:
                # never wait for a lock on the event loop.
                path = sa.make_url(self.db.url).database or ""
                self._reader = sqlite3.connect(
                    path, timeout=0, isolation_level=None, check_same_thread=False
                )
            row = self._reader.execute(_SELECT_SQL, (key_hash,)).fetchone()
        except sqlite3.Error as exc:
            log.debug("quick idempotency lookup failed (%s); using the pool", exc)
            return await self.find(key_hash)
        return StoredAnswer(*row) if row is not None else None

    def _write_soon(self) -> None:
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write_groups())

    async def _write_groups(self) -> None:
        while self._claims or self._answers:
            claims, self._claims = self._claims[:MAX_GROUP], self._claims[MAX_GROUP:]
            answers, self._answers = self._answers[:MAX_GROUP], self._answers[MAX_GROUP:]
            try:
                claimed = await self._write_group(claims, answers)
            except Exception as exc:  # the store is down, or a bug
                self._retry_later(answers, exc)
                for *_, future in claims:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (*_, future), result in zip(claims, claimed, strict=True):
                if not future.done():  # else the caller went away
                    future.set_result(result)
            for key_hash, _, answer, _ in answers:
                if self._unwritten.get(key_hash) is answer:
                    del self._unwritten[key_hash]

    async def _write_group(
        self,
        claims: list[tuple[bytes, bytes, int, int, asyncio.Future[Claim]]],
        answers: list[tuple[bytes, int, StoredAnswer, int]],
    ) -> list[Claim]:
        for attempt in range(2):
            try:
                # Not durable: see the module's docstring.
                async with self.db.write(durable=False) as conn:
                    if self.shared:
                        await conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
                    if answers:
                        await _write_answers(conn, answers)
                    return await _claim(conn, claims, self.db.clock.now_ms()) if claims else []
            except sa.exc.DBAPIError as exc:
                # A deadlock or serialization failure against another process: every step
                # here can run again (inserts that skip existing keys, owner-checked updates).
                if attempt or exc.connection_invalidated:
                    raise
                log.debug("idempotency writes failed once, trying again: %s", exc)
        raise AssertionError("unreachable")

    def _retry_later(
        self, answers: list[tuple[bytes, int, StoredAnswer, int]], exc: Exception
    ) -> None:
        again = [(k, at, answer, tries + 1) for k, at, answer, tries in answers]
        for key_hash, _, answer, tries in again:
            if tries > WRITE_RETRIES:
                log.warning("could not store an idempotency answer: %s", exc)
                if self._unwritten.get(key_hash) is answer:
                    del self._unwritten[key_hash]
        again = [entry for entry in again if entry[3] <= WRITE_RETRIES]
        if again:

            def requeue() -> None:
                self._answers.extend(again)
                self._write_soon()

            asyncio.get_running_loop().call_later(1.0, requeue)


async def _write_answers(
    conn: AsyncConnection, answers: list[tuple[bytes, int, StoredAnswer, int]]
) -> None:
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
                    "b_key": key_hash,
                    "b_at": claimed_at,
                    "b_status": answer.status_code,
                    "b_type": answer.content_type,
                    "b_body": answer.body,
                    "b_expires": answer.expires_at,
                }
                for key_hash, claimed_at, answer, _ in answers
            ],
        )
        return
    # SQLite: there is no claim row, but an expired row of the same key may still be there.
    # One multi-row statement, run by the driver as it is: it is stepped once, where an
    # executemany (or SQLAlchemy's per-row parameter processing) costs more than the
    # inserts themselves on this path.
    for start in range(0, len(answers), _ROWS_PER_INSERT):
        chunk = answers[start : start + _ROWS_PER_INSERT]
        await conn.exec_driver_sql(
            _upsert_sql(len(chunk)),
            tuple(value for key_hash, _, answer, _ in chunk for value in (key_hash, *answer)),
        )


async def _claim(
    conn: AsyncConnection,
    claims: list[tuple[bytes, bytes, int, int, asyncio.Future[Claim]]],
    now: int,
) -> list[Claim]:
    """PostgreSQL: insert the new keys in one statement; for keys that exist, take over the
    abandoned or expired ones and report the others as they are."""
    results: list[Claim | None] = [None] * len(claims)
    first: dict[bytes, int] = {}
    for i, (key_hash, *_) in enumerate(claims):
        first.setdefault(key_hash, i)  # a repeat within the group finds the first one's row
    # In key order: two processes inserting overlapping groups then take the keys' locks in
    # the same order and cannot deadlock.
    rows = [_pending_row(claims[first[key]], now) for key in sorted(first)]
    inserted = await conn.execute(
        postgresql_insert(t)
        .on_conflict_do_nothing(index_elements=[t.c.key_hash])
        .returning(t.c.key_hash),
        rows,
    )
    for key_hash in inserted.scalars():
        results[first[key_hash]] = Claim(True, now)
    others = sorted((i for i, r in enumerate(results) if r is None), key=lambda i: claims[i][0])
    if others:
        found = {
            row.key_hash: StoredAnswer(*row[1:])
            for row in await conn.execute(
                sa.select(t.c.key_hash, *(t.c[c] for c in _COLUMNS)).where(
                    t.c.key_hash.in_({claims[i][0] for i in others})
                )
            )
        }
        for i in others:
            key_hash, _, lease_ms, _, _ = claims[i]
            existing = found.get(key_hash)
            if existing is None:
                results[i] = Claim(False)  # released meanwhile by another process: look again
            elif existing.expires_at <= now or (
                existing.status_code is None and existing.created_at + lease_ms <= now
            ):
                # Expired (not deleted yet) or abandoned: take it over, unless someone else
                # just did.
                row = _pending_row(claims[i], now)
                del row["key_hash"]
                taken = await conn.execute(
                    t.update()
                    .where(t.c.key_hash == key_hash, t.c.created_at == existing.created_at)
                    .values(row)
                )
                results[i] = Claim(True, now) if taken.rowcount == 1 else Claim(False)
                if taken.rowcount == 1:
                    found[key_hash] = StoredAnswer(**{k: v for k, v in row.items()})
            else:
                results[i] = Claim(False, 0, existing)
    return [result or Claim(False) for result in results]


def _pending_row(
    claim: tuple[bytes, bytes, int, int, asyncio.Future[Claim]], now: int
) -> dict[str, Any]:
    key_hash, fingerprint, _, keep_ms, _ = claim
    return {
        "key_hash": key_hash,
        "fingerprint": fingerprint,
        "status_code": None,
        "content_type": None,
        "body": None,
        "created_at": now,
        "expires_at": now + keep_ms,
    }
