"""`python -m bench.pages [--messages N --attempts M --store sqlite|postgres]`: how long every
main page of the dashboard (`/ui`) and the portal (`/portal`) takes on a large store.

Builds the data set with bench.dataset (10 applications × 10 endpoints, N messages with one
delivery each, M attempts over 30 days) plus one delivery in `FAILED_EVERY` marked failed (the
dead letters), a few event types, and the statistics counters (`hookline stats rebuild`'s
code). A built store is kept for the next run at the same size: the SQLite file under
--data-root, or the PostgreSQL database named after the size.

Then a real `hookline serve --no-worker` on it: sign in to `/ui` with the admin token (the
session cookie), open a portal session through `POST /api/v1/auth/app-portal-access/{app}`,
and request each page `--rounds` times in a row after one warm-up request. The figure is the
client's round trip on loopback (request sent → whole body read), which holds the server's
render time plus well under a millisecond of transport. Prints one Markdown table row per page.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp
import asyncpg
import sqlalchemy as sa

from bench import dataset, postgres
from bench.context import RunContext
from bench.hookline_server import HooklineApi, HooklineEnv, hookline_command
from bench.procs import Child, free_port
from bench.report import AtMost, Line
from hookline.config import Settings
from hookline.stats_rebuild import rebuild_statistics
from hookline.store import Database, open_database

ROUNDS = 11
FAILED_EVERY = 17  # one delivery in this many is a dead letter (coprime with the 10 apps)
EVENT_TYPES = ("bench.event", "invoice.paid", "invoice.failed", "user.created")
DEFAULT_ROOT = Path(tempfile.gettempdir()) / "hookline-pages-bench"
BUILT_MARK = "bench_pages_built"
STARTUP_TIMEOUT = 120.0
TOKEN = "bench-pages-admin-token"
TARGET_MS = 150.0
DAY_MS = 86_400_000
KEEP_FROM = 10_000  # messages: smaller stores are built in the run's log directory and dropped


@dataclass(frozen=True)
class Store:
    kind: str  # "sqlite" or "postgres"
    messages: int
    attempts: int
    root: Path
    days: int = 30  # the span the messages and attempts are spread over, up to now

    @property
    def name(self) -> str:
        return f"hookline_pages_{self.messages}_{self.attempts}_{self.days}"

    @property
    def data_dir(self) -> Path:
        return self.root / f"{self.kind}-{self.messages}-{self.attempts}-{self.days}"

    @property
    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.data_dir / 'hookline.db'}"
        return postgres.database_url(self.name)


async def _pg_exists(name: str) -> bool:
    conn = await asyncpg.connect(postgres.ADMIN_URL, timeout=10)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _pg_create(name: str) -> None:
    await postgres.drop_database(name)
    conn = await asyncpg.connect(postgres.ADMIN_URL, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _is_built(db: Database) -> bool:
    async with db.read() as conn:
        try:
            await conn.execute(sa.text(f"SELECT 1 FROM {BUILT_MARK}"))
        except sa.exc.DBAPIError:
            return False
    return True


async def _extras(db: Database, now: int) -> None:
    """Dead letters and the event catalog, which the data set itself does not have."""
    async with db.write(durable=False) as conn:
        await conn.execute(
            sa.text(f"UPDATE deliveries SET status = 2 WHERE id % {FAILED_EVERY} = 0")
        )
        for name in EVENT_TYPES:
            await conn.execute(
                sa.text(
                    "INSERT INTO event_types (name, description, archived, deprecated, "
                    "created_at, updated_at) VALUES (:n, :d, false, false, :t, :t)"
                ),
                {"n": name, "d": f"The {name} event", "t": now},
            )
        await conn.execute(sa.text(f"CREATE TABLE {BUILT_MARK} (built_at BIGINT)"))
        await conn.execute(sa.text(f"INSERT INTO {BUILT_MARK} VALUES ({now})"))


async def prepare(store: Store, log: Callable[[str], None]) -> str:
    """Build the store unless a complete one of this size exists; returns what was done."""
    store.data_dir.mkdir(parents=True, exist_ok=True)
    if store.kind == "postgres" and not await _pg_exists(store.name):
        await _pg_create(store.name)
    db = await open_database(store.url)
    try:
        if await _is_built(db):
            return "reused"
        if store.kind == "sqlite":
            await db.close()
            (store.data_dir / "hookline.db").unlink(missing_ok=True)
            db = await open_database(store.url)
        else:
            await db.close()
            await _pg_create(store.name)
            db = await open_database(store.url)
        log(f"building {store.messages:,} messages, {store.attempts:,} attempts ({store.kind})")
        steps = await dataset.build(
            db, dataset.DataSet(store.messages, store.attempts, span_ms=store.days * DAY_MS)
        )
        t = time.perf_counter()
        await rebuild_statistics(db, Settings(), pause=0.0)
        steps["counters"] = time.perf_counter() - t
        await _extras(db, int(time.time() * 1000))
        await dataset.analyze(db)
        return "built: " + ", ".join(f"{name} {s:.0f} s" for name, s in steps.items())
    finally:
        await db.close()


@dataclass(frozen=True)
class Subjects:
    """The ids the pages are opened for: the first application, its first endpoint, its
    newest message."""

    app_id: str
    endpoint_id: str
    msg_id: str


async def subjects(store: Store) -> Subjects:
    db = await open_database(store.url, migrate=False)
    try:
        async with db.read() as conn:
            app = (await conn.execute(sa.text("SELECT min(id) FROM applications"))).scalar()
            ep = (
                await conn.execute(
                    sa.text("SELECT min(id) FROM endpoints WHERE app_id = :a"), {"a": app}
                )
            ).scalar()
            msg = (
                await conn.execute(
                    sa.text("SELECT id FROM messages WHERE app_id = :a ORDER BY id DESC LIMIT 1"),
                    {"a": app},
                )
            ).scalar()
        return Subjects(str(app), str(ep), str(msg))
    finally:
        await db.close()


def minute(ms: int) -> str:
    """A time as the pages' time fields take it (UTC, to the minute)."""
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(ms / 1000))


def dashboard_pages(s: Subjects, now: int) -> list[tuple[str, str]]:
    filtered = urlencode(
        {
            "app": s.app_id,
            "event_type": "bench.event",
            "status": "fail",
            "since": minute(now - 7 * DAY_MS),
        }
    )
    old_day = urlencode(
        {"app": s.app_id, "since": minute(now - 22 * DAY_MS), "until": minute(now - 21 * DAY_MS)}
    )
    nothing = urlencode({"app": s.app_id, "event_type": "invoice.paid"})
    # Before the data set's first message: no failed delivery in it.
    empty_window = urlencode(
        {"since": minute(now - 60 * DAY_MS), "until": minute(now - 50 * DAY_MS)}
    )
    return [
        ("overview, last hour", "/ui?span=hour"),
        ("overview, last 24 hours", "/ui?span=day"),
        ("overview, last 7 days", "/ui?span=week"),
        ("applications", "/ui/apps"),
        ("applications, search", "/ui/apps?q=Bench%205"),
        ("an application", f"/ui/apps/{s.app_id}"),
        ("an endpoint", f"/ui/apps/{s.app_id}/endpoints/{s.endpoint_id}"),
        ("messages, no application", "/ui/messages"),
        ("messages of an application", f"/ui/messages?app={s.app_id}"),
        ("messages, filtered (type, failed, 7 days)", f"/ui/messages?{filtered}"),
        ("messages, one day three weeks ago", f"/ui/messages?{old_day}"),
        # A filter nothing matches reads every message of the application: the worst case.
        ("messages, a filter nothing matches", f"/ui/messages?{nothing}"),
        ("messages, a status no delivery has", f"/ui/messages?app={s.app_id}&status=pending"),
        ("messages, by id (a redirect)", f"/ui/messages?q={s.msg_id}"),
        ("a message", f"/ui/apps/{s.app_id}/messages/{s.msg_id}"),
        ("failed deliveries", "/ui/failed"),
        ("failed deliveries of an application", f"/ui/failed?app={s.app_id}"),
        ("failed deliveries, a window with none", f"/ui/failed?{empty_window}"),
        ("event types", "/ui/event-types"),
    ]


def portal_pages(s: Subjects) -> list[tuple[str, str]]:
    return [
        ("portal: endpoints", "/portal/endpoints"),
        ("portal: an endpoint", f"/portal/endpoints/{s.endpoint_id}"),
        ("portal: messages", "/portal/messages"),
        ("portal: messages, a type nobody sent", "/portal/messages?event_type=invoice.paid"),
        ("portal: a message", f"/portal/messages/{s.msg_id}"),
        ("portal: event types", "/portal/event-types"),
    ]


@dataclass(frozen=True)
class Timing:
    label: str
    path: str
    median_ms: float
    max_ms: float
    size: int


@asynccontextmanager
async def serving(store: Store, log_dir: Path) -> AsyncIterator[str]:
    """`hookline serve --no-worker` on the store; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    henv = HooklineEnv(
        backend=store.kind,
        data_dir=store.data_dir,
        token=TOKEN,
        database=store.name if store.kind == "postgres" else None,
        extra={"HOOKLINE_PUBLIC_URL": base},
    )
    argv = [*hookline_command(), "serve", "--no-worker", "--host", "127.0.0.1"]
    child = Child("hookline-serve", [*argv, "--port", str(port)], log_dir, henv.environ())
    api = HooklineApi(base, TOKEN)
    child.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not await api.healthy():
            child.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"hookline serve did not start: {child.log_tail()}")
            await asyncio.sleep(0.2)
        yield base
    finally:
        await api.close()
        await asyncio.to_thread(child.stop)


async def dashboard_session(base: str) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post(
        base + "/ui/sign-in", data={"token": TOKEN, "next": "/ui"}, headers={"origin": base}
    ) as resp:
        await resp.read()
        if resp.status != 200 or urlsplit(str(resp.url)).path != "/ui":
            await session.close()
            raise RuntimeError(f"sign-in answered {resp.status} at {resp.url}")
    return session


async def portal_session(base: str, app_id: str) -> aiohttp.ClientSession:
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession() as api,
        api.post(
            f"{base}/api/v1/auth/app-portal-access/{app_id}", json={}, headers=headers
        ) as resp,
    ):
        link = (await resp.json())["url"]
    code = urlsplit(link).fragment.removeprefix("code=")
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post(
        base + "/portal/open", json={"code": code}, headers={"origin": base}
    ) as resp:
        if resp.status != 200:
            text = await resp.text()
            await session.close()
            raise RuntimeError(f"portal link answered {resp.status}: {text[:200]}")
    return session


async def time_page(
    session: aiohttp.ClientSession, base: str, label: str, path: str, rounds: int
) -> Timing:
    times = []
    size = 0
    for i in range(rounds + 1):  # the first request warms caches and is not counted
        start = time.perf_counter()
        async with session.get(base + path, allow_redirects=False) as resp:
            body = await resp.read()
        elapsed = time.perf_counter() - start
        if resp.status not in (200, 303):
            raise RuntimeError(f"GET {path} answered {resp.status}: {body[:300]!r}")
        if i:
            times.append(elapsed)
        size = len(body)
    return Timing(label, path, statistics.median(times) * 1000, max(times) * 1000, size)


async def measure(store: Store, rounds: int, log_dir: Path) -> list[Timing]:
    s = await subjects(store)
    now = int(time.time() * 1000)
    timings = []
    async with serving(store, log_dir) as base:
        ui = await dashboard_session(base)
        try:
            for label, path in dashboard_pages(s, now):
                timings.append(await time_page(ui, base, label, path, rounds))
        finally:
            await ui.close()
        portal = await portal_session(base, s.app_id)
        try:
            for label, path in portal_pages(s):
                timings.append(await time_page(portal, base, label, path, rounds))
        finally:
            await portal.close()
    return timings


def table(timings: list[Timing]) -> str:
    lines = ["| page | median | max | size |", "| --- | ---: | ---: | ---: |"]
    for t in timings:
        lines.append(
            f"| {t.label} | {t.median_ms:.1f} ms | {t.max_ms:.1f} ms | {t.size / 1000:.0f} kB |"
        )
    return "\n".join(lines)


async def run(store: Store, rounds: int) -> tuple[str, list[Timing]]:
    def log(message: str) -> None:
        print(f"bench.pages: {message}", file=sys.stderr, flush=True)

    done = await prepare(store, log)
    log(done)
    with tempfile.TemporaryDirectory(prefix="hookline-pages-logs-") as log_dir:
        timings = await measure(store, rounds, Path(log_dir))
    return done, timings


async def row(ctx: RunContext) -> list[Line]:
    """`make bench`'s row: the slowest page's median on a SQLite store of
    `sizes.pages_messages` messages and ten times as many attempts."""
    messages = ctx.sizes.pages_messages
    keep = messages >= KEEP_FROM
    store = Store(
        "sqlite", messages, 10 * messages, DEFAULT_ROOT if keep else ctx.log_dir, 30 if keep else 2
    )
    done = await prepare(store, lambda message: None)
    timings = await measure(store, ROUNDS if keep else 3, ctx.log_dir)
    ranked = sorted(timings, key=lambda t: t.median_ms, reverse=True)
    slowest = ranked[0]
    return [
        Line(
            "pages",
            f"SQLite: slowest of {len(timings)} pages, {messages:,} msgs, "
            f"{store.attempts:,} attempts",
            slowest.median_ms,
            unit="ms",
            notes=[
                f"median of {ROUNDS if keep else 3} round trips on loopback per page; slowest: "
                + ", ".join(
                    f"{t.label} {t.median_ms:.0f} ms (max {t.max_ms:.0f})" for t in ranked[:3]
                ),
                f"store {done}",
            ],
            target=AtMost(TARGET_MS),
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=0, help="default: 10 × messages")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--days", type=int, default=30, help="the span of the data set")
    parser.add_argument(
        "--data-root", type=Path, default=DEFAULT_ROOT, help="where built SQLite stores are kept"
    )
    args = parser.parse_args()
    store = Store(
        args.store, args.messages, args.attempts or 10 * args.messages, args.data_root, args.days
    )
    done, timings = asyncio.run(run(store, args.rounds))
    print(
        f"{store.kind}: {store.messages:,} messages, {store.attempts:,} attempts ({done}); "
        f"client round trip on loopback, {args.rounds} requests per page after one warm-up\n"
    )
    print(table(timings))


if __name__ == "__main__":
    main()
