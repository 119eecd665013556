"""`assert_accessible(page)`: axe-core (vendor/, version and licence in vendor/README.md)
run in the page under test; fails on any serious or critical violation.

axe is evaluated through Playwright (the DevTools protocol), not added as a `<script>`: the
pages' Content-Security-Policy refuses inline scripts, and it should stay in force while the
test looks at the page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text()


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }"""
    )
    return violations


def assert_accessible(page: Page) -> None:
    bad = [v for v in accessibility_violations(page) if v["impact"] in FAILING_IMPACTS]
    report = "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in bad
    )
    assert not bad, f"accessibility violations on {page.url}:\n{report}"
