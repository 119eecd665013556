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


class PayloadRemoved(StoreError):
    """The message's payload was expunged or removed by retention: it cannot be sent again."""

    def __init__(self, msg_id: str) -> None:
        super().__init__(
            f"message {msg_id!r} cannot be sent: its payload was removed (expunged, or older "
            "than the retention period)"
        )
