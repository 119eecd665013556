"""What every row receives: the sizes, the shared receiver, where to log, what to run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.receiver import ReceiverClient
from bench.sizes import Sizes


class Unavailable(RuntimeError):
    """The thing a row measures cannot run here (yet); the row is reported as not available."""


@dataclass
class RunContext:
    sizes: Sizes
    receiver: ReceiverClient
    receiver_url: str
    log_dir: Path
    # Secret the ceiling client and the Celery baseline sign with.
    secret: str
    # Argv prefix that runs Hookline's CLI, e.g. [python, -c, "...main()"].
    hookline_command: list[str]
    # The row being run (names its profiles under BENCH_PROFILE=1).
    row: str = ""
    # Backend name → why it cannot run, so that later rows of that backend skip quickly.
    unavailable: dict[str, str] = field(default_factory=dict)
