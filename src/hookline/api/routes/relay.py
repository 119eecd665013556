"""`GET /api/v1/relay/listen` (WebSocket): the server's side of `hookline listen`.

The handshake names the application (`app`, optional with an application token), the session
(`name`) and the filter (`eventTypes=a,b`); the bearer token is checked as the REST API checks
it, as if for creating an endpoint in that application (`app_token_scope`), since that is what
the handshake does. The relay endpoint is created or resumed, the worker of this process sends
its deliveries down the socket (delivery/relay_sender.py), and the answers come back up.

The socket is accepted before anything is checked, so that a refusal can say why: an `error`
frame, then a close with code 4000 + the HTTP status it stands for.

This lives with the API's routes (and not in `relay/`) because it authenticates and answers as
the API does; the transport-neutral parts are delivery/relay_sender.py and relay_frames.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging

from fastapi import APIRouter, WebSocket
from starlette.datastructures import State
from starlette.websockets import WebSocketState

from hookline import relay_frames
from hookline.api import app_token_scope
from hookline.api.auth import _bearer, token_digest
from hookline.delivery.relay_sender import RelayChannel, RelaySender
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput
from hookline.operations.relay_endpoints import (
    RENEW_EVERY_SECONDS,
    attach_relay,
    checked_event_types,
    detach_relay,
    renew_relay,
)
from hookline.store import Database, NotFound, StoreUnavailable
from hookline.store.app_tokens import TOKEN_PREFIX, AppToken
from hookline.store.errors import Conflict

LISTEN_PATH = "/api/v1/relay/listen"
log = logging.getLogger("hookline.relay")
router = APIRouter()


class _Refused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.frame = relay_frames.Refused(status, code, detail)


@router.websocket(LISTEN_PATH)
async def relay_listen(websocket: WebSocket) -> None:
    await websocket.accept()
    state = websocket.app.state
    ctx: OperationContext = state.operations
    sender: RelaySender | None = getattr(state, "relay", None)
    lock = asyncio.Lock()

    async def send_text(text: str) -> None:
        async with lock:  # the worker's sends and this route's share one socket
            await websocket.send_text(text)

    try:
        app_id = await _authorised_app(websocket)
        if sender is None:
            raise _Refused(
                503,
                "service_unavailable",
                "this server runs no delivery worker: connect to one that does",
            )
        params = websocket.query_params
        event_types = checked_event_types(params.get("eventTypes", ""))
        name = params.get("name", "")
        row, secret = await attach_relay(ctx, app_id, name, event_types, sender.owner)
    except _Refused as refused:
        await _refuse(websocket, refused.frame)
        return
    except InvalidInput as exc:
        await _refuse(websocket, relay_frames.Refused(422, "validation", exc.detail))
        return
    except NotFound as exc:
        await _refuse(websocket, relay_frames.Refused(404, "not_found", str(exc)))
        return
    except Conflict as exc:
        await _refuse(websocket, relay_frames.Refused(409, "conflict", str(exc)))
        return
    except StoreUnavailable:
        detail = "the database is unavailable; retry later"
        await _refuse(websocket, relay_frames.Refused(503, "service_unavailable", detail))
        return

    channel = sender.open(row.id, send_text)
    stopped = False
    try:
        ready = relay_frames.Ready(row.id, row.app_id, secret, name, ctx.settings.request_timeout)
        await send_text(relay_frames.encode(ready))
        log.info("listener %r connected to relay endpoint %s", name, row.id)
        stopped = await _serve(websocket, ctx, sender, channel)
    finally:
        current = sender.is_current(channel)
        sender.release(channel)  # what waits for an answer fails now, with `connection`
        if current:  # (a listener that took the name over in this process keeps it)
            with contextlib.suppress(Exception):
                await detach_relay(ctx, row.id, sender.owner, stopped)
        log.info(
            "listener %r left relay endpoint %s (%s)",
            name,
            row.id,
            "stopped" if stopped else "disconnected",
        )
        if websocket.application_state is not WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(1000)


async def _authorised_app(websocket: WebSocket) -> str:
    """The id of the application the caller may attach a relay endpoint to."""
    state = websocket.app.state
    header = websocket.headers.get("authorization", "")
    token = _bearer(header)
    if token is None:
        detail = "missing bearer token in the Authorization header"
        raise _Refused(401, "authentication_failed", detail)
    key = websocket.query_params.get("app") or None
    if hmac.compare_digest(token_digest(token), state.admin_token_digest):
        if key is None:
            raise _Refused(422, "validation", "name the application: app=<id or uid>")
        found = await _resolved(state, key)
        if found is None:
            raise _Refused(404, "not_found", f"application {key!r} not found")
        return found
    grant: AppToken | None = None
    if token.startswith(TOKEN_PREFIX):
        db: Database = state.db
        try:
            grant = await db.app_tokens.find(token)
        except StoreUnavailable:
            raise _Refused(503, "service_unavailable", "the database is unavailable") from None
    if grant is None:
        raise _Refused(401, "authentication_failed", "invalid token")
    resolved = grant.app_id if key is None or key == grant.app_id else None
    if resolved is None and key is not None:
        resolved = await _resolved(state, key)
    # The same rule as a POST creating an endpoint in that application.
    refused = app_token_scope.refusal(
        "POST",
        f"/api/v1/app/{resolved or key}/endpoint",
        grant.app_id,
        resolved,
        grant.read_only,
        grant.capabilities,
        grant.polling_endpoint_id,
    )
    if refused is not None:
        raise _Refused(refused.status, "forbidden", refused.detail)
    assert resolved is not None  # refusal() refuses when it names no application
    return resolved


async def _resolved(state: State, key: str) -> str | None:
    """The id of the application `key` names, or None."""
    db: Database = state.db
    try:
        return await db.applications.resolve(key)
    except StoreUnavailable:
        raise _Refused(503, "service_unavailable", "the database is unavailable") from None


async def _serve(
    websocket: WebSocket, ctx: OperationContext, sender: RelaySender, channel: RelayChannel
) -> bool:
    """Hand answers to the channel until the listener leaves (True: it said bye), loses the
    name to another listener, or this process stops owning the endpoint."""
    receiving = asyncio.create_task(_receive(websocket, channel))
    renewing = asyncio.create_task(_renew(ctx, sender, channel))
    replaced = asyncio.create_task(channel.closed.wait())
    tasks = {receiving, renewing, replaced}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if receiving.done() and not receiving.cancelled() and receiving.exception() is None:
        return bool(receiving.result())
    detail = (
        "this listener no longer holds the relay endpoint: another listener with its name took "
        "it over, or it was deleted"
    )
    await _refuse(websocket, relay_frames.Refused(409, "conflict", detail))
    return False


async def _receive(websocket: WebSocket, channel: RelayChannel) -> bool:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return False
        text = message.get("text")
        if text is None:
            continue
        try:
            frame = relay_frames.decode(text)
        except relay_frames.BadFrame as exc:
            log.warning("relay endpoint %s: ignored a bad frame: %s", channel.endpoint_id, exc)
            continue
        if isinstance(frame, relay_frames.Answer):
            channel.answered(frame)
        elif isinstance(frame, relay_frames.Bye):
            return True


async def _renew(ctx: OperationContext, sender: RelaySender, channel: RelayChannel) -> None:
    """Renew the ownership while the socket is open; return when it is lost."""
    while True:
        await asyncio.sleep(RENEW_EVERY_SECONDS)
        try:
            if not await renew_relay(ctx, channel.endpoint_id, sender.owner):
                return
        except StoreUnavailable:
            continue  # the lease outlasts a short outage; the next turn tries again


async def _refuse(websocket: WebSocket, frame: relay_frames.Refused) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(relay_frames.encode(frame))
        await websocket.close(relay_frames.CLOSE_CODE_BASE + frame.status, frame.detail[:120])
