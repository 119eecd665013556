"""Relay endpoints (`hookline listen`): what a listener's handshake and its end do.

Only this creates endpoints of kind `relay`: the endpoint API refuses their `relay://` URLs.
"""

from __future__ import annotations

import re

from hookline import signing
from hookline.operations.context import OperationContext
from hookline.operations.endpoints import _announce
from hookline.operations.errors import InvalidInput
from hookline.store.rows import EndpointRow

# The owner's heartbeat: a process that died stops renewing, and its relays are free again
# (their deliveries fail with `connection` until a listener is back) after at most this.
OWNER_LEASE_MS = 30_000
RENEW_EVERY_SECONDS = 10.0
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9._-]{1,256}$")


def checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidInput("a listener's name is 1 to 100 letters, digits, '.', '_' or '-'", "name")
    return name


def checked_event_types(text: str) -> list[str] | None:
    """`a,b` → ["a", "b"]; empty → None (every event type)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if not _EVENT_TYPE.match(name):
            raise InvalidInput(f"not an event type name: {name!r}", "eventTypes")
    return names or None


async def attach_relay(
    ctx: OperationContext, app: str, name: str, event_types: list[str] | None, owner: str
) -> tuple[EndpointRow, str]:
    """Create or resume the named relay endpoint, owned by `owner`; returns it with its
    signing secret (which the developer needs to verify what arrives)."""
    until = ctx.db.clock.now_ms() + OWNER_LEASE_MS
    row, secret, created = await ctx.db.relay_endpoints.attach(
        app, checked_name(name), event_types, owner, until, signing.generate_secret()
    )
    await _announce(ctx, "endpoint.created" if created else "endpoint.updated", row)
    return row, secret


async def renew_relay(ctx: OperationContext, endpoint_id: str, owner: str) -> bool:
    until = ctx.db.clock.now_ms() + OWNER_LEASE_MS
    return await ctx.db.relay_endpoints.renew(endpoint_id, owner, until)


async def detach_relay(ctx: OperationContext, endpoint_id: str, owner: str, stopped: bool) -> None:
    await ctx.db.relay_endpoints.detach(endpoint_id, owner, stopped)
