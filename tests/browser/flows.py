"""Helpers of the dashboard's flow tests: hostile texts, keyboard driving, waiting on the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page
from waits import WAIT_BOUND_S

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
HOSTILE_LINK = "javascript:alert(1)"
HOSTILE_TEXT = f'{HOSTILE} <a href="{HOSTILE_LINK}">click</a> {HOSTILE_LINK}'


def tab_to(page: Page, matches: Callable[[dict[str, Any]], bool], presses: int = 80) -> None:
    """Press Tab until the focused element matches (its tag, text, label, name, id)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement; return {
                tag: e.tagName.toLowerCase(), text: (e.innerText || '').trim(),
                label: e.getAttribute('aria-label') || '', name: e.getAttribute('name') || '',
                id: e.id || '' }; }"""
        )
        if matches(focused):
            return
    raise AssertionError("Tab never reached the element")


def text_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda focused: focused["text"] == text


def no_script_links(page: Page) -> None:
    """Nothing on the page may be a `javascript:` link or carry an injected handler."""
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator("img[onerror], [onerror], [onload]").count() == 0


def wait_until(check: Callable[[], Any], what: str, timeout: float = WAIT_BOUND_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def attempts_of(client: httpx.Client, app: str, msg: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/app/{app}/attempt/msg/{msg}").json()["data"])
