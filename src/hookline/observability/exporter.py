"""What a scrape returns: the process's metrics and the queue gauges.

Counting a large queue takes longer than a scrape should (over 100 ms at 1,000,000 pending
deliveries, figures in BENCHMARKS.md), so where the process runs `refresh_gauges` the gauges
are read in the background and a scrape serves the last reading without touching the store.
The loop reads every `GAUGE_REFRESH_SECONDS`, or less often when one reading is slow (so that
counting never takes more than about 5 % of the time), and only while someone scrapes. Without
a reading young enough (the loop not running, or idle) a scrape reads the store itself, at most
every few seconds however often Prometheus (or several of them) scrape."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hookline.observability.metrics import Metrics
from hookline.store.connections import Connections
from hookline.store.queue_gauges import QueueCounts, read_queue_counts

log = logging.getLogger("hookline.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
GAUGE_CACHE_SECONDS = 5.0
GAUGE_REFRESH_SECONDS = 5.0
# A reading that took t seconds is followed by a pause of at least this many times t.
REFRESH_PAUSE_FACTOR = 20.0
# The loop stops reading when nobody scraped for this long (nothing is gained by counting).
SCRAPE_IDLE_SECONDS = 600.0


class _Snapshot(Collector):
    """The gauges, from the last store read and this process's worker."""

    def __init__(self) -> None:
        self.counts: QueueCounts | None = None
        self.in_flight: Callable[[], int] | None = None

    def collect(self) -> Iterator[Metric]:
        c = self.counts
        if self.in_flight is not None:
            yield GaugeMetricFamily(
                "hookline_deliveries_in_flight",
                "Deliveries this worker is sending now (sum over workers for the total).",
                value=self.in_flight(),
            )
        if c is None:
            return
        for name, text, value in (
            ("hookline_deliveries_due", "Deliveries due now, waiting for a worker.", c.due),
            (
                "hookline_deliveries_scheduled",
                "Deliveries due later: retries scheduled, and leases held by workers.",
                c.later,
            ),
            (
                "hookline_deliveries_parked",
                "Deliveries held back: circuit open or endpoint disabled.",
                c.parked,
            ),
            (
                "hookline_backlog_age_seconds",
                "How long the oldest due delivery has been waiting (0: none is due).",
                (c.read_at_ms - c.oldest_due_at_ms) / 1000 if c.oldest_due_at_ms else 0.0,
            ),
            (
                "hookline_endpoints_circuit_open",
                "Endpoints whose circuit is open.",
                c.circuits_open,
            ),
            ("hookline_endpoints_disabled", "Disabled endpoints.", c.endpoints_disabled),
        ):
            yield GaugeMetricFamily(name, text, value=value)


class Exporter:
    def __init__(
        self,
        db: Connections,
        metrics: Metrics,
        in_flight: Callable[[], int] | None = None,
        cache_seconds: float = GAUGE_CACHE_SECONDS,
        refresh_seconds: float = GAUGE_REFRESH_SECONDS,
    ) -> None:
        self.db = db
        self.metrics = metrics
        self.cache_seconds = cache_seconds
        self.refresh_seconds = refresh_seconds
        self._snapshot = _Snapshot()
        self._snapshot.in_flight = in_flight
        self._gauges = CollectorRegistry(auto_describe=False)
        self._gauges.register(self._snapshot)
        # Until when the last reading may be served (monotonic seconds).
        self._valid_until = float("-inf")
        self._scraped_at = float("-inf")
        self._lock = asyncio.Lock()

    def set_in_flight(self, in_flight: Callable[[], int]) -> None:
        self._snapshot.in_flight = in_flight

    async def _read(self) -> float:
        """Read the gauges from the store; returns how long the reading took (seconds)."""
        started = time.monotonic()
        self._snapshot.counts = await read_queue_counts(self.db)
        return time.monotonic() - started

    async def _refresh(self) -> None:
        async with self._lock:  # concurrent scrapes share one read
            if time.monotonic() < self._valid_until:
                return
            await self._read()
            self._valid_until = time.monotonic() + self.cache_seconds

    async def refresh_gauges(self, stop: asyncio.Event) -> None:
        """Keep the gauges read in the background until `stop` is set, so that scrapes are
        served from memory; run by `hookline serve` and `hookline worker`."""
        while not stop.is_set():
            pause = self.refresh_seconds
            if time.monotonic() - self._scraped_at < SCRAPE_IDLE_SECONDS:
                try:
                    async with self._lock:
                        took = await self._read()
                        pause = max(self.refresh_seconds, REFRESH_PAUSE_FACTOR * took)
                        # Served until the next reading is due, and a little after.
                        self._valid_until = time.monotonic() + pause + max(1.0, 2 * took)
                except Exception as exc:  # the next scrape reads (and reports) for itself
                    log.warning("cannot read the queue gauges: %s", exc)
                    self._valid_until = float("-inf")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)

    async def render(self) -> bytes:
        """The exposition text. While the store cannot be read the queue gauges are left out
        (rather than shown stale); the counters are served regardless."""
        self._scraped_at = time.monotonic()
        try:
            await self._refresh()
        except Exception as exc:  # a scrape must answer while the database is away
            log.warning("cannot read the queue gauges: %s", exc)
            self._snapshot.counts = None
            self._valid_until = float("-inf")
        return generate_latest(self.metrics.registry) + generate_latest(self._gauges)
