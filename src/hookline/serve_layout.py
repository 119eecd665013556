"""How many processes `hookline serve` runs on its host (HOOKLINE_SERVE_PROCESSES, --processes).

1: the API and the delivery worker share one process and one event loop (one core). A
publish wakes the worker in-process, so this is the layout with the shortest path from a
publish to its delivery at a light load.
2: the API in the `hookline serve` process and the worker in a child process that it starts,
watches and stops: each has a core of its own, which is what a busy host needs.
`auto`: 2 on a host with at least two cores, else 1.

Pure: the caller passes the core count, so the rule is table-testable.
"""

from __future__ import annotations

CHOICES = ("1", "2", "auto")


def processes_for(value: str, cores: int | None) -> int:
    """The process count a setting asks for; ValueError for anything but CHOICES."""
    text = value.strip().lower()
    if text == "auto":
        return 2 if (cores or 1) >= 2 else 1
    if text in ("1", "2"):
        return int(text)
    raise ValueError(f"must be one of {', '.join(CHOICES)}, got {value!r}")
