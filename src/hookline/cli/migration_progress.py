"""What `hookline migrate` shows while it upgrades a database: a line per revision applied and,
on a terminal, a progress bar over the revisions the upgrade applies."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from hookline.store.database import MigrationStep

# A revision's description is its docstring's first paragraph, cut to about one line.
DESCRIPTION_CHARS = 72


def step_line(step: MigrationStep) -> str:
    """`applied 0017 (17 of 18): Relay endpoints (…)` for one revision."""
    words = step.description.split("\n\n")[0].split()
    described = " ".join(words)
    if len(described) > DESCRIPTION_CHARS:
        described = described[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"applied {step.revision} ({step.number} of {step.total})" + (
        f": {described}" if described else ""
    )


def summary(applied: int) -> str:
    if applied == 0:
        return "database is up to date"
    return f"database is up to date ({applied} migration{'s' if applied != 1 else ''} applied)"


class MigrationProgress:
    """A context manager whose `applied` is the store's MigrationListener. The bar shows only
    on a terminal; the lines always go to stdout."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(highlight=False)
        self._progress = Progress(
            TextColumn("migrating"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._task: TaskID | None = None
        self._live = False
        self.count = 0

    def __enter__(self) -> MigrationProgress:
        self._live = self._console.is_terminal
        if self._live:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live:
            self._progress.stop()

    def applied(self, step: MigrationStep) -> None:
        if self._task is None:
            self._task = self._progress.add_task("migrate", total=step.total)
        self.count += 1
        self._console.print(step_line(step), markup=False, soft_wrap=True)
        self._progress.update(self._task, completed=step.number)

    def summary(self) -> str:
        return summary(self.count)
