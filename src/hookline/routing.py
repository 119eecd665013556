"""Which endpoints receive a message. Pure."""

from __future__ import annotations

from collections.abc import Collection


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
