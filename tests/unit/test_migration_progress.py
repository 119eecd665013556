"""What `hookline migrate` prints per revision and at the end (cli/migration_progress.py)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hookline.cli.migration_progress import MigrationProgress, step_line, summary
from hookline.store.database import MigrationStep


@pytest.mark.parametrize(
    ("description", "line"),
    [
        ("Idempotency keys.", "applied 0003 (3 of 18): Idempotency keys."),
        # The first paragraph only, on one line.
        (
            "Background tasks,\nand payload retention.\n\nDetails nobody needs here.",
            "applied 0003 (3 of 18): Background tasks, and payload retention.",
        ),
        # Cut at a word, about one line long.
        (
            "A partial index of the FIFO endpoints' unfinished deliveries, for the claim's FIFO "
            "branch",
            "applied 0003 (3 of 18): A partial index of the FIFO endpoints' unfinished "
            "deliveries, for the…",
        ),
        ("", "applied 0003 (3 of 18)"),
    ],
)
def test_a_revision_is_one_line(description: str, line: str) -> None:
    assert step_line(MigrationStep(3, 18, "0003", description)) == line


@pytest.mark.parametrize(
    ("applied", "text"),
    [
        (0, "database is up to date"),
        (1, "database is up to date (1 migration applied)"),
        (18, "database is up to date (18 migrations applied)"),
    ],
)
def test_the_summary_counts_what_was_applied(applied: int, text: str) -> None:
    assert summary(applied) == text


def test_off_a_terminal_there_are_lines_and_no_bar() -> None:
    out = io.StringIO()
    with MigrationProgress(Console(file=out, force_terminal=False, width=200)) as progress:
        progress.applied(MigrationStep(1, 2, "0017", "Relay endpoints."))
        progress.applied(MigrationStep(2, 2, "0018", "An index."))
    assert out.getvalue().splitlines() == [
        "applied 0017 (1 of 2): Relay endpoints.",
        "applied 0018 (2 of 2): An index.",
    ]
    assert progress.summary() == "database is up to date (2 migrations applied)"
