"""Domain vocabulary shared by the store, the API and the worker. Imports nothing of Hookline."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DeliveryStatus(enum.IntEnum):
    """Values match Svix's `MessageStatus`, so they appear unchanged in the API."""

    SUCCESS = 0
    PENDING = 1
    FAIL = 2
    SENDING = 3
    CANCELED = 4

    @property
    def text(self) -> str:
        return self.name.lower()


class TriggerType(enum.IntEnum):
    SCHEDULED = 0
    MANUAL = 1


class FailureKind(enum.StrEnum):
    """Why an attempt failed; stored with the attempt and shown in the API."""

    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"
    BLOCKED_ADDRESS = "blocked_address"
    INVALID_URL = "invalid_url"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one HTTP attempt, whatever happened."""

    succeeded: bool
    status_code: int  # 0 when no HTTP response was received
    response_body: str
    duration_ms: int
    failure_kind: FailureKind | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """Everything the worker needs to send one delivery, as claimed from the store."""

    delivery_id: int
    app_id: str
    msg_id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    headers: dict[str, str]
    payload: bytes
    attempt_count: int
    trigger: TriggerType


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What the worker reports back after sending one `DeliveryJob`."""

    job: DeliveryJob
    attempt_id: str
    started_at_ms: int
    outcome: Outcome
    # None when the delivery is finished (delivered or out of retries).
    next_attempt_at_ms: int | None
