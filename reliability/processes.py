"""The Hookline processes of a scenario, started, killed and restarted as a user's would be:
`hookline serve --no-worker` (the API) and `hookline worker`, all with the same settings from
`Deployment.environ` (one place, so no process runs with defaults another does not)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench import postgres
from bench.hookline_server import HooklineApi, HooklineEnv
from bench.procs import Child, free_port
from bench.receiver import ReceiverClient

# Short timeouts, so that a killed worker's leases come back within seconds: what is measured
# is whether anything is lost, and the run should not spend minutes waiting for leases.
SETTINGS = {
    "HOOKLINE_REQUEST_TIMEOUT": "5",
    "HOOKLINE_LEASE_SECONDS": "8",
    # The claim of an idempotency key whose API process was killed before it answered: a
    # publish retried with that key waits this long (60 s by default) before it runs again.
    # As long as the publisher's own timeout, so only a request it gave up on can be taken over.
    "HOOKLINE_IDEMPOTENCY_LEASE_SECONDS": "15",
    "HOOKLINE_WORKER_CONCURRENCY": "64",
    "HOOKLINE_WORKER_BATCH_SIZE": "64",
    "HOOKLINE_POLL_INTERVAL": "0.2",
    # Retries soon: a delivery that failed while its receiver was fine must not wait long.
    "HOOKLINE_RETRY_SCHEDULE": "1,2,5,10,30",
}
STARTUP_TIMEOUT = 60.0


def in_flight_bound(worker_kills: int) -> int:
    """What one killed worker can have had claimed and not yet recorded: its leased batch
    and its connections. Duplicates beyond kills × this would mean a bug."""
    per_worker = int(SETTINGS["HOOKLINE_WORKER_CONCURRENCY"]) + int(
        SETTINGS["HOOKLINE_WORKER_BATCH_SIZE"]
    )
    return worker_kills * per_worker


@dataclass
class Deployment:
    """One store and the processes that share it."""

    henv: HooklineEnv
    command: list[str]
    log_dir: Path
    api_port: int = field(default_factory=free_port)
    api: Child | None = None
    workers: list[Child] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def environ(self) -> dict[str, str]:
        return {**self.henv.environ(), **SETTINGS}

    def _child(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> Child:
        return Child(
            name, [*self.command, *args], self.log_dir, env={**self.environ(), **(extra_env or {})}
        )

    async def start_api(self, with_worker: bool = False) -> None:
        """`hookline serve --no-worker`, or with its worker (SQLite's one-process default)."""
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.api_port)]
        if not with_worker:
            args.append("--no-worker")
        self.api = self._child("api", args).start()
        await self.wait_healthy()

    def start_worker(self, index: int, extra_env: dict[str, str] | None = None) -> Child:
        """`extra_env`: what this one worker runs with beyond the shared settings (the
        clock-jumps scenario's libfaketime preload)."""
        child = self._child(f"worker-{index}", ["worker"], extra_env).start()
        if index < len(self.workers):
            self.workers[index] = child
        else:
            self.workers.append(child)
        return child

    async def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while True:
                with suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"{self.api_url}/api/v1/health") as resp:
                        if 200 <= resp.status < 300:
                            return
                assert self.api is not None
                self.api.check_alive()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not become healthy: {self.api.log_tail()}")
                await asyncio.sleep(0.1)

    def client(self) -> HooklineApi:
        return HooklineApi(self.api_url, self.henv.token)

    @staticmethod
    def kill(child: Child) -> None:
        """SIGKILL the process group: no shutdown code runs, as in a crash."""
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        assert child.proc is not None
        child.proc.wait(timeout=10)

    def stop(self) -> None:
        for child in [*self.workers, *([self.api] if self.api else [])]:
            child.stop(grace=10)


@asynccontextmanager
async def deployment(
    backend: str,
    command: list[str],
    log_dir: Path,
    data_dir: Path,
    pg_host: str = postgres.PG_HOST,
) -> AsyncIterator[Deployment]:
    """A fresh store: a data directory for SQLite, a new database for PostgreSQL (on the
    machine's server, or on `pg_host`)."""
    database = await postgres.create_database(pg_host) if backend == "pg" else None
    token = "reliability_" + os.urandom(12).hex()
    henv = HooklineEnv(backend, data_dir, token, database, via=pg_host)
    deploy = Deployment(henv, command, log_dir)
    try:
        yield deploy
    finally:
        await asyncio.to_thread(deploy.stop)
        if database is not None:
            with suppress(Exception):  # a scenario may have left its own server stopped
                await postgres.drop_database(database, pg_host)


@dataclass(frozen=True)
class ScenarioContext:
    """What the harness gives every scenario: the store it runs on, the shared receiver, the
    `hookline` command, where logs and the data directory go, and the seed of fault moments."""

    backend: str
    receiver: ReceiverClient
    receiver_url: str
    command: list[str]
    log_dir: Path
    data_dir: Path
    seed: int

    def deployment(
        self, data_dir: Path | None = None, pg_host: str = postgres.PG_HOST
    ) -> AbstractAsyncContextManager[Deployment]:
        """A fresh store for this scenario (see `deployment`), in its data directory unless
        another is given."""
        return deployment(
            self.backend, self.command, self.log_dir, data_dir or self.data_dir, pg_host
        )
