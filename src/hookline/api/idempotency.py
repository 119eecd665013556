"""Idempotent POSTs, as in Svix's API: the `idempotency-key` request header.

A POST that carries a key runs once; repeating it with the same key within 24 hours gets the
first answer again (same status, same body, plus `idempotent-replayed: true`) and does nothing
more. Keys are scoped to the caller's token, the method and the path. Like Svix, only
successful (2xx) answers are kept: a request that failed changed nothing, so a retry with the
same key runs again (which is what the SDK's automatic retries of 5xx answers need).

Unlike Svix, the request is also fingerprinted (query string and body, byte for byte): the
same key with a different request is refused with 422 instead of being answered with the
first request's result. Requests with the same key that arrive while the first still runs
wait for its answer (up to WAIT_SECONDS, then 409), in this process or in another one.

The SDK's own `auto_…` keys are remembered for an hour instead of a day (see AUTO_KEEP_MS).
Where and how answers are kept is the store's business (store/idempotency.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookline.api.responses import error
from hookline.store import StoreUnavailable

if TYPE_CHECKING:
    from hookline.store.idempotency import IdempotencyKeys, StoredAnswer

log = logging.getLogger("hookline.api")

KEEP_MS = 24 * 3600 * 1000
# The SDK sends a new `auto_<uuid>` key with every POST and repeats it only when it retries
# that one call (at most 5 times, within seconds). Remembering those for an hour covers that
# with a wide margin, and lets a single-process store keep them in memory only.
AUTO_KEY_PREFIX = b"auto_"
AUTO_KEEP_MS = 3600 * 1000
# A claim whose request has not answered after HOOKLINE_IDEMPOTENCY_LEASE_SECONDS (60 by
# default) is taken to be abandoned (its process died) and may be run again. Requests that take
# longer could run twice.
WAIT_SECONDS = 10.0
MAX_KEY_LENGTH = 256
POLL_SECONDS = (0.02, 0.05, 0.1, 0.2)


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class _Keyed:
    """What identifies one keyed request."""

    key_hash: bytes  # caller, method, path and key
    fingerprint: bytes  # query string and body
    keep_ms: int
    in_memory: bool  # a key only ever repeated within seconds (see AUTO_KEEP_MS)
    lease_ms: int  # how long an unanswered claim holds the key


@dataclass(slots=True)
class _Running:
    """A keyed request that this process is running; local repeats wait on `done`."""

    fingerprint: bytes
    done: asyncio.Future[Answer | None]


class IdempotentPosts:
    """ASGI middleware; it sits inside authentication and the body-size limit, so it only
    sees authenticated requests with bodies of acceptable size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._running: dict[bytes, _Running] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = caller = None
        for name, value in scope["headers"]:
            if name == b"idempotency-key" and key is None:
                key = value
            elif name == b"authorization" and caller is None:
                caller = value
        if key is None or caller is None:
            await self.app(scope, receive, send)
            return
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            await _invalid_key(f"must be 1 to {MAX_KEY_LENGTH} characters long")(
                scope, receive, send
            )
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away before sending its request
        auto = key.startswith(AUTO_KEY_PREFIX)
        state = scope["app"].state
        keyed = _Keyed(
            key_hash=_digest(caller, scope["method"].encode(), scope["path"].encode(), key),
            fingerprint=_digest(scope.get("query_string", b""), body),
            keep_ms=AUTO_KEEP_MS if auto else KEEP_MS,
            in_memory=auto,
            lease_ms=int(state.settings.idempotency_lease_seconds * 1000),
        )
        keys: IdempotencyKeys = state.db.idempotency_keys
        response = await self._once(scope, receive, send, body, keys, keyed)
        if response is not None:
            await response(scope, receive, send)

    async def _once(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes,
        keys: IdempotencyKeys,
        keyed: _Keyed,
    ) -> Response | None:
        """Run the request, or find the first one's answer. Returns the response to send, or
        None when the request ran here and has been answered."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            running = self._running.get(keyed.key_hash)
            if running is not None:
                if running.fingerprint != keyed.fingerprint:
                    return _reused_key()
                try:
                    timeout = max(0.0, deadline - time.monotonic())
                    answer = await asyncio.wait_for(asyncio.shield(running.done), timeout)
                except TimeoutError:
                    break
                if answer is not None:
                    return _replay(answer)
                continue  # the first request failed and freed the key: run this one
            mine = _Running(keyed.fingerprint, asyncio.get_running_loop().create_future())
            self._running[keyed.key_hash] = mine
            try:
                claim = await keys.claim(
                    keyed.key_hash,
                    keyed.fingerprint,
                    keyed.lease_ms,
                    keyed.keep_ms,
                    keyed.in_memory,
                )
            except BaseException as exc:
                self._finish(keyed, mine, None)
                if isinstance(exc, StoreUnavailable):
                    return _unavailable()
                raise
            if claim.owned:
                await self._run(scope, receive, send, body, keys, keyed, claim.claimed_at, mine)
                return None
            self._finish(keyed, mine, None)  # not ours: local repeats look again too
            response = await _wait_elsewhere(keys, keyed, claim.existing, deadline)
            if response is not None:
                return response
        return _still_running()

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes,
        keys: IdempotencyKeys,
        keyed: _Keyed,
        claimed_at: int,
        mine: _Running,
    ) -> None:
        """Run the request with the key claimed; keep its answer if it succeeded."""
        body_sent = False

        async def replay_body() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            # The error handler outside answers 500; nothing was done, so free the key.
            self._release_later(keys, keyed, claimed_at)
            self._finish(keyed, mine, None)
            raise
        answer = None
        if start is not None and 200 <= start["status"] <= 299 and not _no_store(start):
            content_type = next(
                (v.decode("latin-1") for k, v in start.get("headers", ()) if k == b"content-type"),
                None,
            )
            answer = Answer(start["status"], content_type, b"".join(chunks))
            keys.remember(
                keyed.key_hash,
                claimed_at,
                keyed.fingerprint,
                answer.status_code,
                answer.content_type,
                answer.body,
                keyed.keep_ms,
                keyed.in_memory,
            )
        else:
            self._release_later(keys, keyed, claimed_at)
        self._finish(keyed, mine, answer)
        if start is not None:
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(chunks)})

    def _finish(self, keyed: _Keyed, mine: _Running, answer: Answer | None) -> None:
        if self._running.get(keyed.key_hash) is mine:
            del self._running[keyed.key_hash]
        if not mine.done.done():
            mine.done.set_result(answer)

    def _release_later(self, keys: IdempotencyKeys, keyed: _Keyed, claimed_at: int) -> None:
        """Free a key whose request failed, in the background and with retries (the failure
        may have been a database outage), so that the client's retry can run."""
        if not keys.shared:
            return  # no claim was written

        async def release() -> None:
            for _ in range(max(1, keyed.lease_ms // 1000)):
                try:
                    await keys.release(keyed.key_hash, claimed_at)
                    return
                except Exception as exc:
                    log.debug("cannot release an idempotency key yet: %s", exc)
                    await asyncio.sleep(1.0)

        task = asyncio.get_running_loop().create_task(release())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def _wait_elsewhere(
    keys: IdempotencyKeys, keyed: _Keyed, found: StoredAnswer | None, deadline: float
) -> Response | None:
    """Another process holds the key: poll until its request answers. Returns the response to
    send, or None when the key is free again (released, or its claim abandoned) and this
    request should claim it."""
    for attempt in itertools.count():
        if found is None:
            return None
        if found.fingerprint != keyed.fingerprint:
            return _reused_key()
        if found.status_code is not None:
            return _replay(Answer(found.status_code, found.content_type, found.body or b""))
        if found.created_at + keyed.lease_ms <= keys.db.clock.now_ms():
            return None  # abandoned: claiming takes it over
        if time.monotonic() >= deadline:
            return _still_running()
        await asyncio.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
        found = await keys.find(keyed.key_hash)
    raise AssertionError("unreachable")


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _no_store(start: Message) -> bool:
    """Answers that carry a secret (a rotated signing secret, a new application token) say
    `Cache-Control: no-store`: they are not kept, or the secret would lie in the database in
    plaintext (see docs/security.md). A repeat of such a request runs again."""
    return any(
        k == b"cache-control" and b"no-store" in v.lower() for k, v in start.get("headers", ())
    )


def _digest(*parts: bytes) -> bytes:
    """128 bits of SHA-256 over the parts, each length-prefixed so that they cannot run
    together."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()[:16]


def _replay(answer: Answer) -> Response:
    headers = {"idempotent-replayed": "true"}
    return Response(answer.body, answer.status_code, headers, media_type=answer.content_type)


def _invalid_key(problem: str) -> Response:
    detail = [{"loc": ["header", "idempotency-key"], "msg": problem, "type": "value_error"}]
    return error(422, "validation", detail)


def _reused_key() -> Response:
    return _invalid_key(
        "this idempotency-key was already used with a different request (query string or "
        "body); use a new key for a new request"
    )


def _still_running() -> Response:
    return error(
        409,
        "conflict",
        "a request with this idempotency-key is still being processed; retry it later",
    )


def _unavailable() -> Response:
    return error(
        503,
        "service_unavailable",
        "the database is unavailable; retry later",
        headers={"Retry-After": "1"},
    )
