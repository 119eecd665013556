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
