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
) -> list[R]:
    """The endpoints (of one application, enabled) that a message goes to, in their order.

    `only_endpoint` names the one endpoint an example is sent to, whatever its filters.
    Endpoints without filters skip the call: a fan-out to 10,000 of them is on the path of
    one API answer.
    """
    if only_endpoint is not None:
        return [e for e in endpoints if e.endpoint_id == only_endpoint]
    return [
        e
        for e in endpoints
        if (not e.event_types and not e.channels)
        or endpoint_accepts(e.event_types, e.channels, event_type, message_channels)
    ]
