"""Errors the store raises; the API maps them to HTTP answers."""


class StoreError(Exception):
    pass


class NotFound(StoreError):
    def __init__(self, kind: str, key: str, why: str = "") -> None:
        super().__init__(f"{kind} {key!r} not found" + (f": {why}" if why else ""))
        self.kind = kind
        self.key = key


class Conflict(StoreError):
    pass


class InvalidKey(StoreError):
    """A caller-chosen key (uid, eventId) that may not be used; answered as a 422 at `loc`."""

    def __init__(self, message: str, loc: tuple[str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


class StoreUnavailable(StoreError):
    """The database cannot be reached; the caller should answer 503 and retry later."""


class StoreFull(StoreUnavailable):
    """The database's disk is full. Like an outage it passes (once space is freed) and nothing
    was written, so everything that retries on StoreUnavailable retries on this too; the API
    answers 507 so that the operator sees the cause rather than a generic 503."""


class PayloadRemoved(StoreError):
    """The message's payload was expunged or removed by retention: it cannot be sent again."""

    def __init__(self, msg_id: str) -> None:
        super().__init__(
            f"message {msg_id!r} cannot be sent: its payload was removed (expunged, or older "
            "than the retention period)"
        )
