"""What operations need from the process they run in, passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

from hookline.config import Settings
from hookline.operational import OperationalEvents
from hookline.operations.background import BackgroundRunner
from hookline.operations.payload_validation import PayloadValidators
from hookline.readiness import FailureWatch
from hookline.store import Database


@dataclass(frozen=True)
class OperationContext:
    settings: Settings
    db: Database
    # Where endpoint switches and failures are announced (operational webhooks).
    operational: OperationalEvents
    # This process's publishes, for the health route: failures that last make it not ready.
    publishes: FailureWatch = field(default_factory=lambda: FailureWatch("publish messages"))
    # This process's compiled JSON Schemas of event types that validate payloads.
    validators: PayloadValidators = field(default_factory=PayloadValidators)
    # This process's background tasks (expunge all, statistics aggregation).
    background: BackgroundRunner = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "background", BackgroundRunner(self.db, self.operational))
