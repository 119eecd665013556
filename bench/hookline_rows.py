"""Rows that measure Hookline itself: backlog drain, end to end, latency, fan-out, scale."""

from __future__ import annotations

import asyncio
import base64
import math
import statistics
import time
from dataclasses import dataclass

from bench.context import RunContext
from bench.hookline_server import BACKENDS, HooklineApi, backend_env, running_server, worker
from bench.payload import verify
from bench.procs import Child, cpu_seconds, peak_rss_mb, stop_all
from bench.receiver import DeliveriesTimeout, Stats
from bench.report import AtLeastCeiling, AtLeastRow, AtMost, Line, Target

WARM_UP_MESSAGES = 50
PUBLISH_CONCURRENCY = 64
# Seeding publishes each fan out to thousands of endpoints; a few at a time is plenty.
SEED_CONCURRENCY = 4
# Publishes per fan-out row (one after the other); the answer is their median.
FANOUT_PUBLISHES = 5


def _from_first(stats: Stats, count: int) -> str:
    assert stats.first_at is not None and stats.last_new_at is not None
    span = stats.last_new_at - stats.first_at
    return f"{(count - 1) / span:,.0f}/s from first arrival" if span > 0 else ""


def _delivery_notes(stats: Stats) -> list[str]:
    return [f"{stats.duplicates:,} duplicate deliveries"] if stats.duplicates else []


def _status_notes(api: HooklineApi) -> list[str]:
    return [
        f"POST /msg answered {status} {n:,} times (Svix answers 202)"
        for status, n in api.unexpected_statuses.items()
    ]


async def _one_endpoint_app(api: HooklineApi, ctx: RunContext, path: str) -> tuple[str, str]:
    app_id = await api.create_app(f"bench {path}")
    endpoint_id = await api.create_endpoint(app_id, f"{ctx.receiver_url}{path}")
    return app_id, endpoint_id


async def _warm_up(api: HooklineApi, ctx: RunContext, app_id: str, watch: list[Child]) -> None:
    """First requests pay for imports, pools and caches; keep that out of the figures."""
    await ctx.receiver.reset()
    await api.publish_many(app_id, WARM_UP_MESSAGES, concurrency=8, first_seq=10**9)
    await ctx.receiver.wait_for(
        WARM_UP_MESSAGES, ctx.sizes.delivery_timeout, watch=watch, stall_s=ctx.sizes.stall_timeout
    )
    await ctx.receiver.reset()


async def _signature_note(ctx: RunContext, api: HooklineApi, app_id: str, endpoint_id: str) -> str:
    sample = await ctx.receiver.sample()
    if sample is None:
        return "no delivery to check the signature of"
    secret = await api.endpoint_secret(app_id, endpoint_id)
    problem = verify(secret, sample["headers"], base64.b64decode(sample["body_b64"]))
    return "signature verified" if problem is None else f"SIGNATURE INVALID: {problem}"


async def backlog(
    ctx: RunContext,
    backend: str,
    workers: int = 1,
    key: str | None = None,
    pooler: str | None = None,
    env: dict[str, str] | None = None,
) -> list[Line]:
    count = ctx.sizes.messages
    key = key or f"{backend}-backlog" + (f"-{workers}w" if workers > 1 else "")
    async with backend_env(ctx, backend, pooler) as henv:
        henv.extra.update(env or {})
        async with running_server(ctx, henv, no_worker=True) as server:
            app_id, _ = await _one_endpoint_app(server.api, ctx, "/backlog")
            await server.check_backend_used()
            await ctx.receiver.reset()
            publish_start = time.monotonic()
            await server.api.publish_many(app_id, count, PUBLISH_CONCURRENCY)
            publish_s = time.monotonic() - publish_start
            notes = _status_notes(server.api)
        leaked = (await ctx.receiver.stats()).unique
        await ctx.receiver.reset()

        children: list[Child] = []
        try:
            started = time.time()
            for index in range(workers):
                children.append(worker(ctx, henv, index).start())
            stats = await ctx.receiver.wait_for(
                count, ctx.sizes.delivery_timeout, watch=children, stall_s=ctx.sizes.stall_timeout
            )
            memory = [peak_rss_mb(child.measured_pid) or 0.0 for child in children]
        finally:
            await asyncio.to_thread(stop_all, children)

    assert stats.last_new_at is not None
    rate = count / (stats.last_new_at - started)
    notes = [
        f"{count:,} msgs published in {publish_s:.1f} s with --no-worker",
        _from_first(stats, count),
        f"worker peak RSS {max(memory):,.0f} MB" + (" (largest)" if workers > 1 else ""),
        *notes,
        *_delivery_notes(stats),
    ]
    if leaked:
        notes.append(f"`serve --no-worker` delivered {leaked:,} messages itself")
    target: Target
    if backend == "pgbouncer" or pooler == "transaction":
        # Unnamed statements (a parse per statement) are what transaction pooling costs.
        label = (
            f"{BACKENDS[backend]} (transaction mode): backlog drain, 1 worker"
            if backend == "pgbouncer"
            else "PostgreSQL, direct, statements as for a transaction pooler: backlog drain"
        )
        target = AtLeastRow("pg-backlog", 0.5)
    elif workers > 1:
        label = f"{BACKENDS[backend]}: backlog drain, {workers} workers"
        target = AtLeastRow(f"{backend}-backlog", 1.0)
    else:
        label = f"{BACKENDS[backend]}: backlog drain, 1 worker"
        target = AtLeastCeiling(0.6 if backend == "sqlite" else 0.4)
    return [Line(key, label, rate, notes=[n for n in notes if n], target=target)]


async def end_to_end(ctx: RunContext, backend: str) -> list[Line]:
    count = ctx.sizes.messages
    async with backend_env(ctx, backend) as henv, running_server(ctx, henv) as server:
        app_id, endpoint_id = await _one_endpoint_app(server.api, ctx, "/e2e")
        await server.check_backend_used()
        await _warm_up(server.api, ctx, app_id, [server.child])
        started = time.time()
        await server.api.publish_many(app_id, count, PUBLISH_CONCURRENCY)
        published = time.time()
        stats = await ctx.receiver.wait_for(
            count, ctx.sizes.delivery_timeout, watch=[server.child], stall_s=ctx.sizes.stall_timeout
        )
        signature = await _signature_note(ctx, server.api, app_id, endpoint_id)
        notes = _status_notes(server.api)
    assert stats.last_new_at is not None
    rate = count / (stats.last_new_at - started)
    notes = [
        f"{count:,} msgs; API accepted them at {count / (published - started):,.0f}/s",
        signature,
        *notes,
        *_delivery_notes(stats),
    ]
    target = AtLeastCeiling(0.35) if backend == "sqlite" else None
    label = f"{BACKENDS[backend]}: end to end (publish while delivering)"
    return [Line(f"{backend}-e2e", label, rate, notes=notes, target=target)]


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list. The rank is rounded before its ceiling
    is taken: 99.9 / 100 × 1000 is 999.0000000000001 in floating point, not rank 1000."""
    rank = max(1, math.ceil(round(pct / 100 * len(sorted_values), 9)))
    return sorted_values[rank - 1]


@dataclass
class PacedResult:
    publish_start: dict[str, float]  # msg id → time.time() when its POST started
    scheduled: dict[str, float]  # msg id → time.time() when its POST was due to start
    errors: list[str]
    lags_ms: list[float]  # per message: how late its POST started against the schedule
    last_answer: float = 0.0  # time.time() of the last publish answer


async def _paced_publish(api: HooklineApi, app_id: str, count: int, rate: float) -> PacedResult:
    """Open loop: message i is sent at start + i/rate whether or not earlier ones answered.

    The publisher's own lag (a POST started after its slot: the event loop was busy, or the
    machine was) is kept per message, so that a slow publisher cannot flatter the latency."""
    result = PacedResult({}, {}, [], [])
    wall_origin = time.time() - time.monotonic()  # monotonic → wall clock (the receiver's)

    async def one(seq: int, due: float) -> None:
        started = time.time()
        result.lags_ms.append(max(0.0, started - (wall_origin + due)) * 1000)
        try:
            msg_id = await api.publish(app_id, seq)
            result.publish_start[msg_id] = started
            result.scheduled[msg_id] = wall_origin + due
        except Exception as exc:
            result.errors.append(str(exc))
        result.last_answer = max(result.last_answer, time.time())

    tasks = []
    origin = time.monotonic() + 0.01
    for seq in range(count):
        due = origin + seq / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(seq, due)))
    await asyncio.gather(*tasks)
    return result


def _spread(sorted_ms: list[float]) -> str:
    return (
        ", ".join(
            f"{name} {percentile(sorted_ms, pct):,.1f}"
            for name, pct in (("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9))
        )
        + f", max {sorted_ms[-1]:,.1f} ms"
    )


async def latency(ctx: RunContext, backend: str) -> list[Line]:
    rate = ctx.sizes.latency_rate
    count = int(rate * ctx.sizes.latency_seconds)
    async with backend_env(ctx, backend) as henv, running_server(ctx, henv) as server:
        app_id, _ = await _one_endpoint_app(server.api, ctx, "/latency")
        await server.check_backend_used()
        await _warm_up(server.api, ctx, app_id, [server.child])
        cpu_before = cpu_seconds(server.child.measured_pid)
        paced = await _paced_publish(server.api, app_id, count, rate)
        if paced.errors:
            raise RuntimeError(f"{len(paced.errors)} publishes failed: {paced.errors[0]}")
        await ctx.receiver.wait_for(
            count, ctx.sizes.delivery_timeout, watch=[server.child], stall_s=ctx.sizes.stall_timeout
        )
        cpu_after = cpu_seconds(server.child.measured_pid)
        arrivals = await ctx.receiver.arrivals(list(paced.publish_start))
    arrived = {msg_id: at for msg_id, at in arrivals.items() if at is not None}
    latencies = sorted((at - paced.publish_start[msg_id]) * 1000 for msg_id, at in arrived.items())
    if not latencies:
        raise RuntimeError("no delivery carried a webhook-id equal to an id returned by POST /msg")
    # Measured from the slot each POST was due in: what a user whose publisher cannot lag
    # would see (coordinated omission included).
    from_schedule = sorted((at - paced.scheduled[msg_id]) * 1000 for msg_id, at in arrived.items())
    lags = sorted(paced.lags_ms)
    notes = [f"{count:,} msgs at {rate:,.0f}/s over {ctx.sizes.latency_seconds:g} s"]
    answered_rate = count / (paced.last_answer - min(paced.publish_start.values()))
    if answered_rate < 0.95 * rate:
        notes.append(
            f"the API answered only {answered_rate:,.0f} publishes/s, so requests queued "
            "in the client (counted in the latency)"
        )
    if len(latencies) < count:
        notes.append(f"{count - len(latencies)} deliveries' webhook-id matched no published id")
    notes.append(
        f"publisher's lag behind its schedule p50 {percentile(lags, 50):,.1f}, p99 "
        f"{percentile(lags, 99):,.1f}, max {lags[-1]:,.1f} ms"
    )
    if cpu_before is not None and cpu_after is not None:
        # The server's own work per message (publish and delivery): unlike the latency, a
        # busy machine does not inflate it much.
        notes.append(f"server CPU {(cpu_after - cpu_before) * 1000 / count:,.2f} ms per message")
    name = BACKENDS[backend]
    p99_limit = 25.0 if backend == "sqlite" else 50.0
    return [
        Line(
            f"{backend}-latency-p50",
            f"{name}: latency p50 at {rate:,.0f} msg/s",
            percentile(latencies, 50),
            unit="ms",
            notes=notes,
            target=AtMost(5.0),
        ),
        Line(
            f"{backend}-latency-p99",
            f"{name}: latency p99 at {rate:,.0f} msg/s",
            percentile(latencies, 99),
            unit="ms",
            notes=[
                _spread(latencies),
                f"from each POST's scheduled start: {_spread(from_schedule)}",
            ],
            target=AtMost(p99_limit),
        ),
    ]


async def _settled(child: Child, idle_share: float = 0.05, bound_s: float = 120.0) -> None:
    """Until the process uses less than `idle_share` of a core over half a second (or for
    `bound_s` at most: a busy machine may never let it look idle)."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        before = cpu_seconds(child.measured_pid)
        await asyncio.sleep(0.5)
        after = cpu_seconds(child.measured_pid)
        if before is None or after is None or after - before < idle_share * 0.5:
            return


async def fanout(ctx: RunContext, backend: str = "sqlite") -> list[Line]:
    endpoints = ctx.sizes.fanout_endpoints
    # SQLite, the default store, keeps the unprefixed keys of the earlier runs.
    prefix = "" if backend == "sqlite" else f"{backend}-"
    name = "" if backend == "sqlite" else f"{BACKENDS[backend]}: "
    async with backend_env(ctx, backend) as henv, running_server(ctx, henv) as server:
        api = server.api
        await server.check_backend_used()
        warm_app, _ = await _one_endpoint_app(api, ctx, "/fanout-warm-up")
        await _warm_up(api, ctx, warm_app, [server.child])
        app_id = await api.create_app("bench fan-out")
        created = time.monotonic()
        urls = [f"{ctx.receiver_url}/fanout/{i}" for i in range(endpoints)]
        await api.create_endpoints(app_id, urls)
        create_s = time.monotonic() - created
        # Several publishes, each once the previous one was delivered everywhere and the
        # server has settled: one answer is one sample, and this machine is shared. The
        # first one's deliveries are timed.
        answers_ms: list[float] = []
        cpu_ms: list[float] = []  # the server's CPU time while it answered
        for seq in range(FANOUT_PUBLISHES):
            if seq:
                # The receiver has every delivery before the worker has recorded them all
                # (10,000 attempts, their statistics and the endpoints' health): a publish
                # made meanwhile would be timed against that backlog of writes.
                await _settled(server.child)
            await ctx.receiver.reset()
            cpu_before = cpu_seconds(server.child.measured_pid)
            started = time.time()
            await api.publish(app_id, seq)
            answers_ms.append((time.time() - started) * 1000)
            cpu_after = cpu_seconds(server.child.measured_pid)
            if cpu_before is not None and cpu_after is not None:
                cpu_ms.append((cpu_after - cpu_before) * 1000)
            stats = await ctx.receiver.wait_for(
                endpoints,
                ctx.sizes.delivery_timeout,
                watch=[server.child],
                stall_s=ctx.sizes.stall_timeout,
            )
            if seq == 0:
                assert stats.last_new_at is not None
                all_s, first_stats = stats.last_new_at - started, stats
    stats = first_stats  # for the duplicates note
    return [
        Line(
            f"{prefix}fanout-answer",
            f"{name}fan-out: API answer to one POST /msg for {endpoints:,} endpoints",
            statistics.median(answers_ms),
            unit="ms",
            notes=[
                f"median of {len(answers_ms)} publishes: "
                + " · ".join(f"{ms:,.1f}" for ms in answers_ms)
                + " ms",
                *(
                    [
                        "server CPU time meanwhile (its worker's start included): median "
                        f"{statistics.median(cpu_ms):,.0f} ms"
                    ]
                    if cpu_ms
                    else []
                ),
                f"{endpoints:,} endpoints created in {create_s:.1f} s",
            ],
            target=AtMost(100.0),
        ),
        Line(
            f"{prefix}fanout-all",
            f"{name}fan-out: all {endpoints:,} deliveries of the first message",
            endpoints / all_s,
            notes=[f"all arrived {all_s:.2f} s after the publish", *_delivery_notes(stats)],
        ),
    ]


@dataclass
class Drain:
    rate: float  # deliveries/s from the first arrival, over at most `window` seconds
    measured_s: float
    delivered: int
    first_delay_s: float  # worker start → first arrival
    rss_mb: float


async def _drain(ctx: RunContext, worker_child: Child, expected: int) -> Drain:
    """Start a worker on a seeded backlog; measure until drained or the window is over."""
    window = ctx.sizes.scale_window
    await ctx.receiver.reset()
    started = time.time()
    try:
        worker_child.start()
        while True:
            stats = await ctx.receiver.stats()
            now = time.time()
            if stats.unique >= expected:
                assert stats.last_new_at is not None
                end = stats.last_new_at
                break
            if stats.first_at is not None and now >= stats.first_at + window:
                end = stats.first_at + window
                break
            worker_child.check_alive()
            if stats.first_at is None and now - started > ctx.sizes.stall_timeout:
                raise DeliveriesTimeout(
                    f"no delivery {ctx.sizes.stall_timeout:.0f} s after the worker started"
                )
            await asyncio.sleep(0.1)
        rss = peak_rss_mb(worker_child.measured_pid) or 0.0
    finally:
        await asyncio.to_thread(worker_child.stop)
    assert stats.first_at is not None
    delivered = await ctx.receiver.window(stats.first_at, end)
    span = end - stats.first_at
    rate = (delivered - 1) / span if span > 0 else float("nan")
    return Drain(rate, span, delivered, stats.first_at - started, rss)


async def scale(ctx: RunContext) -> list[Line]:
    sizes = ctx.sizes
    endpoints = sizes.scale_endpoints
    drains: list[Drain] = []
    seed_notes: list[str] = []
    async with backend_env(ctx, "sqlite") as henv:
        app_id = ""
        for messages in (sizes.scale_small_messages, sizes.scale_large_messages):
            async with running_server(ctx, henv, no_worker=True) as server:
                if not app_id:
                    app_id = await server.api.create_app("bench scale")
                    urls = [f"{ctx.receiver_url}/scale/{i}" for i in range(endpoints)]
                    await server.api.create_endpoints(app_id, urls)
                seeded = time.monotonic()
                await server.api.publish_many(
                    app_id, messages, SEED_CONCURRENCY, first_seq=len(drains) * 10**6
                )
                seed_notes.append(
                    f"seeded {messages:,} msg{'s' if messages > 1 else ''} × {endpoints:,} "
                    "endpoints in "
                    f"{time.monotonic() - seeded:.1f} s"
                )
            drains.append(await _drain(ctx, worker(ctx, henv), endpoints * messages))

    def notes(drain: Drain, seed_note: str) -> list[str]:
        return [
            seed_note,
            f"{drain.delivered:,} delivered over {drain.measured_s:.1f} s from the first arrival",
            f"first arrival {drain.first_delay_s:.1f} s after worker start",
        ]

    small, large = drains
    return [
        Line(
            "scale-small",
            f"claim-and-deliver, {sizes.scale_small:,} pending",
            small.rate,
            notes=[*notes(small, seed_notes[0]), f"worker peak RSS {small.rss_mb:,.0f} MB"],
        ),
        Line(
            "scale-large",
            f"claim-and-deliver, {sizes.scale_large:,} pending",
            large.rate,
            notes=notes(large, seed_notes[1]),
            target=AtLeastRow("scale-small", 0.8),
        ),
        Line(
            "scale-rss",
            f"worker peak RSS, {sizes.scale_large:,} pending",
            large.rss_mb,
            unit="MB",
            notes=["VmHWM of the worker and its sub-processes"],
            target=AtMost(250.0),
        ),
    ]
