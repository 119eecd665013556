"""/api/v1/app/{app_id}/events and …/poller/{sink_id}: reading an application's messages in
publish order instead of (or besides) receiving them, with long polling (`wait`).

An `iterator` here is a place in the application's stream of messages (the number of the
last message read), so it stays valid across restarts and never skips a message committed
after it was handed out.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.polling_models import (
    MessageEventsOut,
    PollingEndpointConsumerSeekIn,
    PollingEndpointConsumerSeekOut,
    PollingEndpointOut,
)
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    ChannelFilter,
    EventTypes,
    Limit,
    Ops,
    PathKey,
    QueryKey,
    Time,
    event_type_list,
    to_ms,
)
from hookline.operations import polling
from hookline.operations.polling import MAX_WAIT_SECONDS
from hookline.store.polling import StreamFilter, StreamPage

router = APIRouter(prefix="/api/v1/app/{app_id}", tags=["Polling"], route_class=JsonBodyRoute)

StreamIterator = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{1,18}$",
        description="The `iterator` of a previous answer: continue after it.",
    ),
]
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=(
            "Long polling (a Hookline extension): when nothing is there to read, wait up to "
            "this many seconds for a message to be published, and answer as soon as one is."
        ),
    ),
]
# Channels joined with commas or repeated, like `event_types`.
ChannelList = Annotated[str, StringConstraints(max_length=2_000, pattern=r"^[a-zA-Z0-9\-_.:#,]*$")]
Channels = Annotated[list[ChannelList] | None, Query()]


def _position(iterator: str | None) -> int | None:
    return None if iterator is None else int(iterator)


def _body(page: StreamPage, polled: bool) -> dict[str, Any]:
    def item(row: Any) -> dict[str, Any]:
        out = serialize.message(row)
        if polled:
            out["headers"] = None
        return out

    return {
        "data": [item(row) for row in page.items],
        "iterator": str(page.position),
        "done": page.done,
    }


@router.get("/events", response_model=MessageEventsOut)
async def list_events(
    app_id: PathKey,
    ops: Ops,
    limit: Limit = DEFAULT_LIMIT,
    iterator: StreamIterator = None,
    event_types: EventTypes = None,
    channels: Channels = None,
    after: Time = None,
    wait: Wait = 0,
) -> OrjsonResponse:
    """The application's messages in publish order, oldest first: from the `iterator`, else
    those published after `after`, else from the oldest kept. `event_types`, `channels`
    (a message carrying any of them) narrow it."""
    wanted = StreamFilter(
        event_types=tuple(event_type_list(event_types) or ()),
        channels=tuple(event_type_list(channels) or ()),
    )
    page = await polling.read_events(
        ops, app_id, _position(iterator), limit, wanted, to_ms(after), wait
    )
    return OrjsonResponse(_body(page, polled=False))


@router.get("/poller/{sink_id}", response_model=PollingEndpointOut)
async def poll(
    app_id: PathKey,
    sink_id: PathKey,
    ops: Ops,
    limit: Limit = DEFAULT_LIMIT,
    iterator: StreamIterator = None,
    event_type: QueryKey = None,
    channel: ChannelFilter = None,
    after: Time = None,
    wait: Wait = 0,
) -> OrjsonResponse:
    """The messages the endpoint `sink_id` subscribes to (its event type and channel
    filters), in publish order; the caller keeps the iterator."""
    page = await polling.poll(
        ops,
        app_id,
        sink_id,
        _position(iterator),
        limit,
        event_type=event_type,
        channel=channel,
        after_ms=to_ms(after),
        wait_seconds=wait,
    )
    return OrjsonResponse(_body(page, polled=True))


@router.get("/poller/{sink_id}/consumer/{consumer_id}", response_model=PollingEndpointOut)
async def consumer_poll(
    app_id: PathKey,
    sink_id: PathKey,
    consumer_id: PathKey,
    ops: Ops,
    limit: Limit = DEFAULT_LIMIT,
    iterator: StreamIterator = None,
    wait: Wait = 0,
) -> OrjsonResponse:
    """The consumer's next messages: Hookline keeps its cursor and moves it past what this
    answer holds. A new consumer starts with the oldest message kept."""
    page = await polling.consume(
        ops, app_id, sink_id, consumer_id, limit, _position(iterator), wait
    )
    return OrjsonResponse(_body(page, polled=True))


@router.post(
    "/poller/{sink_id}/consumer/{consumer_id}/seek", response_model=PollingEndpointConsumerSeekOut
)
async def consumer_seek(
    app_id: PathKey,
    sink_id: PathKey,
    consumer_id: PathKey,
    body: PollingEndpointConsumerSeekIn,
    ops: Ops,
) -> OrjsonResponse:
    """Move the consumer's cursor: it next reads the messages published after `after`."""
    position = await polling.seek_consumer(
        ops, app_id, sink_id, consumer_id, to_ms(body.after) or 0
    )
    return OrjsonResponse({"iterator": str(position)})
