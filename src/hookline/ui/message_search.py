"""The Messages view's search form, read from the query string into what the store takes.
Pure: a problem is a SearchProblem with the sentence to show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hookline import ids
from hookline.types import DeliveryStatus
from hookline.ui.time_inputs import BadTime, parse_time

MAX_FIELD_CHARS = 256
STATUSES = {status.text: status for status in DeliveryStatus}


class SearchProblem(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class MessageSearch:
    app: str  # an application's id or uid; "" when none is chosen
    key: str  # a message id or eventId; "" for a listing
    event_type: str
    channel: str
    status: DeliveryStatus | None
    since_ms: int | None
    until_ms: int | None
    after: str | None  # the page's cursor

    @property
    def key_is_message_id(self) -> bool:
        return self.key.startswith(ids.MESSAGE + "_")

    @property
    def filtered(self) -> bool:
        return (
            bool(self.event_type or self.channel or self.status is not None or self.since_ms)
            or self.until_ms is not None
        )


def read_search(params: Mapping[str, str]) -> MessageSearch:
    def text(name: str) -> str:
        return params.get(name, "").strip()[:MAX_FIELD_CHARS]

    status_text = text("status")
    if status_text and status_text not in STATUSES:
        raise SearchProblem(f"status: choose one of {', '.join(STATUSES)}")
    try:
        since = parse_time(params.get("since"), "From")
        until = parse_time(params.get("until"), "Until")
    except BadTime as exc:
        raise SearchProblem(str(exc)) from None
    if since is not None and until is not None and until <= since:
        raise SearchProblem("the time window ends before it starts")
    return MessageSearch(
        app=text("app"),
        key=text("q"),
        event_type=text("event_type"),
        channel=text("channel"),
        status=STATUSES[status_text] if status_text else None,
        since_ms=since,
        until_ms=until,
        after=params.get("after") or None,
    )
