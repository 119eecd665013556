"""Is this process doing its job? Loud, bounded reports of store work that keeps failing.

A worker that cannot claim or record, or an API whose publishes fail, must not fail quietly
behind a health check that still answers: acknowledged messages would wait forever. Each
activity ("claim deliveries", "record attempts", "publish messages") has a `FailureWatch`:
a failure that lasts longer than `grace` seconds makes the process not ready (the health
route answers 503 with the cause) and logs one error line per `report_every` seconds, never a
traceback per retry. The next success makes it ready again and says so.

Pure bookkeeping: the caller passes the clock (`time.monotonic()`), so the decisions are
table-testable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("hookline.readiness")

# A failure shorter than this is a blip (one lost connection, a failover); retries cover it.
GRACE_SECONDS = 3.0
REPORT_EVERY_SECONDS = 5.0
# A failed publish with no publish since stops counting after this long: an API that nobody
# publishes to is not kept "not ready" by one old failure.
STALE_AFTER_SECONDS = 15.0


@dataclass
class FailureWatch:
    activity: str  # e.g. "claim deliveries": what could not be done
    grace: float = GRACE_SECONDS
    report_every: float = REPORT_EVERY_SECONDS
    stale_after: float | None = None  # None: failing until the next success
    failing_since: float | None = None
    last_failure_at: float = 0.0
    last_report_at: float | None = None
    cause: str = ""

    def is_new_streak(self, now: float) -> bool:
        """Would a failure now start a new streak (nothing failing, or only long ago)?"""
        return self.failing_since is None or self._stale(now)

    def failed(self, now: float, cause: BaseException | str) -> str | None:
        """Note a failure; returns the error line to log now, if it is time for one."""
        if self.failing_since is None or self._stale(now):
            self.failing_since = now
            self.last_report_at = None
        since = self.failing_since
        self.last_failure_at = now
        self.cause = _describe(cause)
        if now - since < self.grace:
            return None
        if self.last_report_at is not None and now - self.last_report_at < self.report_every:
            return None
        self.last_report_at = now
        return f"cannot {self.activity} for {now - since:.0f} s (still retrying): {self.cause}"

    def succeeded(self, now: float) -> str | None:
        """Note a success; returns a line to log if a reported failure just ended."""
        was_reported = self.last_report_at is not None and not self._stale(now)
        failing_since = self.failing_since
        self.failing_since = None
        self.last_report_at = None
        if was_reported and failing_since is not None:
            return f"can {self.activity} again after {now - failing_since:.0f} s"
        return None

    def problem(self, now: float) -> str | None:
        """Why this activity makes the process not ready now, or None."""
        if self.failing_since is None or self._stale(now):
            return None
        if now - self.failing_since < self.grace:
            return None
        return f"cannot {self.activity} for {now - self.failing_since:.0f} s: {self.cause}"

    def _stale(self, now: float) -> bool:
        return self.stale_after is not None and now - self.last_failure_at > self.stale_after


def _describe(cause: BaseException | str) -> str:
    if isinstance(cause, str):
        return cause
    text = " ".join(str(cause).split())  # one line, whatever the driver's message spans
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


class FailureWatches:
    """The watches of one process; `problems` is what the health route reports."""

    def __init__(self) -> None:
        self._watches: list[FailureWatch] = []
        # Problems reported from elsewhere: the worker child of a two-process serve.
        self._sources: list[Callable[[float], list[str]]] = []

    def watch(self, activity: str, stale_after: float | None = None) -> FailureWatch:
        watch = FailureWatch(activity, stale_after=stale_after)
        self._watches.append(watch)
        return watch

    def add_source(self, problems: Callable[[float], list[str]]) -> None:
        self._sources.append(problems)

    def problems(self, now: float) -> list[str]:
        found = [p for w in self._watches if (p := w.problem(now)) is not None]
        for source in self._sources:
            found.extend(source(now))
        return found


def report_failure(
    watch: FailureWatch,
    now: float,
    cause: BaseException,
    logger: logging.Logger,
    with_traceback: bool = False,
    note: str = "",
) -> None:
    """The first failure of a streak is a warning (with the traceback if asked: a bug or a
    misconfiguration, not an outage); past the grace period, one error line per interval
    says how long it has lasted and why. Never a traceback per retry or per request."""
    if watch.is_new_streak(now):
        logger.warning(
            "cannot %s%s, retrying: %s",
            watch.activity,
            f" ({note})" if note else "",
            _describe(cause),
            exc_info=cause if with_traceback else None,
        )
    line = watch.failed(now, cause)
    if line is not None:
        logger.error("%s", line)


def report_success(watch: FailureWatch, now: float, logger: logging.Logger) -> None:
    line = watch.succeeded(now)
    if line is not None:
        logger.warning("%s", line)
