"""Running Hookline as the user would: `hookline serve [--no-worker]` and `hookline worker`
subprocesses, configured only through `HOOKLINE_*` variables and driven over its HTTP API."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench import postgres, profiling
from bench.context import RunContext, Unavailable
from bench.payload import EVENT_TYPE, payload_obj
from bench.pgbouncer import PgBouncer
from bench.procs import BENCH_ROOT, Child, child_env, free_port

STARTUP_TIMEOUT = 60.0
BACKENDS = {"sqlite": "SQLite", "pg": "PostgreSQL", "pgbouncer": "PostgreSQL via PgBouncer"}


class ServerUnavailable(Unavailable):
    """Hookline could not be started on a backend; later rows of that backend skip at once."""


class ApiError(RuntimeError):
    pass


def hookline_command(override: str | None = None) -> list[str]:
    """How to run Hookline's CLI: `--hookline-command`, else the console script beside this
    interpreter (`make bench` installs it), else its `main` through this interpreter."""
    if override:
        return shlex.split(override)
    script = Path(sys.executable).parent / "hookline"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from hookline.cli import main; sys.exit(main())"]


def passed_settings() -> dict[str, str]:
    """`BENCH_HOOKLINE_SETTINGS="HOOKLINE_X=1 HOOKLINE_Y=2"`: settings given to every Hookline
    process of the run (the rest of HOOKLINE_* is not passed on), so that two variants of one
    commit can be measured against each other in interleaved runs."""
    pairs = (item.partition("=") for item in os.environ.get("BENCH_HOOKLINE_SETTINGS", "").split())
    return {key: value for key, _, value in pairs if key.startswith("HOOKLINE_")}


@dataclass(frozen=True)
class HooklineEnv:
    backend: str
    data_dir: Path
    token: str
    database: str | None = None  # PostgreSQL database name
    via: str = postgres.PG_HOST  # host:port Hookline connects to (a pooler, or PostgreSQL)
    pooler: str | None = None  # HOOKLINE_DATABASE_POOLER, if the row sets it
    extra: dict[str, str] = field(default_factory=dict)  # settings of one row

    @property
    def database_url(self) -> str | None:
        return postgres.database_url(self.database, self.via) if self.database else None

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in child_env().items() if not k.startswith("HOOKLINE_")}
        src = BENCH_ROOT / "src"
        if importlib.util.find_spec("hookline") is None and (src / "hookline").is_dir():
            env["PYTHONPATH"] = os.pathsep.join([str(src), env["PYTHONPATH"]])
        env.update(
            HOOKLINE_DATA_DIR=str(self.data_dir),
            HOOKLINE_ADMIN_TOKEN=self.token,
            # Secrets at rest: PostgreSQL needs the key given (SQLite would generate one).
            HOOKLINE_SECRET_KEY="bench-secret-key-0123456789abcdefghijkl",
            HOOKLINE_ALLOW_PRIVATE_NETWORKS="127.0.0.0/8",
        )
        if self.database_url:
            env["HOOKLINE_DATABASE_URL"] = self.database_url
        if self.pooler:
            env["HOOKLINE_DATABASE_POOLER"] = self.pooler
        env.update(self.extra)
        env.update(passed_settings())
        return env


@asynccontextmanager
async def backend_env(
    ctx: RunContext, backend: str, pooler: str | None = None
) -> AsyncIterator[HooklineEnv]:
    """A fresh data directory (and for PostgreSQL a fresh database), removed afterwards."""
    if backend in ctx.unavailable:
        raise Unavailable(ctx.unavailable[backend])
    database = None
    bouncer: PgBouncer | None = None
    via = postgres.PG_HOST
    if backend in ("pg", "pgbouncer"):
        try:
            database = await asyncio.wait_for(postgres.create_database(), 20)
        except Exception as exc:
            ctx.unavailable[backend] = f"PostgreSQL at {postgres.PG_HOST} unusable: {exc!r}"
            raise Unavailable(ctx.unavailable[backend]) from exc
    if backend == "pgbouncer":
        try:
            bouncer = await asyncio.to_thread(lambda: PgBouncer().start())
        except Unavailable as exc:
            ctx.unavailable[backend] = str(exc)
            assert database is not None
            await postgres.drop_database(database)
            raise
        via = f"127.0.0.1:{bouncer.port}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"hookline-bench-{backend}-"))
    try:
        token = "bench_" + secrets.token_hex(16)
        yield HooklineEnv(backend, data_dir, token, database, via, pooler)
    except ServerUnavailable as exc:
        ctx.unavailable[backend] = str(exc)
        raise
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if bouncer is not None:
            await asyncio.to_thread(bouncer.stop)
        if database is not None:
            try:
                await asyncio.wait_for(postgres.drop_database(database), 30)
            except Exception as exc:
                print(f"bench: could not drop database {database}: {exc!r}", file=sys.stderr)


class HooklineApi:
    """The few Svix-compatible calls the benchmark needs, over one keep-alive aiohttp pool."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256),
            timeout=aiohttp.ClientTimeout(total=300),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        # Publish answers other than Svix's 202, to report.
        self.unexpected_statuses: dict[int, int] = {}

    async def close(self) -> None:
        await self.session.close()

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else orjson.dumps(body)
        async with self.session.request(method, self.base_url + path, data=data) as resp:
            raw = await resp.read()
            if resp.status >= 300:
                text = raw[:300].decode(errors="replace")
                raise ApiError(f"{method} {path} answered {resp.status}: {text}")
            if path.endswith("/msg") and method == "POST" and resp.status != 202:
                self.unexpected_statuses[resp.status] = (
                    self.unexpected_statuses.get(resp.status, 0) + 1
                )
            return orjson.loads(raw) if raw else None

    async def healthy(self) -> bool:
        try:
            async with self.session.get(self.base_url + "/api/v1/health") as resp:
                return 200 <= resp.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False

    @staticmethod
    def _id(answer: Any, what: str) -> str:
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            raise ApiError(f"{what} answered without an `id`: {str(answer)[:200]}")
        return answer["id"]

    async def create_app(self, name: str) -> str:
        return self._id(await self.call("POST", "/api/v1/app", {"name": name}), "POST /app")

    async def create_endpoint(
        self, app_id: str, url: str, channels: Sequence[str] | None = None
    ) -> str:
        body: dict[str, object] = {"url": url}
        if channels is not None:
            body["channels"] = list(channels)
        answer = await self.call("POST", f"/api/v1/app/{app_id}/endpoint", body)
        return self._id(answer, "POST /endpoint")

    async def create_endpoints(
        self, app_id: str, urls: Sequence[str], concurrency: int = 16
    ) -> list[str]:
        ids: list[str] = [""] * len(urls)
        cursor = iter(range(len(urls)))

        async def creator() -> None:
            for index in cursor:
                ids[index] = await self.create_endpoint(app_id, urls[index])

        await asyncio.gather(*(creator() for _ in range(concurrency)))
        return ids

    async def endpoint_secret(self, app_id: str, endpoint_id: str) -> str:
        answer = await self.call("GET", f"/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret")
        return str(answer["key"])

    async def publish(self, app_id: str, seq: int) -> str:
        body = {"eventType": EVENT_TYPE, "payload": payload_obj(seq)}
        return self._id(await self.call("POST", f"/api/v1/app/{app_id}/msg", body), "POST /msg")

    async def publish_many(
        self, app_id: str, count: int, concurrency: int = 64, first_seq: int = 0
    ) -> list[str]:
        """Publish `count` messages as fast as `concurrency` connections allow."""
        ids: list[str] = [""] * count
        cursor = iter(range(count))

        async def publisher() -> None:
            for index in cursor:
                ids[index] = await self.publish(app_id, first_seq + index)

        await asyncio.gather(*(publisher() for _ in range(min(concurrency, count))))
        return ids


class HooklineServer:
    """`hookline serve` on a random port; started and health-checked by `running_server`."""

    def __init__(self, ctx: RunContext, henv: HooklineEnv, no_worker: bool) -> None:
        self.port = free_port()
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if no_worker:
            args.append("--no-worker")
        self.child = hookline_child(ctx, "hookline-serve", args, henv)
        self.api = HooklineApi(f"http://127.0.0.1:{self.port}", henv.token)
        self.henv = henv
        self.command_text = "hookline " + " ".join(args)

    async def start(self) -> None:
        self.child.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not await self.api.healthy():
            if not self.child.alive():
                raise ServerUnavailable(
                    f"`{self.command_text}` exited with code {self.child.proc.returncode}"  # type: ignore[union-attr]
                    f" ({self._backend_text()}): {self.child.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"`{self.command_text}` did not answer GET /api/v1/health within "
                    f"{STARTUP_TIMEOUT:.0f} s ({self._backend_text()}): {self.child.log_tail()}"
                )
            await asyncio.sleep(0.1)

    def _backend_text(self) -> str:
        url = self.henv.database_url
        return f"HOOKLINE_DATABASE_URL={url}" if url else "SQLite"

    async def check_backend_used(self) -> None:
        """A server that ignores HOOKLINE_DATABASE_URL would silently benchmark SQLite."""
        if self.henv.database is None:
            return
        if await postgres.table_count(self.henv.database) == 0:
            raise ServerUnavailable(
                f"`{self.command_text}` started with {self._backend_text()} but created no "
                "tables in that database (it seems to ignore HOOKLINE_DATABASE_URL)"
            )

    async def stop(self) -> None:
        await self.api.close()
        await asyncio.to_thread(self.child.stop)


@asynccontextmanager
async def running_server(
    ctx: RunContext, henv: HooklineEnv, no_worker: bool = False
) -> AsyncIterator[HooklineServer]:
    server = HooklineServer(ctx, henv, no_worker)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


def worker(ctx: RunContext, henv: HooklineEnv, index: int = 0) -> Child:
    """A `hookline worker` process (not started yet)."""
    return hookline_child(ctx, f"hookline-worker-{index}", ["worker"], henv)


def hookline_child(ctx: RunContext, name: str, args: list[str], henv: HooklineEnv) -> Child:
    """A Hookline CLI process of the current row; under py-spy when BENCH_PROFILE=1."""
    argv = [*ctx.hookline_command, *args]
    if not profiling.enabled():
        return Child(name, argv, ctx.log_dir, env=henv.environ())
    argv, _ = profiling.wrap(argv, ctx.row or "row", name)
    return Child(name, argv, ctx.log_dir, env=henv.environ(), profiled=True)
