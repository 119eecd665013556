"""`python -m bench [--quick] [--only ROW,...] [--output PATH]`: run the rows, print the table,
write it to BENCHMARKS.md (full runs) or to --output."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from bench import (
    baseline_row,
    ceiling,
    hookline_rows,
    metrics_rows,
    pages,
    postgres,
    profiling,
    validation_rows,
)
from bench.context import RunContext, Unavailable
from bench.hookline_server import hookline_command
from bench.payload import new_secret
from bench.procs import BENCH_ROOT, Child
from bench.receiver import ReceiverClient, start_receiver
from bench.report import Line, evaluate, machine_description, render_section, table, write_report
from bench.sizes import FULL, QUICK, Sizes

DEFAULT_OUTPUT = BENCH_ROOT / "BENCHMARKS.md"
RowFn = Callable[[RunContext], Awaitable[list[Line]]]


@dataclass(frozen=True)
class Row:
    key: str
    description: str
    run: RowFn


ROWS = [
    Row("ceiling", "ceiling: bare aiohttp client, no storage", ceiling.run),
    Row(
        "sqlite-backlog", "SQLite: backlog drain", partial(hookline_rows.backlog, backend="sqlite")
    ),
    Row("sqlite-e2e", "SQLite: end to end", partial(hookline_rows.end_to_end, backend="sqlite")),
    Row("sqlite-latency", "SQLite: latency", partial(hookline_rows.latency, backend="sqlite")),
    Row(
        "pg-backlog",
        "PostgreSQL: backlog drain, 1 worker",
        partial(hookline_rows.backlog, backend="pg"),
    ),
    Row(
        "pg-backlog-2w",
        "PostgreSQL: backlog drain, 2 workers",
        partial(hookline_rows.backlog, backend="pg", workers=2),
    ),
    Row(
        "pg-pgbouncer",
        "PostgreSQL via PgBouncer (transaction mode): backlog drain, 1 worker",
        partial(hookline_rows.backlog, backend="pgbouncer", key="pg-pgbouncer"),
    ),
    Row(
        "pg-unnamed",
        "PostgreSQL, direct, HOOKLINE_DATABASE_POOLER=transaction: backlog drain, 1 worker",
        partial(hookline_rows.backlog, backend="pg", key="pg-unnamed", pooler="transaction"),
    ),
    Row("pg-e2e", "PostgreSQL: end to end", partial(hookline_rows.end_to_end, backend="pg")),
    Row("pg-latency", "PostgreSQL: latency", partial(hookline_rows.latency, backend="pg")),
    Row("baseline", "baseline: Celery + requests, backlog drain", baseline_row.run),
    Row("fanout", "SQLite: fan-out to many endpoints", hookline_rows.fanout),
    Row(
        "pg-fanout",
        "PostgreSQL: fan-out to many endpoints",
        partial(hookline_rows.fanout, backend="pg"),
    ),
    Row("scale", "claim-and-deliver with a small and a large backlog", hookline_rows.scale),
    Row("scrape", "one /metrics scrape with a large pending backlog", metrics_rows.scrape),
    Row("metrics-cost", "backlog drain, metrics on vs off", metrics_rows.metrics_cost),
    Row(
        "validation-cost",
        "SQLite: publish rate, payload validation on vs off",
        validation_rows.validation_cost,
    ),
    Row("pages", "SQLite: slowest dashboard or portal page on a large store", pages.row),
]
GROUPS = {
    "sqlite": [r.key for r in ROWS if r.key.startswith("sqlite-")],
    "pg": [r.key for r in ROWS if r.key.startswith("pg-")],
    "hookline": [r.key for r in ROWS if r.key not in ("ceiling", "baseline")],
}


def select_rows(only: str | None) -> list[Row]:
    """Rows named by --only (keys or group names), in table order; the ceiling always runs
    because every rate is reported as a ratio to it."""
    if not only:
        return list(ROWS)
    wanted = {"ceiling"}
    for name in (n.strip() for n in only.split(",") if n.strip()):
        if name in GROUPS:
            wanted.update(GROUPS[name])
        elif any(r.key == name for r in ROWS):
            wanted.add(name)
        elif (owner := _row_of_line(name)) is not None:
            wanted.add(owner)
        else:
            known = ", ".join([r.key for r in ROWS] + list(GROUPS))
            raise SystemExit(f"bench: unknown row {name!r}; known: {known}")
    return [r for r in ROWS if r.key in wanted]


def _row_of_line(name: str) -> str | None:
    """The row that writes the table line `name` (`fanout-answer` → `fanout`): the row whose
    key is the longest prefix of it, so that a line key seen in the table can be given too."""
    owners = [r.key for r in ROWS if name.startswith(r.key + "-")]
    return max(owners, key=len) if owners else None


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def run_row(row: Row, ctx: RunContext, load: float) -> list[Line]:
    """Never lets one row's failure stop the run: errors become the row's result. `load` is
    the 1-minute load average just before the row, noted on each of its lines."""
    started = time.monotonic()
    ctx.row = row.key
    try:
        lines = await asyncio.wait_for(row.run(ctx), ctx.sizes.row_timeout)
    except Unavailable as exc:
        lines = [Line(row.key, row.description, error=f"not available ({exc})")]
    except TimeoutError as exc:
        reason = str(exc) or f"row took longer than {ctx.sizes.row_timeout:.0f} s"
        lines = [Line(row.key, row.description, error=f"failed: timeout: {reason}")]
    except Exception as exc:
        lines = [Line(row.key, row.description, error=f"failed: {type(exc).__name__}: {exc}")]
    for line in lines:
        line.notes.append(f"load {load:.1f} before the row")
        shown = line.error or f"{line.value:,.1f} {line.unit}"
        log(f"  {line.key}: {shown} ({time.monotonic() - started:.0f} s)")
    return lines


def git_revision() -> str | None:
    try:
        rev = subprocess.run(
            ["git", "-C", str(BENCH_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(BENCH_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return rev.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


async def header_lines(
    args: argparse.Namespace, sizes: Sizes, rows: list[Row], started: dt.datetime
) -> list[str]:
    header = [f"Date: {started:%Y-%m-%d %H:%M} UTC (start of the run)", *machine_description()]
    if any(r.key.startswith("pg-") for r in rows):
        try:
            header[-1] += f", PostgreSQL {await postgres.server_version()}"
        except Exception:
            header[-1] += ", PostgreSQL unreachable"
    revision = git_revision()
    if revision:
        header.append(f"Hookline commit {revision}")
    if profiling.enabled():
        header.append(
            f"Profiled (BENCH_PROFILE=1): py-spy at {profiling.SAMPLE_RATE} Hz in every "
            "Hookline process, which costs the rows some CPU"
        )
    mode = "quick" if args.quick else "full"
    header.append(
        f"Mode: {mode} — {sizes.messages:,} msgs per throughput row, "
        f"{sizes.baseline_messages:,} Celery tasks, latency {sizes.latency_rate:,.0f} msg/s × "
        f"{sizes.latency_seconds:g} s, fan-out {sizes.fanout_endpoints:,} endpoints, backlogs "
        f"{sizes.scale_small:,} and {sizes.scale_large:,}"
    )
    command = "python -m bench" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    header.append(f"Command: `{command}`")
    return header


async def main_async(args: argparse.Namespace) -> int:
    # SIGTERM (e.g. from `timeout`) cancels the run, so the `finally` blocks stop every child.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    started = dt.datetime.now(dt.UTC)
    sizes = QUICK if args.quick else FULL
    if args.messages:
        sizes = sizes.with_messages(args.messages)
    if args.latency_rate:
        sizes = replace(sizes, latency_rate=args.latency_rate)
    if args.latency_seconds:
        sizes = replace(sizes, latency_seconds=args.latency_seconds)
    rows = select_rows(args.only)
    output: Path | None = args.output
    if output is None and not args.quick and not args.no_write:
        output = DEFAULT_OUTPUT

    log_dir = Path(tempfile.mkdtemp(prefix="hookline-bench-logs-"))
    receiver: Child | None = None
    client: ReceiverClient | None = None
    lines: list[Line] = []
    # Load before each row: a busy machine (other jobs on the 2 cores) explains odd figures.
    loads: list[float] = []
    try:
        receiver, client, url = await start_receiver(log_dir)
        ctx = RunContext(
            sizes=sizes,
            receiver=client,
            receiver_url=url,
            log_dir=log_dir,
            secret=new_secret(),
            hookline_command=hookline_command(args.hookline_command),
        )
        for index, row in enumerate(rows, 1):
            loads.append(os.getloadavg()[0])
            log(f"[{index}/{len(rows)}] {row.key}: {row.description} (load {loads[-1]:.1f})")
            lines.extend(await run_row(row, ctx, loads[-1]))
            receiver.check_alive()
    finally:
        if client is not None:
            await client.__aexit__(None, None, None)
        if receiver is not None:
            await asyncio.to_thread(receiver.stop)
        if args.keep_logs:
            log(f"logs kept in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)

    evaluate(lines)
    print(table(lines))
    if output is not None:
        header = await header_lines(args, sizes, rows, started)
        header.append(
            f"1-minute load average before each row: {min(loads):.1f} to {max(loads):.1f} "
            f"(this machine has {os.cpu_count()} cores; more than that means other work ran)"
        )
        section = render_section(lines, header)
        write_report(output, section)
        log(f"wrote {output}")
    failed = [line.key for line in lines if line.error]
    if failed:
        log(f"{len(failed)} row(s) did not produce a figure: {', '.join(failed)}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts; writes nowhere")
    parser.add_argument("--only", metavar="ROW[,ROW]", help="run a subset (keys or groups)")
    parser.add_argument("--output", type=Path, help="Markdown file to write the table to")
    parser.add_argument("--no-write", action="store_true", help="full run without writing")
    parser.add_argument("--messages", type=int, help="messages per throughput row")
    parser.add_argument("--latency-rate", type=float, help="msg/s of the latency rows")
    parser.add_argument("--latency-seconds", type=float, help="how long the latency rows publish")
    parser.add_argument("--hookline-command", help="how to run the CLI (default: `hookline`)")
    parser.add_argument("--keep-logs", action="store_true", help="keep child process logs")
    parser.add_argument("--list", action="store_true", help="list rows and groups, then exit")
    args = parser.parse_args(argv)
    if args.list:
        for row in ROWS:
            print(f"{row.key:16} {row.description}")
        for group, keys in GROUPS.items():
            print(f"{group:16} group: {', '.join(keys)}")
        raise SystemExit(0)
    return args


def main() -> int:
    args = parse_args()
    import uvloop

    try:
        return uvloop.run(main_async(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Every child was already stopped by the `finally` blocks on the way out.
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
