"""Signing in and out of the dashboard in Chromium."""

from __future__ import annotations

import httpx
from accessibility import assert_accessible
from browser_harness import PageProblems, sign_in
from playwright.sync_api import Page, expect
from server_process import TOKEN, HooklineProcess


def test_a_page_without_session_leads_to_sign_in_and_back(
    page: Page, hookline: HooklineProcess
) -> None:
    page.goto(f"{hookline.url}/ui/apps")
    expect(page.get_by_role("heading", name="Sign in to Hookline")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hookline.url}/ui/apps")
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()


def test_sign_out_revokes_the_session_on_the_server(page: Page, hookline: HooklineProcess) -> None:
    sign_in(page, hookline.url, TOKEN)
    cookie = next(c for c in page.context.cookies() if c["name"] == "hookline_ui")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # served over plain http here
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    # The old cookie, replayed by hand, opens nothing any more.
    stale = httpx.get(
        f"{hookline.url}/ui", cookies={"hookline_ui": cookie["value"]}, follow_redirects=False
    )
    assert stale.status_code == 303
    assert stale.headers["location"].startswith("/ui/sign-in")


def test_a_wrong_token_is_refused(
    page: Page, hookline: HooklineProcess, page_problems: PageProblems
) -> None:
    page_problems.allow("status of 401")
    page.goto(f"{hookline.url}/ui/sign-in")
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That is not the admin token.")
    assert not [c for c in page.context.cookies() if c["name"] == "hookline_ui"]
    assert_accessible(page)


def test_sign_in_and_navigation_with_the_keyboard_alone(
    page: Page, hookline: HooklineProcess
) -> None:
    page.goto(f"{hookline.url}/ui/sign-in")
    # The token field has the focus on arrival; Enter submits the form.
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{hookline.url}/ui")
    # Tab from the top: the skip link first, then the brand, then the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Applications":
            break
    else:
        raise AssertionError("the Applications link is not reachable with Tab")
    # The focused link is visibly outlined.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{hookline.url}/ui/apps")


def test_next_never_leads_to_another_site(page: Page, hookline: HooklineProcess) -> None:
    page.goto(f"{hookline.url}/ui/sign-in?next=//example.com/ui")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hookline.url}/ui")
