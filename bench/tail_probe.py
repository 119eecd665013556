"""`python -m bench.tail_probe <hookline arguments>`: run the Hookline CLI with probes for the
suspects of latency tails, and write what they saw as JSON to `BENCH_TAIL_PROBE_OUT` when the
process exits (a bench row stops it with SIGTERM). For example:

    BENCH_TAIL_PROBE_OUT=/tmp/probe.json python -m bench --quick --only sqlite-latency \\
        --hookline-command "python -m bench.tail_probe"

Probes:
- garbage collection: collections and their pauses per generation (`gc.callbacks`);
- the store's write transactions: how long each waited for the writer connection and held it,
  by the function that opened it (publish, claim, record, release, ...);
- the event loop: how late a 5 ms timer fires (anything that blocks the loop shows here).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

TICK_S = 0.005
SNAPSHOT_TICKS = 600  # about every 3 s


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(pct: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))], 3)

    return {
        "count": len(ordered),
        "total_ms": round(sum(ordered), 1),
        "p50_ms": at(50),
        "p99_ms": at(99),
        "max_ms": round(ordered[-1], 3),
    }


class Probe:
    def __init__(self) -> None:
        self.gc_pauses: dict[int, list[float]] = defaultdict(list)
        self.gc_cpu: dict[int, list[float]] = defaultdict(list)  # the same, in CPU time
        self.gc_collected: dict[int, int] = defaultdict(int)
        self._gc_started = (0.0, 0.0)
        self.waits: dict[str, list[float]] = defaultdict(list)
        self.holds: dict[str, list[float]] = defaultdict(list)
        self.lags: list[float] = []
        self.gen2: dict[str, Any] = {}
        self.started = time.perf_counter()
        # (seconds since the process started, CPU ms) of each full collection
        self.full_collections: list[tuple[float, float]] = []
        self.frozen_at: float | None = None  # when serve froze its start-up objects
        self.serving_gc: dict[int, list[float]] = defaultdict(list)

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = (time.perf_counter(), time.thread_time())
            return
        wall, cpu = self._gc_started
        generation = info["generation"]
        self.gc_pauses[generation].append((time.perf_counter() - wall) * 1000)
        # CPU time of the collecting thread: what the pause costs on a quiet machine.
        self.gc_cpu[generation].append((time.thread_time() - cpu) * 1000)
        self.gc_collected[generation] += info["collected"]
        if self.frozen_at is not None:  # serving: the collections that matter
            self.serving_gc[generation].append(self.gc_cpu[generation][-1])
        if generation == 2:  # when, and how costly: a start-up collection is expected
            at = time.perf_counter() - self.started
            self.full_collections.append((round(at, 2), round(self.gc_cpu[2][-1], 1)))

    async def watch_loop(self) -> None:
        ticks = 0
        while True:
            due = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            self.lags.append((time.perf_counter() - due) * 1000)
            ticks += 1
            if ticks % SNAPSHOT_TICKS == 0:
                self.snapshot_gen2()

    def snapshot_gen2(self) -> None:
        """What a full collection has to scan: the objects in the oldest generation, by type
        (the last snapshot is reported; taken between two ticks, it adds to the loop lag)."""
        kinds: Counter[str] = Counter(type(o).__name__ for o in gc.get_objects(2))
        self.gen2 = {"objects": sum(kinds.values()), "top": dict(kinds.most_common(12))}

    def report(self) -> dict[str, Any]:
        return {
            "gc": {f"gen{g}": _summary(p) for g, p in sorted(self.gc_pauses.items())},
            "gc_cpu": {f"gen{g}": _summary(p) for g, p in sorted(self.gc_cpu.items())},
            "gc_collected": {f"gen{g}": n for g, n in sorted(self.gc_collected.items())},
            "gc_cpu_serving": {f"gen{g}": _summary(p) for g, p in sorted(self.serving_gc.items())},
            "writer_wait": {k: _summary(v) for k, v in sorted(self.waits.items())},
            "writer_hold": {k: _summary(v) for k, v in sorted(self.holds.items())},
            "loop_lag": _summary(self.lags),
            "gen2_objects": self.gen2,
            "full_collections": self.full_collections,
            "frozen_at": self.frozen_at,
            "gc_thresholds": gc.get_threshold(),
        }


def install(probe: Probe) -> None:
    from hookline.delivery.worker import Worker
    from hookline.store.connections import Connections

    gc.callbacks.append(probe.on_gc)
    original_freeze = gc.freeze

    def freeze() -> None:
        probe.frozen_at = round(time.perf_counter() - probe.started, 2)
        original_freeze()
        # BENCH_GC_THRESHOLD="700,10,10": thresholds to compare with the server's own.
        forced = os.environ.get("BENCH_GC_THRESHOLD")
        if forced:
            gc.set_threshold(*(int(n) for n in forced.split(",")))

    gc.freeze = freeze
    original_write = Connections.write

    @contextlib.asynccontextmanager
    async def timed_write(self: Connections, durable: bool = True) -> AsyncIterator[Any]:
        caller = sys._getframe(2).f_code.co_name  # the function that opened the transaction
        asked = time.perf_counter()
        got = asked
        async with original_write(self, durable) as conn:
            got = time.perf_counter()
            probe.waits[caller].append((got - asked) * 1000)
            yield conn
        probe.holds[caller].append((time.perf_counter() - got) * 1000)

    Connections.write = timed_write  # type: ignore[method-assign,assignment]
    original_run = Worker.run

    async def run(self: Worker, stop: asyncio.Event) -> None:
        watcher = asyncio.create_task(probe.watch_loop())
        try:
            await original_run(self, stop)
        finally:
            watcher.cancel()

    Worker.run = run  # type: ignore[method-assign]


def main() -> int:
    out = os.environ.get("BENCH_TAIL_PROBE_OUT")
    probe = Probe()
    install(probe)
    if out:

        def dump() -> None:
            with open(out, "a") as fh:
                fh.write(json.dumps(probe.report()) + "\n")

        atexit.register(dump)
    from hookline.cli import main as cli_main

    sys.argv = ["hookline", *sys.argv[1:]]
    return int(cli_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
