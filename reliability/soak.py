"""The soak: `hookline serve` on SQLite (or PostgreSQL, `soak-pg`) held at a fixed publish rate
for a long time (30 minutes in a full run) with one endpoint in ten answering 500 to everything,
so that retries and failed attempts pile up as they do in production. Each message goes to one
of the endpoints in turn (through a channel of its own), so the deliveries per second are the
publish rate, a load the machine can hold: the soak measures what a steady service does over
time, not how it copes with more work than it can do. Every few seconds it
samples, per Hookline process, the resident memory and the open file descriptors, and the
database connections (descriptors open on the SQLite file, or the database's rows in
PostgreSQL's `pg_stat_activity`); the receiver's first-arrival times give each message's
publish-to-arrival latency at the healthy endpoints. The criteria (reliability/soak_criteria.py)
turn those samples into the row's verdict, and a plot shows them per minute."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.hookline_server import BACKENDS
from bench.postgres import admin_url
from bench.procs import BENCH_ROOT, descendants
from bench.receiver import ReceiverClient
from reliability import soak_criteria
from reliability.ledger import Tally, routed_tally
from reliability.processes import SETTINGS, Deployment, ScenarioContext
from reliability.publisher import Published, publish_steadily
from reliability.rows import Row
from reliability.soak_criteria import Criteria, Series
from reliability.soak_plot import plot
from reliability.steady_run import Outcome, common_notes

PLOTS = BENCH_ROOT / "docs" / "images"  # soak.png (SQLite), soak-pg.png
# Until a message's last retry is due, the failing endpoint's retries keep adding to the load
# (and the worker's open connections with it): the mix is steady only after the whole retry
# schedule has passed once, so no warm-up may be shorter. A quick run measured with a 20 s
# warm-up had its open files climb from 47 to 97 between 30 and 50 s, then stay there.
RETRY_SPAN_S = sum(float(d) for d in SETTINGS["HOOKLINE_RETRY_SCHEDULE"].split(","))


@dataclass(frozen=True)
class Size:
    duration_s: float
    rate: float
    endpoints: int  # of which `failing` answer 500 to every attempt
    failing: int
    sample_every_s: float
    criteria: Criteria
    plot_bucket_s: float  # one point of the plot per this many seconds
    settle_timeout: float
    write_plot: bool  # to docs/images/soak.png; otherwise beside the run's logs

    @property
    def messages(self) -> int:
        return int(self.duration_s * self.rate)


FULL = Size(
    duration_s=30 * 60,
    rate=300,
    endpoints=10,
    failing=1,
    sample_every_s=5,
    criteria=Criteria(warmup_s=120, window_s=300),
    plot_bucket_s=60,
    settle_timeout=120,
    write_plot=True,
)
QUICK = Size(
    duration_s=105,
    rate=20,
    endpoints=10,
    failing=1,
    sample_every_s=2,
    # 35 s windows are too short for the pool of connections to the receiver to reach its size
    # in both (quick runs measured +14 to +22 open files from the first window to the last, the
    # worker opening connections when a burst of the shared machine's load slowed deliveries),
    # so the allowances are the pools' sizes: what no pool can exceed, while a leak per message
    # (2,100 of them) still would. The full run's 5-minute windows keep the small constants.
    criteria=Criteria(
        warmup_s=RETRY_SPAN_S + 2,
        fd_allowance=int(SETTINGS["HOOKLINE_WORKER_CONCURRENCY"]),
        connection_allowance=10,  # the PostgreSQL writer pool's size (store/connections.py)
    ),
    plot_bucket_s=10,
    settle_timeout=60,
    write_plot=False,
)


@dataclass
class Samples:
    """Per process (`name pid`): resident memory in MB and open descriptors; and the
    database connections: descriptors open on the SQLite file over all processes (one per
    connection), or PostgreSQL's sessions on the scenario's database."""

    rss_mb: dict[str, list[tuple[float, float]]]
    fds: dict[str, list[tuple[float, float]]]
    connections: list[tuple[float, float]]


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return None


def _fd_targets(pid: int) -> list[str]:
    targets = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):  # closed between the listing and the read
                targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return targets


def _name(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"pid {pid}"
    # "hookline serve (pid 123)": the program's name and its subcommand, not the venv's paths
    names = [Path(w.decode(errors="replace")).name for w in words if w]
    program = next((n for n in names if n == "hookline"), names[0] if names else "?")
    rest = names[names.index(program) + 1 :][:1] if program in names else []
    return " ".join([program, *rest]) + f" (pid {pid})"


async def _sample(
    root_pid: int,
    database: Path,
    pg: asyncpg.Connection | None,
    pg_database: str | None,
    began: float,
    every_s: float,
    stop: asyncio.Event,
) -> Samples:
    samples = Samples({}, {}, [])
    while not stop.is_set():
        now = time.monotonic() - began
        sqlite_files = 0
        for pid in [root_pid, *descendants(root_pid)]:
            rss = _rss_mb(pid)
            targets = _fd_targets(pid)
            if rss is None:
                continue  # exited between the listing and the read
            name = _name(pid)
            samples.rss_mb.setdefault(name, []).append((now, rss))
            samples.fds.setdefault(name, []).append((now, float(len(targets))))
            sqlite_files += sum(1 for t in targets if t == str(database))
        if pg is not None:
            sessions = await pg.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", pg_database
            )
            samples.connections.append((now, float(sessions)))
        else:
            samples.connections.append((now, float(sqlite_files)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
    return samples


async def _latencies(
    receiver: ReceiverClient, published: Published, began_wall: float
) -> list[tuple[float, float]]:
    """(send time since the start, publish-to-first-arrival seconds) per acknowledged message;
    the failing endpoints record nothing, so the first arrival is at a healthy one."""
    out = []
    seqs = sorted(published.acknowledged)
    for chunk in range(0, len(seqs), 5_000):
        part = seqs[chunk : chunk + 5_000]
        arrived = await receiver.arrivals([published.acknowledged[s] for s in part])
        for seq in part:
            at = arrived.get(published.acknowledged[seq])
            if at is not None:
                sent = published.sent_at[seq]
                out.append((sent - began_wall, at - sent))
    return out


def channel(scenario: str, endpoint: int) -> str:
    return f"{scenario}-{endpoint}"


def routes(published: Published, paths: list[str | None]) -> dict[str, list[str]]:
    """Message id → the path it is expected at: message `seq` went to endpoint `seq % n`,
    whose path is None if it fails everything (the receiver records nothing there)."""
    out = {}
    for seq, msg_id in published.acknowledged.items():
        path = paths[seq % len(paths)]
        out[msg_id] = [] if path is None else [path]
    return out


async def _settle(
    receiver: ReceiverClient,
    expected: dict[str, list[str]],
    paths: list[str],
    timeout_s: float,
) -> Tally:
    """Waits until every acknowledged message arrived at its endpoint, unless that one
    fails everything (or the time limit), and tallies."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = routed_tally(expected, paths, await receiver.counts())
        if result.nothing_lost or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.5)


def verdict(samples: Samples, latencies: Series, end_s: float, c: Criteria) -> list[str]:
    problems = [soak_criteria.check_rss(name, s, c) for name, s in samples.rss_mb.items()]
    problems += [
        soak_criteria.check_flat(f"{name}: open files", s, end_s, c.fd_allowance, c)
        for name, s in samples.fds.items()
    ]
    problems.append(
        soak_criteria.check_flat(
            "database connections", samples.connections, end_s, c.connection_allowance, c
        )
    )
    problems.append(soak_criteria.check_latency(latencies, end_s, c))
    return [p for p in problems if p is not None]


def _figures(samples: Samples, latencies: Series, end_s: float, c: Criteria) -> list[str]:
    notes = []
    for name, series in samples.rss_mb.items():
        settled = soak_criteria.after_warmup(series, c.warmup_s)
        g = soak_criteria.growth(series, c.warmup_s)
        if settled and g is not None:
            notes.append(
                f"{name}: {settled[0][1]:.0f} MB resident after warm-up, at most "
                f"{max(v for _, v in settled):.0f} MB (+{g:.1%})"
            )
    first_w, last_w = soak_criteria.latency_windows(end_s, c.warmup_s, c.window_s)

    def peaks(series: Series) -> str:
        first = soak_criteria.in_window(series, first_w)
        last = soak_criteria.in_window(series, last_w)
        return f"{max(first, default=0):.0f} → {max(last, default=0):.0f}"

    for name, series in samples.fds.items():
        notes.append(f"{name}: open files, peak of the first → last window {peaks(series)}")
    notes.append(
        f"database connections, peak of the first → last window {peaks(samples.connections)}"
    )
    first = soak_criteria.p99(soak_criteria.in_window(latencies, first_w))
    last = soak_criteria.p99(soak_criteria.in_window(latencies, last_w))
    if first is not None and last is not None:
        notes.append(
            f"latency p99 {first * 1000:.0f} ms (sent {first_w[0]:.0f}–{first_w[1]:.0f} s) → "
            f"{last * 1000:.0f} ms (sent {last_w[0]:.0f}–{last_w[1]:.0f} s)"
        )
    return notes


async def run(ctx: ScenarioContext, size: Size) -> Row:
    # No random faults: the seed is not used.
    store = BACKENDS[ctx.backend]
    scenario = "soak" if ctx.backend == "sqlite" else f"soak-{ctx.backend}"
    async with ctx.deployment() as deploy:
        await deploy.start_api(with_worker=True)
        app_id, paths = await _endpoints(deploy, ctx.receiver_url, size, scenario)
        healthy = [p for p in paths if p is not None]
        assert deploy.api is not None
        # The sampler's own session is on the `postgres` database, so it does not count itself.
        pg = await asyncpg.connect(admin_url(), timeout=10) if deploy.henv.database else None
        began, began_wall = time.monotonic(), time.time()
        stop = asyncio.Event()
        sampler = asyncio.create_task(
            _sample(
                deploy.api.pid,
                (ctx.data_dir / "hookline.db").resolve(),
                pg,
                deploy.henv.database,
                began,
                size.sample_every_s,
                stop,
            )
        )
        try:
            published = await publish_steadily(
                deploy.api_url,
                deploy.henv.token,
                app_id,
                size.messages,
                size.rate,
                channels=lambda seq: [channel(scenario, seq % size.endpoints)],
            )
            end_s = time.monotonic() - began
            result = await _settle(
                ctx.receiver, routes(published, paths), healthy, size.settle_timeout
            )
        finally:
            stop.set()
            samples = await sampler
            if pg is not None:
                await pg.close()
        alive = deploy.api.alive()
        duration = time.monotonic() - began
        latencies = await _latencies(ctx.receiver, published, began_wall)
    outcome = Outcome(result, published, None, duration)
    c = size.criteria
    problems = verdict(samples, latencies, end_s, c)
    if not result.nothing_lost:
        problems.append(
            f"{result.lost:,} deliveries had not arrived {size.settle_timeout:.0f} s after the "
            "last publish"
        )
    if not alive:
        problems.append("the server exited")
    # A quick run's plot goes with the run's logs (removed unless --keep-logs), not to a
    # temporary directory of its own that every `make test` would leave behind.
    plot_dir = PLOTS if size.write_plot else ctx.log_dir
    plot_path = plot_dir / f"{scenario}.png"
    plot(samples.rss_mb, samples.fds, latencies, size.plot_bucket_s, c.warmup_s, plot_path)
    notes = [
        f"{size.messages:,} msgs at {size.rate:g}/s for {size.duration_s / 60:g} min, each to "
        f"one of {size.endpoints} endpoints in turn, {size.failing} answering 500 to every "
        "attempt "
        f"(`hookline serve` on {store}); warm-up {c.warmup_s:g} s, sampled every "
        f"{size.sample_every_s:g} s",
        *_figures(samples, latencies, end_s, c),
        f"plot: {_shown(plot_path)}",
        *common_notes(outcome, 0),
    ]
    return Row(
        scenario=scenario,
        store=store,
        injected=f"{size.failing} of {size.endpoints} endpoints answer 500",
        tally=result,
        recovery_s=None,
        duration_s=duration,
        notes=notes,
        error="; ".join(problems) or None,
    )


def _shown(path: Path) -> str:
    """The plot's path as the table shows it: from the repository's root when it is in it."""
    try:
        return str(path.resolve().relative_to(BENCH_ROOT.resolve()))
    except ValueError:
        return str(path)


async def _endpoints(
    deploy: Deployment, receiver_url: str, size: Size, scenario: str
) -> tuple[str, list[str | None]]:
    """The application and its endpoints, endpoint `i` subscribed to channel `i`; returns
    each endpoint's receiver path, None for those that fail everything."""
    api = deploy.client()
    try:
        app_id = await api.create_app(scenario)
        paths: list[str | None] = []
        for i in range(size.endpoints):
            # The receiver answers 500 under /_fail/ and records nothing there; each scenario
            # has its own paths, since one receiver serves the whole run.
            failing = i < size.failing
            path = f"/_fail/{scenario}/{i}" if failing else f"/{scenario}/{i}"
            await api.create_endpoint(app_id, receiver_url + path, [channel(scenario, i)])
            paths.append(None if failing else path)
    finally:
        await api.close()
    return app_id, paths
