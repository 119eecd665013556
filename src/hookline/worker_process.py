"""The worker child of `hookline serve` when it runs two processes (serve_layout).

The child is `hookline worker` run by the same interpreter with the same environment, so it
reads the same settings; only HOOKLINE_METRICS_PORT is withheld from it (one listener per
port: the API's serves the probes). It is linked to the API through worker_link (wake-ups
and reports), and it stops when the API does: `hookline serve` forwards SIGTERM/SIGINT to
it and waits for its graceful stop; the child also gets SIGTERM if its parent dies
(PR_SET_PDEATHSIG on Linux).

A child that exits on its own is not restarted: `hookline serve` stops the API gracefully
and exits with status 1. A restart loop inside serve would keep an API answering while its
worker crashed again and again; the host's process manager (systemd, Docker, Kubernetes)
restarts the whole service with its own backoff and reports it. Nothing acknowledged is
lost either way: a delivery claimed by the dead child comes back when its lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from hookline.config import Settings
from hookline.worker_link import REPORT_SECONDS, ParentEnd, link_pair

log = logging.getLogger("hookline.server")

# Reports are sent every second: this many seconds without one is a stuck or dead child.
SILENT_AFTER_SECONDS = 10 * REPORT_SECONDS
# Beyond the worker's own bound on its stop (a request timeout, then its records).
STOP_MARGIN_SECONDS = 15.0


class WorkerChild:
    def __init__(self, settings: Settings, host: str) -> None:
        self.settings = settings
        self.host = host
        self.process: subprocess.Popen[bytes] | None = None
        self.link: ParentEnd | None = None
        self.stopping = False
        self.exit_status: int | None = None
        self._waiter: asyncio.Task[int] | None = None
        self._started_at = 0.0
        self._signalled = False

    def start(self, on_exit: Callable[[int], None]) -> None:
        """Start the child (from the event loop's thread: its parent-death signal is tied to
        the thread that starts it); `on_exit(status)` if it exits before `stop`."""
        parent_end, child_end = link_pair()
        env = dict(os.environ, HOOKLINE_METRICS_PORT="0")
        argv = [
            sys.executable,
            "-m",
            "hookline",
            "worker",
            "--host",
            self.host,
            "--link-fd",
            str(child_end.fileno()),
            "--parent-pid",
            str(os.getpid()),
        ]
        self.process = subprocess.Popen(argv, env=env, pass_fds=(child_end.fileno(),))
        child_end.close()
        self._started_at = time.monotonic()
        self.link = ParentEnd(parent_end)
        self.link.listen()
        self._waiter = asyncio.create_task(asyncio.to_thread(self.process.wait))
        self._waiter.add_done_callback(lambda task: self._exited(task, on_exit))

    def _exited(self, task: asyncio.Task[int], on_exit: Callable[[int], None]) -> None:
        self.exit_status = task.result() if not task.cancelled() else -1
        if not self.stopping:
            log.error(
                "the worker process (pid %s) exited with status %s: stopping the API "
                "(exit status 1); the process manager restarts Hookline",
                self.process.pid if self.process else "?",
                self.exit_status,
            )
            on_exit(self.exit_status)

    def signal_stop(self) -> None:
        """Ask the child for its graceful stop (it finishes and records what is in flight),
        once: a second SIGTERM could reach it after its loop ended, where nothing handles it."""
        self.stopping = True
        if self._signalled or self.process is None or self.process.poll() is not None:
            return
        self._signalled = True
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)

    async def stop(self) -> int | None:
        """Stop the child and wait for it; its exit status (None if it never started)."""
        if self.process is None or self._waiter is None:
            return None
        self.signal_stop()
        bound = self.settings.request_timeout + STOP_MARGIN_SECONDS
        try:
            await asyncio.wait_for(asyncio.shield(self._waiter), bound)
        except TimeoutError:
            log.warning("the worker process did not stop within %.0f s: killing it", bound)
            self.process.kill()
            await self._waiter
        if self.link is not None:
            self.link.close()
        if self.exit_status == -signal.SIGTERM:
            # Ended by the SIGTERM it was sent: before its loop handled signals (still
            # starting, nothing claimed) or after (done): a stop, not a failure.
            return 0
        return self.exit_status

    # What the API's health route and probes report about the child.

    def problems(self, now: float) -> list[str]:
        if self.exit_status is not None and not self.stopping:
            return [f"the worker process exited with status {self.exit_status}"]
        report = self.link.report if self.link is not None else None
        if report is None or report.received_at is None:
            # Not ready until the worker runs: a publish accepted now would wait for it.
            return [f"the worker process is starting ({now - self._started_at:.0f} s ago)"]
        silent = now - report.received_at
        if silent > SILENT_AFTER_SECONDS:
            return [f"the worker process has not reported for {silent:.0f} s"]
        return [f"worker process: {p}" for p in report.problems]

    def last_beat(self) -> float | None:
        return self.link.report.last_beat() if self.link is not None else None

    def in_flight(self) -> int:
        return self.link.report.in_flight if self.link is not None else 0

    def wake(self) -> None:
        if self.link is not None:
            self.link.wake()


def exit_with_parent(parent_pid: int) -> bool:
    """In the child: get SIGTERM when the parent dies (Linux); False if it is already gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    return os.getppid() == parent_pid
