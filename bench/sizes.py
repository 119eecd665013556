"""How much work each row does, in full and in `--quick` mode."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    # Messages per throughput row (ceiling, backlog drain, end to end).
    messages: int
    # The Celery baseline is an order of magnitude slower; fewer tasks keep the run short
    # while still lasting long enough (seconds) for a stable rate.
    baseline_messages: int
    latency_rate: float
    latency_seconds: float
    fanout_endpoints: int
    # Backlog scale: `scale_endpoints` endpoints × N messages = pending deliveries.
    scale_endpoints: int
    scale_small_messages: int
    scale_large_messages: int
    # The large backlog is not drained completely: the rate is measured over this window.
    scale_window: float
    # The pages row: a data set of this many messages (ten attempts each), kept between runs.
    pages_messages: int
    # Upper bound for one row, setup included; a row past it is cancelled and reported.
    row_timeout: float
    # Upper bound for any single wait for deliveries to arrive.
    delivery_timeout: float
    # A wait also ends when no new delivery arrived for this long (a stuck worker).
    stall_timeout: float

    @property
    def scale_small(self) -> int:
        return self.scale_endpoints * self.scale_small_messages

    @property
    def scale_large(self) -> int:
        return self.scale_endpoints * self.scale_large_messages

    def with_messages(self, messages: int) -> Sizes:
        return replace(self, messages=messages)


FULL = Sizes(
    messages=20_000,
    baseline_messages=5_000,
    latency_rate=500.0,
    latency_seconds=10.0,
    fanout_endpoints=10_000,
    scale_endpoints=10_000,
    scale_small_messages=1,  # 10,000 pending
    scale_large_messages=100,  # 1,000,000 pending
    scale_window=20.0,
    pages_messages=100_000,
    row_timeout=1500.0,
    delivery_timeout=600.0,
    stall_timeout=60.0,
)

QUICK = Sizes(
    messages=200,
    baseline_messages=200,
    latency_rate=500.0,
    latency_seconds=1.0,
    fanout_endpoints=200,
    scale_endpoints=200,
    scale_small_messages=5,  # 1,000 pending
    scale_large_messages=25,  # 5,000 pending
    scale_window=3.0,
    pages_messages=1_000,
    row_timeout=150.0,
    delivery_timeout=60.0,
    stall_timeout=20.0,
)
