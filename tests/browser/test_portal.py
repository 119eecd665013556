"""The customer portal in Chromium: single-use links, one application only, endpoints
(add, secret, example, rotate), messages and resend, capabilities and readOnly, hostile
content, axe on every view, and a keyboard-only flow. Deliveries go to a real receiver and
are verified with `standardwebhooks`."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from accessibility import assert_accessible
from browser_harness import PageProblems, api
from conftest import THEMES
from playwright.sync_api import Page, expect
from portal_links import portal_link
from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
HOSTILE_LINK = "javascript:alert(1)"
NOT_FOUND = "status of 404"
EXAMPLE = {"order": "ord_1", "cents": 1200}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    got = Receiver().start()
    yield got
    got.stop()


@pytest.fixture(scope="module")
def apps(hookline: HooklineProcess, receiver: Receiver) -> dict[str, str]:
    """Two applications: `shop` (the portal's) with an event type catalog, and `other`, with
    an endpoint and a message that no portal of `shop` may reach. `shop` has a message with a
    hostile payload, delivered to an endpoint with a hostile description."""
    with api(hookline.url, TOKEN) as client:
        client.post(
            "/api/v1/event-type",
            json={
                "name": "order.paid",
                "description": "An order was paid",
                "schemas": {
                    "1": {"type": "object", "examples": [{"order": "ord_1", "cents": 1200}]}
                },
            },
        )
        client.post("/api/v1/event-type", json={"name": "order.shipped", "description": HOSTILE})
        shop = client.post("/api/v1/app", json={"name": "Acme Shop", "uid": "acme"}).json()
        other = client.post("/api/v1/app", json={"name": "Other Co", "uid": "other"}).json()
        hostile_ep = client.post(
            f"/api/v1/app/{shop['id']}/endpoint",
            json={
                "url": f"{receiver.url}/hostile",
                "description": f"{HOSTILE} {HOSTILE_LINK}",
                "filterTypes": ["order.shipped"],
            },
        ).json()
        hostile_msg = client.post(
            f"/api/v1/app/{shop['id']}/msg",
            json={"eventType": "order.shipped", "payload": {"html": HOSTILE, "a": HOSTILE_LINK}},
        ).json()
        other_ep = client.post(
            f"/api/v1/app/{other['id']}/endpoint",
            json={"url": f"{receiver.url}/other-secret-place"},
        ).json()
        other_msg = client.post(
            f"/api/v1/app/{other['id']}/msg",
            json={"eventType": "order.paid", "payload": {"private": "of Other Co"}},
        ).json()
    receiver.wait_for(lambda got: len(got) >= 2)
    return {
        "shop": shop["id"],
        "other": other["id"],
        "hostile_ep": hostile_ep["id"],
        "hostile_msg": hostile_msg["id"],
        "other_ep": other_ep["id"],
        "other_msg": other_msg["id"],
    }


def open_portal(page: Page, hookline: HooklineProcess, app: str, **grant: object) -> None:
    page.goto(portal_link(hookline.url, app, **grant))
    page.wait_for_url(f"{hookline.url}/portal/endpoints")


def csrf_token(page: Page) -> str:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return token


def test_a_link_opens_its_application_once_and_leaves_no_code_behind(
    page: Page, browser, hookline: HooklineProcess, apps: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    link = portal_link(hookline.url, apps["shop"])
    assert "#code=" in link
    page.goto(link)
    page.wait_for_url(f"{hookline.url}/portal/endpoints")
    assert "code" not in page.url
    expect(page.locator("#endpoints, main")).to_contain_text("/hostile")
    expect(page.locator("main")).not_to_contain_text("other-secret-place")
    # The link's page was replaced in the history: going back never shows the code again.
    page.go_back()
    assert "code=" not in page.url
    # A second use, in another browser, is refused with a clear message.
    other = browser.new_context()
    try:
        second = other.new_page()
        problems = PageProblems()
        problems.allow("status of 410")
        problems.watch(second)
        second.goto(link)
        expect(second.locator("#link-status")).to_contain_text("already been used")
        assert "code=" not in second.url
        second.goto(f"{hookline.url}/portal/endpoints")
        second.wait_for_url(f"{hookline.url}/portal/open**")
        problems.assert_none()
    finally:
        other.close()


def test_the_customer_adds_an_endpoint_sends_an_example_rotates_and_resends(
    page: Page,
    hookline: HooklineProcess,
    apps: dict[str, str],
    receiver: Receiver,
    page_problems: PageProblems,
) -> None:
    open_portal(page, hookline, apps["shop"])
    page.get_by_role("link", name="Add endpoint").click()
    # A URL Hookline cannot send to is refused beside its field, and the form keeps its values.
    page_problems.allow("status of 422")
    page.get_by_label("URL").fill("ftp://example.com/hook")
    page.get_by_label("Description").fill("kept")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#url-error")).to_be_visible()
    expect(page.locator("#description")).to_have_value("kept")
    page.get_by_label("URL").fill(f"{receiver.url}/mine")
    page.get_by_label("Description").fill("My order service")
    page.get_by_label("Event types").fill("order.paid")
    page.get_by_label("Headers").fill("X-Team: billing")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#done")).to_contain_text("added")
    expect(page.locator("main")).to_contain_text("X-Team: billing")
    page.get_by_role("link", name="Reveal secret").click()
    secret = page.locator("#signing-secret").inner_text()
    assert secret.startswith("whsec_")

    page.get_by_label("Event type").select_option("order.paid")
    page.get_by_role("button", name="Send example").click()
    expect(page.locator("#done")).to_contain_text("example")
    mine = receiver.wait_for(lambda got: [r for r in got if r.path == "/mine"])
    first = [r for r in mine if r.path == "/mine"][0]
    payload = Webhook(secret).verify(first.body, first.headers)
    assert payload == EXAMPLE
    assert first.headers["x-team"] == "billing"
    _reload_until(page, "#attempts tbody tr", 1)
    # The attempt shows the headers it sent, the endpoint's own among them.
    page.locator("#attempts [data-request] summary").first.click()
    sent = page.locator("#attempts [data-request] dl.headers").first
    expect(sent.locator("div", has_text="X-Team")).to_contain_text("billing")
    expect(sent.locator("div", has_text="webhook-id")).to_contain_text(first.headers["webhook-id"])
    page.locator("#attempts [data-response-headers] summary").first.click()
    expect(page.locator("#attempts [data-response-headers] dl.headers").first).to_be_visible()

    page.get_by_role("button", name="Rotate secret").click()
    expect(page.locator("#done")).to_contain_text("rotated")
    rotated = page.locator("#signing-secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret

    # Resend from the message's page: the second delivery is signed with the new secret.
    page.locator("#attempts tbody tr a").first.click()
    page.get_by_role("button", name="Resend").click()
    expect(page.locator("#done")).to_contain_text("being sent again")
    got = receiver.wait_for(lambda rs: len([r for r in rs if r.path == "/mine"]) >= 2)
    second = [r for r in got if r.path == "/mine"][1]
    assert Webhook(rotated).verify(second.body, second.headers) == payload
    assert second.headers["webhook-id"] == first.headers["webhook-id"]


def _reload_until(page: Page, selector: str, count: int, timeout: float = 15) -> None:
    """Reload until the attempt the worker is recording shows (pages do not poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator(selector).count() >= count:
            return
        time.sleep(0.1)
        page.reload()
    raise AssertionError(f"{selector}: fewer than {count} after {timeout} s")


def test_read_only_hides_every_change_and_refuses_a_crafted_post(
    page: Page, hookline: HooklineProcess, apps: dict[str, str], page_problems: PageProblems
) -> None:
    open_portal(page, hookline, apps["shop"], readOnly=True)
    expect(page.get_by_role("link", name="Add endpoint")).to_have_count(0)
    page.goto(f"{hookline.url}/portal/endpoints/{apps['hostile_ep']}")
    for name in ("Disable", "Rotate secret", "Send example", "Edit"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    # Reading the secret is not a change: a read-only token with all capabilities may.
    expect(page.get_by_role("link", name="Reveal secret")).to_have_count(1)
    token = csrf_token(page)
    for path in (
        f"/portal/endpoints/{apps['hostile_ep']}/disable",
        f"/portal/endpoints/{apps['hostile_ep']}/rotate-secret",
        f"/portal/messages/{apps['hostile_msg']}/endpoints/{apps['hostile_ep']}/resend",
        "/portal/endpoints",
    ):
        r = page.request.post(
            f"{hookline.url}{path}",
            form={"csrf_token": token, "url": "https://example.com/x"},
            headers={"Origin": hookline.url},
            max_redirects=0,
        )
        assert r.status == 403, (path, r.status)
        assert "does not allow" in r.text()
    page_problems.allow("status of 403")
    page.goto(f"{hookline.url}/portal/endpoints/new")
    expect(page.locator("main")).to_contain_text("does not allow")
    with api(hookline.url, TOKEN) as client:
        ep = client.get(f"/api/v1/app/{apps['shop']}/endpoint/{apps['hostile_ep']}").json()
        assert ep["disabled"] is False


def test_without_view_endpoint_secret_the_secret_never_shows(
    page: Page, hookline: HooklineProcess, apps: dict[str, str]
) -> None:
    open_portal(page, hookline, apps["shop"], capabilities=["ViewBase", "CreateAttempts"])
    page.goto(f"{hookline.url}/portal/endpoints/{apps['hostile_ep']}?reveal=secret")
    expect(page.get_by_role("heading", name="Signing secret")).to_have_count(0)
    assert "whsec_" not in page.content()
    # CreateAttempts: examples may be sent; without ManageEndpoint nothing may be changed.
    expect(page.get_by_role("button", name="Send example")).to_have_count(1)
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)
    token = csrf_token(page)
    r = page.request.post(
        f"{hookline.url}/portal/endpoints/{apps['hostile_ep']}/rotate-secret",
        form={"csrf_token": token},
        headers={"Origin": hookline.url},
        max_redirects=0,
    )
    assert r.status == 403


def test_another_applications_ids_answer_404_and_show_nothing(
    page: Page, hookline: HooklineProcess, apps: dict[str, str], page_problems: PageProblems
) -> None:
    page_problems.allow(NOT_FOUND)
    open_portal(page, hookline, apps["shop"])
    for path in (
        f"/portal/endpoints/{apps['other_ep']}",
        f"/portal/endpoints/{apps['other_ep']}/edit",
        f"/portal/messages/{apps['other_msg']}",
        f"/portal/endpoints/{apps['other_ep']}?reveal=secret",
    ):
        response = page.goto(f"{hookline.url}{path}")
        assert response is not None and response.status == 404, path
        content = page.content()
        assert "other-secret-place" not in content and "of Other Co" not in content
        assert "whsec_" not in content
    token = csrf_token(page)
    for path in (
        f"/portal/endpoints/{apps['other_ep']}/disable",
        f"/portal/messages/{apps['other_msg']}/endpoints/{apps['other_ep']}/resend",
        f"/portal/messages/{apps['hostile_msg']}/endpoints/{apps['other_ep']}/resend",
    ):
        r = page.request.post(
            f"{hookline.url}{path}",
            form={"csrf_token": token},
            headers={"Origin": hookline.url},
            max_redirects=0,
        )
        assert r.status == 404, path
    with api(hookline.url, TOKEN) as client:
        ep = client.get(f"/api/v1/app/{apps['other']}/endpoint/{apps['other_ep']}").json()
        assert ep["disabled"] is False


def test_operator_routes_refuse_the_portal_session(
    page: Page, hookline: HooklineProcess, apps: dict[str, str]
) -> None:
    open_portal(page, hookline, apps["shop"])
    for path in ("/ui", "/ui/apps", f"/ui/apps/{apps['other']}"):
        page.goto(f"{hookline.url}{path}")
        page.wait_for_url(f"{hookline.url}/ui/sign-in**")
        expect(page.locator("main")).not_to_contain_text("Other Co")
    # Nor does the cookie open the REST API (it takes bearer tokens only).
    r = page.request.get(f"{hookline.url}/api/v1/app")
    assert r.status == 401


def test_the_session_ends_with_its_application_token(
    page: Page, hookline: HooklineProcess, apps: dict[str, str]
) -> None:
    open_portal(page, hookline, apps["shop"])
    with api(hookline.url, TOKEN) as client:
        assert (
            client.post(f"/api/v1/auth/app/{apps['shop']}/expire-all", json={}).status_code == 204
        )
    page.goto(f"{hookline.url}/portal/messages")
    page.wait_for_url(f"{hookline.url}/portal/open**")
    # Signing out ends a session at once as well.
    open_portal(page, hookline, apps["shop"])
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{hookline.url}/portal/open?signed_out=1")
    page.goto(f"{hookline.url}/portal/endpoints")
    page.wait_for_url(f"{hookline.url}/portal/open**")


def test_hostile_content_is_shown_escaped(
    page: Page, hookline: HooklineProcess, apps: dict[str, str]
) -> None:
    open_portal(page, hookline, apps["shop"])
    expect(page.locator("main")).to_contain_text(HOSTILE)
    page.goto(f"{hookline.url}/portal/messages/{apps['hostile_msg']}")
    expect(page.locator("pre code").first).to_contain_text("<script>alert(1)</script>")
    page.goto(f"{hookline.url}/portal/event-types")
    expect(page.locator("main")).to_contain_text(HOSTILE)
    assert page.locator("main img").count() == 0
    assert page.locator(f'a[href^="{HOSTILE_LINK}"]').count() == 0
    # The page fixture fails the test on any dialog or console error.


@pytest.mark.parametrize("theme", THEMES, indirect=True)
def test_every_portal_view_is_accessible(
    page: Page, hookline: HooklineProcess, apps: dict[str, str]
) -> None:
    page.goto(f"{hookline.url}/portal/open")
    assert_accessible(page)
    open_portal(page, hookline, apps["shop"])
    for path in (
        "/portal/endpoints",
        "/portal/endpoints/new",
        f"/portal/endpoints/{apps['hostile_ep']}?reveal=secret",
        f"/portal/endpoints/{apps['hostile_ep']}/edit",
        "/portal/messages",
        f"/portal/messages/{apps['hostile_msg']}",
        "/portal/event-types",
    ):
        page.goto(f"{hookline.url}{path}")
        assert_accessible(page)


FOCUSED_TEXT = (
    "() => (document.activeElement.innerText || document.activeElement.value || '').trim()"
)


def test_keyboard_only_flow(
    page: Page, hookline: HooklineProcess, apps: dict[str, str], receiver: Receiver
) -> None:
    open_portal(page, hookline, apps["shop"])

    def tab_to(name: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED_TEXT)
            if focused == name:
                return
        raise AssertionError(f"Tab never reached {name!r}")

    assert page.evaluate("() => document.activeElement.className") != "skip-link"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    tab_to("Add endpoint")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{hookline.url}/portal/endpoints/new")
    page.keyboard.press("Tab")  # skip link
    while page.evaluate("() => document.activeElement.id") != "url":
        page.keyboard.press("Tab")
    page.keyboard.type(f"{receiver.url}/keyboard")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#done")).to_contain_text("added")
    tab_to("Send example")
    page.keyboard.press("Enter")
    expect(page.locator("#done")).to_contain_text("example")
    receiver.wait_for(lambda rs: [r for r in rs if r.path == "/keyboard"])
