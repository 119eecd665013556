"""Bodies of the polling routes: Svix's MessageEventsOut, PollingEndpointOut,
PollingEndpointMessageOut and the consumer's seek."""

from __future__ import annotations

from hookline.api.models import ApiModel, IsoDateTime, MessageOut, OutModel


class MessageEventsOut(OutModel):
    """A page of the events API. `iterator` continues after it (now or later, across
    restarts); `done`: nothing more was there to read."""

    data: list[MessageOut]
    iterator: str
    done: bool


class PollingEndpointMessageOut(MessageOut):
    # Svix's field for headers given with the message; Hookline has none to show: null.
    headers: dict[str, str] | None = None


class PollingEndpointOut(OutModel):
    data: list[PollingEndpointMessageOut]
    iterator: str
    done: bool


class PollingEndpointConsumerSeekIn(ApiModel):
    after: IsoDateTime


class PollingEndpointConsumerSeekOut(OutModel):
    iterator: str
