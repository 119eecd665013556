"""Which endpoints receive a message. Pure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, TypeVar


class Routable(Protocol):
    """An endpoint as routing sees it: its id and its filters (None: no filter)."""

    @property
    def endpoint_id(self) -> str: ...

    @property
    def event_types(self) -> Collection[str] | None: ...

    @property
    def channels(self) -> Collection[str] | None: ...

    @property
    def disabled(self) -> bool: ...

    @property
    def keeps_while_disabled(self) -> bool | None: ...


R = TypeVar("R", bound=Routable)


def endpoint_accepts(
    endpoint_event_types: Collection[str] | None,
    endpoint_channels: Collection[str] | None,
    event_type: str,
    message_channels: Collection[str] | None,
) -> bool:
    """An endpoint without a filter accepts everything; with one, the message must match it.

    Event types: the message's type must be listed. Channels: the message must carry at
    least one of the endpoint's channels (a message without channels reaches only endpoints
    without a channel filter), as in Svix.
    """
    if endpoint_event_types and event_type not in endpoint_event_types:
        return False
    if endpoint_channels:
        return bool(message_channels) and not set(endpoint_channels).isdisjoint(
            message_channels or ()
        )
    return True


def recipients(
    endpoints: Sequence[R],
    event_type: str,
    message_channels: Collection[str] | None,
    only_endpoint: str | None = None,
    server_keeps: bool = False,
) -> list[R]:
    """The endpoints (of one application) that a message goes to, in their order: those whose
    filters accept it and that are enabled or keep messages while disabled
    (`reaches_endpoint`; `server_keeps` is HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS).

    `only_endpoint` names the one endpoint an example is sent to, whatever its filters (if it
    is enabled). Enabled endpoints without filters skip the calls: a fan-out to 10,000 of them
    is on the path of one API answer.
    """
    if only_endpoint is not None:
        return [e for e in endpoints if e.endpoint_id == only_endpoint and not e.disabled]
    return [
        e
        for e in endpoints
        if (not e.disabled or reaches_endpoint(True, e.keeps_while_disabled, server_keeps))
        and (
            (not e.event_types and not e.channels)
            or endpoint_accepts(e.event_types, e.channels, event_type, message_channels)
        )
    ]


def reaches_endpoint(
    disabled: bool, keep_messages_while_disabled: bool | None, server_keeps: bool
) -> bool:
    """Whether a message published now gets a delivery to an endpoint (its filters aside).

    An enabled endpoint always does. A disabled one only if it keeps messages while disabled:
    its own `keep_messages_while_disabled`, or where it has none (None) the server's
    HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS. Its delivery then waits, parked, until the
    endpoint is enabled again; otherwise the message skips it (replay-missing can send it
    later), as in Svix.
    """
    if not disabled:
        return True
    return server_keeps if keep_messages_while_disabled is None else keep_messages_while_disabled
