"""Driving Debian's Chromium with Playwright for the pages' tests (and `make screenshots`).

Playwright never downloads a browser here: it launches /usr/bin/chromium (or
$HOOKLINE_TEST_CHROMIUM) by its executable path, headless, with the flags below. Without
the background-networking flags Chromium keeps trying to reach Google's services, which the
closed test network refuses, and the refusals show up as noise and delays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import ConsoleMessage, Dialog, Error, Page

CHROMIUM = os.environ.get("HOOKLINE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@dataclass
class PageProblems:
    """Everything a page should never do: open a dialog (alert, confirm, prompt: what an
    injected script would do first), log an error to the console (CSP violations are logged
    there too), or throw."""

    found: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, text: str) -> None:
        """Expect console errors containing `text` (a page answered 4xx on purpose: Chromium
        logs "Failed to load resource: ... status of 401")."""
        self.allowed.append(text)

    def watch(self, page: Page) -> PageProblems:
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        return self

    def _dialog(self, dialog: Dialog) -> None:
        self.found.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(a in message.text for a in self.allowed):
            self.found.append(f"console error: {message.text}")

    def _page_error(self, error: Error) -> None:
        self.found.append(f"page error: {error}")

    def assert_none(self) -> None:
        assert not self.found, "the page misbehaved:\n" + "\n".join(self.found)


def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base_url}/ui/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/ui")


def api(base_url: str, token: str) -> httpx.Client:
    """A plain HTTP client for the REST API (the svix SDK serves where its models fit)."""
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
