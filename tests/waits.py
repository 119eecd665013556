"""Waiting for something in a test: poll until it holds, within a bound.

The bound is how long a test may wait before it fails, not how long it waits: a condition
that holds returns at once. It is generous because it often covers a process's start-up too,
and on a 2-core machine that also runs other work Hookline's imports alone were seen to take
over 20 s (a test that waited 20 s for a worker started just before it failed so, with nothing
wrong but the wait)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WAIT_BOUND_S = 60.0


def wait_until(
    predicate: Callable[[], T], timeout: float = WAIT_BOUND_S, what: str = "condition"
) -> T:
    """Poll `predicate` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached in {timeout} s")
