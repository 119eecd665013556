"""`python -m reliability [--quick] [--only SCENARIO[,…]]`: run the fault scenarios against real
Hookline processes and write the table to RELIABILITY.md (a full run) or print it (`--quick`).
Exits 1 if any scenario lost an acknowledged message or could not finish."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.hookline_server import hookline_command
from bench.procs import BENCH_ROOT
from bench.receiver import ReceiverClient, start_receiver
from bench.report import machine_description
from reliability import (
    clock_jumps,
    database_restarts,
    disk_full,
    fuzzing,
    hostile_receivers,
    kill_loop,
    soak,
)
from reliability.processes import ScenarioContext
from reliability.rows import Row, table

DEFAULT_OUTPUT = BENCH_ROOT / "RELIABILITY.md"


@dataclass(frozen=True)
class Scenario:
    backend: str
    run: Callable[..., Awaitable[Row]]
    full: object  # the scenario's sizes for a full run, and for --quick
    quick: object


SCENARIOS = {
    "kill-loop-sqlite": Scenario("sqlite", kill_loop.run, kill_loop.FULL, kill_loop.QUICK),
    "kill-loop-pg": Scenario("pg", kill_loop.run, kill_loop.FULL, kill_loop.QUICK),
    "hostile-receivers": Scenario(
        "sqlite", hostile_receivers.run, hostile_receivers.FULL, hostile_receivers.QUICK
    ),
    "disk-full": Scenario("sqlite", disk_full.run, disk_full.FULL, disk_full.QUICK),
    "database-restarts": Scenario(
        "pg", database_restarts.run, database_restarts.FULL, database_restarts.QUICK
    ),
    "clock-jumps": Scenario("pg", clock_jumps.run, clock_jumps.FULL, clock_jumps.QUICK),
    "soak": Scenario("sqlite", soak.run, soak.FULL, soak.QUICK),
    "soak-pg": Scenario("pg", soak.run, soak.FULL, soak.QUICK),
}

METHOD = """\
How each scenario runs: Hookline as separate `hookline serve --no-worker` and `hookline worker`
processes on one machine, configured only by `HOOKLINE_*` variables (the same for every process:
`reliability/processes.py`, with short request timeouts and leases so that a killed worker's
claims return within seconds), delivering to one receiver process on 127.0.0.1 that answers 204
and counts every arrival per endpoint path and `webhook-id`. The publisher sends at a fixed rate,
each message with its own idempotency key, retrying until it is acknowledged; the faults come
at moments drawn from a seeded random generator (`--seed`).

- **acknowledged**: messages answered 202. **delivered**: acknowledged messages × endpoints that
  arrived at least once. **lost**: those that never arrived. **duplicated**: arrivals beyond the
  first of a delivery (at-least-once delivery: a worker killed between a POST and its record
  sends that delivery again), bounded by what the killed workers had in flight.
- **recovery**: from the repair of the last fault (the process restarted) until every
  acknowledged delivery had arrived.
- **soak**: `hookline serve` alone (SQLite), one endpoint in ten answering 500 to every attempt;
  only the healthy endpoints' deliveries are counted. Its criteria (`reliability/soak_criteria.py`)
  are met, or the row says which was not; the figure is docs/images/soak.png.
"""


FUZZ_SECONDS = {"full": 120, "quick": 10}
FUZZ_NAMES = [f"fuzz-{target}" for target in fuzzing.TARGETS]


def _chosen(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The scenarios and fuzzing targets to run (`--only` may name both, fuzzing ones as
    `fuzz-<target>`)."""
    names = args.only.split(",") if args.only else [*SCENARIOS, *FUZZ_NAMES]
    unknown = [n for n in names if n not in SCENARIOS and n not in FUZZ_NAMES]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; see --list")
    return [n for n in names if n in SCENARIOS], [n for n in names if n in FUZZ_NAMES]


def _fuzz(names: list[str], args: argparse.Namespace) -> list[fuzzing.FuzzResult]:
    seconds = args.fuzz_seconds or FUZZ_SECONDS["quick" if args.quick else "full"]
    work_dir = Path(tempfile.mkdtemp(prefix="hookline-reliability-fuzz-"))
    results = []
    for name in names:
        print(f"reliability: {name} for {seconds} s", file=sys.stderr, flush=True)
        results.append(fuzzing.fuzz(name.removeprefix("fuzz-"), seconds, work_dir))
    if any(r.failed for r in results):
        print(f"reliability: failing inputs kept in {work_dir}", file=sys.stderr)
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return results


async def _run(args: argparse.Namespace, chosen: list[str]) -> list[Row]:
    if not chosen:
        return []
    log_dir = Path(tempfile.mkdtemp(prefix="hookline-reliability-logs-"))
    receiver_child, receiver, receiver_url = await start_receiver(log_dir)
    rows: list[Row] = []
    try:
        for name in chosen:
            scenario = SCENARIOS[name]
            data_dir = Path(tempfile.mkdtemp(prefix=f"hookline-reliability-{name}-"))
            print(f"reliability: {name}", file=sys.stderr, flush=True)
            try:
                rows.append(
                    await _one(
                        name,
                        scenario,
                        receiver,
                        receiver_url,
                        args,
                        log_dir,
                        data_dir,
                    )
                )
            finally:
                shutil.rmtree(data_dir, ignore_errors=True)
            receiver_child.check_alive()
    finally:
        await receiver.__aexit__(None, None, None)
        await asyncio.to_thread(receiver_child.stop)
        if args.keep_logs:
            print(f"reliability: logs kept in {log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return rows


async def _one(
    name: str,
    scenario: Scenario,
    receiver: ReceiverClient,
    receiver_url: str,
    args: argparse.Namespace,
    log_dir: Path,
    data_dir: Path,
) -> Row:
    try:
        context = ScenarioContext(
            scenario.backend,
            receiver,
            receiver_url,
            hookline_command(None),
            log_dir,
            data_dir,
            args.seed,
        )
        return await scenario.run(context, scenario.quick if args.quick else scenario.full)
    except Exception as exc:  # reported in the table, and the run goes on
        traceback.print_exc()
        return Row(scenario=name, store=scenario.backend, injected="", error=repr(exc)[:300])


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCH_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _document(
    rows: list[Row],
    fuzzed: list[fuzzing.FuzzResult],
    started: dt.datetime,
    args: argparse.Namespace,
) -> str:
    header = [
        f"Date: {started:%Y-%m-%d %H:%M} UTC (start of the run)",
        *machine_description(),
        f"Hookline commit {_commit()}",
        f"Command: `python -m reliability{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`"
        f" (seed {args.seed})",
    ]
    return (
        "\n".join(
            [
                "# Hookline reliability",
                "",
                "Generated by `make reliability` (`python -m reliability`); edits here are lost.",
                "",
                *[f"- {line}" for line in header],
                "",
                table(rows),
                "",
                METHOD,
            ]
        ).rstrip()
        + "\n"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes; writes nowhere")
    parser.add_argument("--only", metavar="SCENARIO[,…]", help="run a subset")
    parser.add_argument("--output", type=Path, help="Markdown file to write")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fault moments")
    parser.add_argument("--fuzz-seconds", type=int, help="time per fuzzing target")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument("--list", action="store_true", help="list the scenarios, then exit")
    args = parser.parse_args(argv)
    if args.list:
        for name in [*SCENARIOS, *FUZZ_NAMES]:
            print(name)
        raise SystemExit(0)
    return args


def main() -> int:
    args = parse_args()
    started = dt.datetime.now(dt.UTC)
    scenarios, fuzz_names = _chosen(args)
    import uvloop

    rows = uvloop.run(_run(args, scenarios))
    fuzzed = _fuzz(fuzz_names, args)
    print(table(rows))
    print(fuzzing.table(fuzzed))
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.write_text(_document(rows, fuzzed, started, args))
        print(f"reliability: wrote {output}", file=sys.stderr)
    if args.json is not None:
        result = {
            "scenarios": [dataclasses.asdict(row) for row in rows],
            "fuzzing": [dataclasses.asdict(f) for f in fuzzed],
        }
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    ok = all(row.passed for row in rows) and not any(f.failed for f in fuzzed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
