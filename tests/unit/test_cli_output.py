"""How values appear in the CLI's tables: text escaped, statuses named, times shortened."""

from __future__ import annotations

import pytest

from hookline.cli.output import cell


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("status", 0, "[green]success[/green]"),
        ("status", 2, "[red]failed[/red]"),
        ("status", "finished", "finished"),
        ("description", "[bold]beta[/bold]", "\\[bold]beta\\[/bold]"),
        ("createdAt", "2026-12-02T04:47:59.583000Z", "2026-12-02 04:47:59"),
        ("eventTypes", ["a.b", "c.d"], "a.b, c.d"),
        ("metadata", {"tier": "gold"}, '{"tier":"gold"}'),
        ("disabled", True, "yes"),
        ("uid", None, ""),
        ("responseStatusCode", 204, "204"),
    ],
)
def test_cells(key: str, value: object, shown: str) -> None:
    assert cell(key, value) == shown
