"""Starting Hookline: the API server (with or without the worker) and the lone worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import sqlalchemy as sa
import uvicorn
from starlette.types import ASGIApp

from hookline.api.request_head_limit import BoundedHeadHttpToolsProtocol
from hookline.config import Settings, default_public_url
from hookline.delivery.worker import Worker
from hookline.observability import tracing
from hookline.observability.http import probe_app
from hookline.observability.process import Observability
from hookline.operational import OperationalEvents
from hookline.readiness import FailureWatches
from hookline.retention_task import run_retention
from hookline.runtime import (
    TOKEN_FILE,
    assemble,
    fail_abandoned_tasks,
    load_or_create_admin_token,
    observability_of,
    open_store,
)
from hookline.secret_key import open_secret_box
from hookline.serve_layout import processes_for
from hookline.store import Database
from hookline.store.database import MigrationListener
from hookline.worker_link import ChildEnd
from hookline.worker_process import WorkerChild, exit_with_parent

log = logging.getLogger("hookline.server")


class _GracefulServer(uvicorn.Server):
    """Exits with status 0 after a graceful shutdown on SIGTERM or SIGINT. (uvicorn re-raises
    the signal once it has shut down, so the process would die with 143 after finishing
    cleanly, which supervisors report as a failure.)"""

    # Called when a shutdown begins (long polls are answered at once instead of waiting).
    on_exit: Callable[[], object] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.on_exit is not None:
            self.on_exit()
        super().handle_exit(sig, frame)


# Young collections every this many new container objects (CPython's default is 700). A busy
# server allocates that many in a fraction of a millisecond, and every tenth young collection
# rescans the middle generation, every hundredth starts a full one. Measured in a latency run
# at 100 msg/s (bench.tail_probe): 189 collections while serving, 100 ms of CPU, one full
# collection pausing 28 ms, at 700; 8 young collections, 29 ms, no full one, at 10,000.
GC_YOUNG_THRESHOLD = 10_000


def _freeze_startup_objects() -> None:
    """Move everything allocated while starting (modules, the app, SQLAlchemy's caches) out of
    the garbage collector's reach: full collections then scan only what requests create,
    instead of pausing a busy server for tens of milliseconds at random; and collect less
    often (GC_YOUNG_THRESHOLD), so that full collections become rare too."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported OS
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _safe_url(url: str) -> str:
    """The database URL without its password, for logs."""
    return sa.make_url(url).render_as_string(hide_password=True)


def _banner(host: str, port: int, token: str, generated: bool, settings: Settings) -> str:
    base = settings.public_url or f"http://{host}:{port}"
    where = f" (generated, kept in {settings.data_dir / TOKEN_FILE})" if generated else ""
    listening = default_public_url(host, port)
    lines = [
        f"Hookline is listening on {listening} (database: {_safe_url(settings.database_url)})",
        f"Admin token{where}: {token}"
        if generated or settings.admin_token is None
        else "Admin token: from HOOKLINE_ADMIN_TOKEN",
        "Try it:",
        f"  curl -s -X POST {base}/api/v1/app -H 'Authorization: Bearer {token}' "
        "-H 'Content-Type: application/json' -d '{\"name\": \"My first app\"}'",
        f"Dashboard: {base}/ui (sign in with the admin token)",
        f"API reference: {base}/docs",
    ]
    if not settings.allow_private_networks:
        lines.append(
            "Delivery to loopback/private addresses is blocked; allow it with e.g. "
            "HOOKLINE_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8"
        )
    return "\n".join(lines)


def _probe_server(settings: Settings, host: str, obs: Observability) -> uvicorn.Server | None:
    """/metrics, /healthz and /readyz without a token on HOOKLINE_METRICS_PORT, if set."""
    if not settings.metrics_port:
        return None
    app = probe_app(obs.exporter, obs.readiness)
    return _SecondaryServer(uvicorn_config(app, settings, host, settings.metrics_port))


class _SecondaryServer(uvicorn.Server):
    """Leaves the signals to the main server (or the worker), which stops this one."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def uvicorn_config(app: ASGIApp, settings: Settings, host: str, port: int) -> uvicorn.Config:
    # uvicorn trusts X-Forwarded-For/-Proto from 127.0.0.1 (or $FORWARDED_ALLOW_IPS) unless
    # told otherwise: here exactly HOOKLINE_TRUSTED_PROXIES may set them, and by default no one.
    trusted = [str(network) for network in settings.trusted_proxies]
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="none",
        http=BoundedHeadHttpToolsProtocol,  # httptools, with a bound on request heads
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
    )


async def _serve(settings: Settings, host: str, port: int, with_worker: bool) -> int:
    if not settings.public_url:
        settings = settings.with_overrides(public_url=default_public_url(host, port))
    token, generated = load_or_create_admin_token(settings)
    two = processes_for(settings.serve_processes, os.cpu_count()) == 2
    child = WorkerChild(settings, host) if with_worker and two else None
    runtime = await assemble(settings, token, with_worker and child is None, child)
    db, obs, key_note = runtime.db, runtime.observability, runtime.key_note
    config = uvicorn_config(runtime.asgi(), settings, host, port)
    server = _GracefulServer(config)
    # A signal handler runs between two steps of the loop: hand the wake-up to the loop.
    loop = asyncio.get_running_loop()

    def on_exit() -> None:
        loop.call_soon_threadsafe(db.publishes.stop_waiting)
        if child is not None:  # both stop gracefully at once
            # Now, not in the loop's next step: a Ctrl-C also reaches the child itself,
            # whose exit must not be taken for a crash.
            child.stopping = True
            loop.call_soon_threadsafe(child.signal_stop)

    server.on_exit = on_exit
    status = 0

    def child_died(_: int) -> None:
        nonlocal status
        status = 1
        server.should_exit = True

    probes = _probe_server(settings, host, obs)
    print(_banner(host, port, token, generated, settings), flush=True)
    if key_note:
        print(key_note, flush=True)
    if child is not None:
        child.start(child_died)
        pid = child.process.pid if child.process else "?"
        print(f"Delivery worker in process {pid}", flush=True)
    _freeze_startup_objects()
    probe_task = asyncio.create_task(probes.serve()) if probes else None
    try:
        await server.serve()
    finally:
        if child is not None:
            stopped = await child.stop()
            if stopped not in (0, None):
                log.error("the worker process stopped with status %s", stopped)
                status = 1
        if probes is not None and probe_task is not None:
            probes.should_exit = True
            await probe_task
        await db.close()
    return status


def serve(settings: Settings, host: str, port: int, with_worker: bool = True) -> int:
    """Run until stopped; the exit status (1: the worker child exited on its own)."""
    _use_uvloop()
    tracing.setup()  # from the standard OTEL_* variables; off unless they ask for traces
    try:
        return asyncio.run(_serve(settings, host, port, with_worker))
    finally:
        tracing.shutdown()


async def _work(
    settings: Settings,
    host: str = "127.0.0.1",
    link_fd: int | None = None,
    parent_pid: int | None = None,
) -> None:
    stop = asyncio.Event()
    if parent_pid is not None and not exit_with_parent(parent_pid):
        return  # started by a `hookline serve` that is already gone
    box, key_note = open_secret_box(settings)
    if key_note:
        print(key_note, flush=True)
    db = await open_store(settings, box)
    operational = OperationalEvents(db, settings)
    await operational.setup()
    await fail_abandoned_tasks(db, operational)
    failures = FailureWatches()
    worker = Worker(db, settings, operational=operational, failures=failures)
    obs = observability_of(settings, db, worker, failures)
    probes = _probe_server(settings, host, obs)
    loop = asyncio.get_running_loop()
    link = ChildEnd(link_fd) if link_fd is not None else None
    # The worker child of `hookline serve` stops when serve tells it (SIGTERM): a terminal's
    # Ctrl-C reaches the whole process group, and serve forwards it.
    stop_signals = (signal.SIGTERM,) if link is not None else (signal.SIGTERM, signal.SIGINT)
    if link is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in stop_signals:
        loop.add_signal_handler(sig, stop.set)
    reports = []
    if link is not None:  # the worker child of `hookline serve`
        link.listen_for_wakes(worker.wake)
        reports.append(
            link.report_until(
                stop, lambda: worker.last_beat, lambda: worker.in_flight, failures.problems
            )
        )
    print(
        f"Hookline worker {worker.worker_id} started "
        f"(database: {_safe_url(settings.database_url)})",
        flush=True,
    )
    if probes is not None:
        print(f"Metrics and probes on http://{host}:{settings.metrics_port}/metrics", flush=True)
    _freeze_startup_objects()
    probe_task = asyncio.create_task(probes.serve()) if probes else None
    try:
        await asyncio.gather(
            worker.run(stop),
            run_retention(db, settings, stop, operational),
            *([obs.exporter.refresh_gauges(stop)] if obs.exporter else []),
            *reports,
        )
    finally:
        if link is not None:
            link.close()
        if probes is not None and probe_task is not None:
            probes.should_exit = True
            await probe_task
        await db.close()


def work(
    settings: Settings,
    host: str = "127.0.0.1",
    link_fd: int | None = None,
    parent_pid: int | None = None,
) -> None:
    _use_uvloop()
    tracing.setup()
    try:
        asyncio.run(_work(settings, host, link_fd, parent_pid))
    finally:
        tracing.shutdown()


async def _migrate(settings: Settings, on_step: MigrationListener | None) -> None:
    # Without a key (it is optional here) plaintext secrets stay for serve/worker to seal.
    box, _ = open_secret_box(settings, required=False)
    db: Database = await open_store(settings, box, on_step)
    await db.close()


def migrate(settings: Settings, on_step: MigrationListener | None = None) -> None:
    """Bring the database's schema up to date, calling `on_step` after each revision."""
    asyncio.run(_migrate(settings, on_step))
