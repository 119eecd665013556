"""Child processes: start them in their own session, always stop them, read their memory.

Every process a row starts is a `Child`, stopped in a `finally`. Each child gets its own
process group so that a SIGKILL of last resort also reaches its sub-processes (Celery's
prefork pool) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

BENCH_ROOT = Path(__file__).resolve().parent.parent  # the directory holding `bench/`


def _load_prctl() -> Callable[..., int] | None:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


# Looked up once here: the function below runs between fork and exec, where importing
# (which takes locks another thread may hold) is not safe.
_PRCTL = _load_prctl() if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if the benchmark process dies (even by
    SIGKILL), so a killed run leaves no server behind."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ChildExited(RuntimeError):
    """A child that should be running has exited."""


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it at random)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment, with `bench` importable from any working directory."""
    env = dict(os.environ)
    paths = [str(BENCH_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


class Child:
    """One subprocess whose output goes to a log file, so its last words can be reported."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        profiled: bool = False,
    ) -> None:
        self.name = name
        # Launched by `py-spy record` (bench/profiling.py): signals go to py-spy's child.
        self.profiled = profiled
        self.argv = list(argv)
        self.env = dict(env) if env is not None else child_env()
        self.cwd = cwd or BENCH_ROOT
        self.log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self._log: IO[bytes] | None = None

    def start(self) -> Child:
        # Call from the main thread: the parent-death signal fires when the *thread* that
        # started the child exits, so a child started from a pool thread would die early.
        self._log = self.log_path.open("wb")
        self.started_at = time.time()
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if _PRCTL is not None else None,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "child not started"
        return self.proc.pid

    @property
    def measured_pid(self) -> int:
        """The process the row measures: py-spy's child when profiled, else the child."""
        if self.profiled:
            launched = _children(self.pid)
            if launched:
                return launched[0]
        return self.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise ChildExited(
                f"{self.name} exited with code {self.proc.returncode}: {self.log_tail()}"
            )

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 3) -> str:
        meaningful = [line.strip() for line in self.output().splitlines() if line.strip()]
        return " | ".join(meaningful[-lines:]) or "(no output)"

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM (a graceful stop, which the backlog rows rely on), then SIGKILL the group."""
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                # py-spy writes its profile once the process it launched has exited.
                targets = (_children(proc.pid) or [proc.pid]) if self.profiled else [proc.pid]
                for target in targets:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(target, signal.SIGTERM)
                try:
                    proc.wait(timeout=grace + (30 if self.profiled else 0))
                except subprocess.TimeoutExpired:
                    self._kill_group()
                    proc.wait(timeout=5)
            # Sub-processes (a prefork pool) may outlive a parent that exited on its own.
            self._kill_group()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
        return proc.returncode

    def _kill_group(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def stop_all(children: Sequence[Child], grace: float = 15.0) -> None:
    for child in children:
        try:
            child.stop(grace)
        except Exception as exc:  # keep stopping the others
            print(f"bench: could not stop {child.name}: {exc}", file=sys.stderr)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids.extend(int(k) for k in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return kids


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a process plus its descendants, in MB (10^6 bytes)."""
    total_kb = 0
    seen = False
    for each in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
                seen = True
    return total_kb * 1024 / 1e6 if seen else None


def cpu_seconds(pid: int) -> float | None:
    """CPU time the process (all its threads) has used so far, to the nanosecond. On a
    shared machine a wall-clock time also holds the time others ran; this does not."""
    total_ns = 0
    seen = False
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            total_ns += int((task / "schedstat").read_text().split()[0])  # ns on a CPU
            seen = True
        except (OSError, ValueError, IndexError):
            continue
    return total_ns / 1e9 if seen else None
