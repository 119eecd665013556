"""What a running Hookline is made of, assembled once for every way of running it: the store,
the operational events, the delivery worker, observability, and the API and pages apps over
them. `hookline serve` (server.py) puts the result behind uvicorn; a host application
(embed.py) mounts the API and runs the rest in its own lifespan."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.types import ASGIApp

from hookline.api.app import create_app
from hookline.config import Settings
from hookline.delivery.worker import Worker
from hookline.observability.process import Observability, observability_for
from hookline.operational import OperationalEvents
from hookline.operations.context import OperationContext
from hookline.readiness import FailureWatches
from hookline.retention_task import run_retention
from hookline.secret_key import open_secret_box
from hookline.secrets_at_rest import SecretBox
from hookline.store import Database, StoreUnavailable, open_database
from hookline.store.database import MigrationListener
from hookline.ui import create_pages_app
from hookline.web_app import PagesBesideApi
from hookline.worker_process import WorkerChild

TOKEN_FILE = "admin-token"
log = logging.getLogger("hookline.server")


def load_or_create_admin_token(settings: Settings) -> tuple[str, bool]:
    """The admin token: `HOOKLINE_ADMIN_TOKEN`, else the one kept in the data directory,
    else a new one written there (readable by the owner only). Returns (token, generated)."""
    if settings.admin_token:
        return settings.admin_token, False
    path = Path(settings.data_dir) / TOKEN_FILE
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "hl_admin_" + secrets.token_urlsafe(32).replace(".", "_")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token, True


async def open_store(
    settings: Settings, box: SecretBox | None, on_migration_step: MigrationListener | None = None
) -> Database:
    return await _open_when_reachable(settings, box, on_migration_step)


async def fail_abandoned_tasks(db: Database, operational: OperationalEvents) -> None:
    """Background tasks run in the process that started them: those a stopped process left
    `running` are failed now (and announced) rather than reported running for ever."""
    abandoned = await db.background_tasks.fail_abandoned()
    if abandoned:
        log.warning("marked %d background tasks failed: their process stopped", len(abandoned))
    for task in abandoned:
        await operational.task_ended(task)


async def _open_when_reachable(
    settings: Settings, box: SecretBox | None, on_migration_step: MigrationListener | None
) -> Database:
    """Open the database, waiting up to HOOKLINE_DATABASE_STARTUP_WAIT for it to be reachable:
    processes and their database are often started together (or the database is restarting),
    and a process that gave up at once would need its manager to restart it. After the wait
    StoreUnavailable reaches the CLI, which exits with status 1 and says why."""
    deadline = time.monotonic() + settings.database_startup_wait
    delay = 0.25
    while True:
        try:
            return await open_database(
                settings.database_url,
                migrate=True,
                on_migration_step=on_migration_step,
                secret_box=box,
                pooler=settings.database_pooler,
                listen_url=settings.database_listen_url or None,
            )
        except StoreUnavailable as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            delay = min(delay * 2, 5.0, left)
            log.warning(
                "the database is not reachable yet (%s); trying again in %.1f s", exc, delay
            )
            await asyncio.sleep(delay)


def observability_of(
    settings: Settings, db: Database, worker: Worker | None, failures: FailureWatches
) -> Observability:
    if worker is None:
        return observability_for(settings, db, failures=failures)
    return observability_for(
        settings, db, lambda: worker.in_flight, lambda: worker.last_beat, failures=failures
    )


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    # The REST API; its lifespan runs the worker, the retention task and the gauges.
    api: FastAPI
    pages: Starlette
    worker: Worker | None
    observability: Observability
    # What to tell the operator about the secret key (generated, or from where), if anything.
    key_note: str | None

    @property
    def operations(self) -> OperationContext:
        """The context every operation of this process runs in (the API's and the pages')."""
        context: OperationContext = self.api.state.operations
        return context

    def asgi(self) -> ASGIApp:
        """The API with the pages beside it, as `hookline serve` answers."""
        return PagesBesideApi(self.api, self.pages)


async def assemble(
    settings: Settings,
    admin_token: str,
    with_worker: bool,
    worker_child: WorkerChild | None = None,
) -> Runtime:
    """Open the store (migrating it) and build everything over it. Nothing runs until the
    API's lifespan starts; the caller closes `db` after it ends. `worker_child`: the worker
    runs in that child process instead (publishes wake it, its reports are this process's
    worker readiness)."""
    box, key_note = open_secret_box(settings)
    db = await open_store(settings, box)
    operational = OperationalEvents(db, settings)
    await operational.setup()
    await fail_abandoned_tasks(db, operational)
    failures = FailureWatches()
    worker = (
        Worker(db, settings, operational=operational, failures=failures) if with_worker else None
    )
    if worker is not None:
        db.on_published(worker.wake)
        if settings.handoff:
            db.hand_off_to(worker)
    if worker_child is not None and worker is None:
        db.on_published(worker_child.wake)
        failures.add_source(worker_child.problems)
        obs = observability_for(
            settings, db, worker_child.in_flight, worker_child.last_beat, failures=failures
        )
    else:
        obs = observability_of(settings, db, worker, failures)

    async def background(stop: asyncio.Event) -> None:
        # The retention task runs in every process, API-only ones included.
        await asyncio.gather(
            run_retention(db, settings, stop, operational),
            *([worker.run(stop)] if worker else []),
            *([obs.exporter.refresh_gauges(stop)] if obs.exporter else []),
        )

    api = create_app(
        settings,
        db,
        admin_token,
        background=background,
        operational=operational,
        failures=failures,
        observability=obs,
        relay=worker.relay if worker else None,
    )
    # The pages act through the same operations (and operational events) as the API.
    pages = create_pages_app(settings, db, admin_token, operations=api.state.operations)
    return Runtime(settings, db, api, pages, worker, obs, key_note)
