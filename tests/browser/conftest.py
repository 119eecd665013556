"""Fixtures of the browser tests: one running `hookline serve` per test module, Chromium,
a fresh page per test (watched for dialogs and console errors), a signed-in page, and the
theme (light and dark) as a parameter.

A test of a view:

    def test_my_view(signed_in: Page, hookline: HooklineProcess) -> None:
        signed_in.goto(f"{hookline.url}/ui/my-view")
        assert_accessible(signed_in)

Without Chromium the tests skip, except under CI=true, where they fail (`.ci/run` installs
Debian's `chromium`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browser_harness import CHROMIUM, CHROMIUM_ARGS, PageProblems, chromium_available, sign_in  # noqa: E402
from server_process import TOKEN, HooklineCluster, HooklineProcess  # noqa: E402

THEMES = ["light", "dark"]


def _require_chromium() -> None:
    if chromium_available():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true: browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def hookline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HooklineProcess]:
    """A Hookline server (SQLite) for the module's tests. Retries wait a minute, so a failed
    attempt stays one failure while a test looks at it."""
    cluster = HooklineCluster(tmp_path_factory.mktemp("hookline") / "data")
    proc = cluster.start({"HOOKLINE_RETRY_SCHEDULE": "60"})
    yield proc
    cluster.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium for the module's tests. Per module, not per session: Playwright's sync API
    keeps an event loop running in the thread while it is open, and other modules' tests
    on the same pytest-xdist worker call asyncio.run()."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=["light"])
def theme(request: pytest.FixtureRequest) -> str:
    """The colour scheme the browser reports; parametrize with `THEMES` for both."""
    return str(request.param)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser, theme: str, page_problems: PageProblems) -> Iterator:  # type: ignore[no-untyped-def]
    context = browser.new_context(color_scheme=theme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page_problems.watch(page)
    yield page
    context.close()
    page_problems.assert_none()


@pytest.fixture(scope="module")
def dashboard_session(browser, hookline: HooklineProcess) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The cookies of one sign-in through the form (watched like every page), made once per
    module: `signed_in` pages start from them instead of filling the form each time. No test
    of a `signed_in` page signs out (those of signing in and out sign in themselves)."""
    context = browser.new_context()
    page = context.new_page()
    problems = PageProblems().watch(page)
    sign_in(page, hookline.url, TOKEN)
    cookies = context.cookies()
    context.close()
    problems.assert_none()
    return cookies


@pytest.fixture
def signed_in(page, hookline: HooklineProcess, dashboard_session):  # type: ignore[no-untyped-def]
    """A page signed in to the dashboard with the admin token, at the overview."""
    page.context.add_cookies(dashboard_session)
    page.goto(f"{hookline.url}/ui")
    assert page.url == f"{hookline.url}/ui", f"the session was not accepted: {page.url}"
    return page
