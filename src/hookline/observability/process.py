"""One process's observability: its exporter and its readiness checks, from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hookline.config import Settings
from hookline.observability import metrics
from hookline.observability.exporter import Exporter
from hookline.observability.probes import Readiness, standard_readiness
from hookline.readiness import FailureWatches
from hookline.store import Database

# A worker loop that has not turned for this long (beyond its poll interval and one request
# timeout) is stuck or dead: the process is not ready.
WORKER_STALL_SECONDS = 30.0


@dataclass(frozen=True)
class Observability:
    exporter: Exporter | None  # None: HOOKLINE_METRICS_ENABLED=false
    readiness: Readiness


def observability_for(
    settings: Settings,
    db: Database,
    worker_in_flight: Callable[[], int] | None = None,
    worker_beat: Callable[[], float | None] | None = None,
    failures: FailureWatches | None = None,
) -> Observability:
    registry = metrics.configure(settings)
    exporter = Exporter(db, registry, worker_in_flight) if settings.metrics_enabled else None
    max_age = WORKER_STALL_SECONDS + settings.poll_interval + settings.request_timeout
    return Observability(exporter, standard_readiness(db, worker_beat, max_age, failures))
