"""The Overview and Applications views in Chromium, with real deliveries to a real receiver,
in light and dark, checked by axe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from accessibility import assert_accessible
from browser_harness import PageProblems, api
from conftest import THEMES
from playwright.sync_api import Page, expect
from receiver import Receiver
from server_process import TOKEN, HooklineProcess

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
HOSTILE_LINK = "javascript:alert(1)"


@pytest.fixture(scope="module")
def deliveries(hookline: HooklineProcess) -> Iterator[dict[str, str]]:
    """Three messages delivered to a receiver that answers 204, one to a receiver that answers
    500 with a hostile body, and an application whose name and metadata are hostile."""
    good = Receiver().start()
    bad = Receiver().start()
    bad.respond_with(lambda _n, _r: (500, f"{HOSTILE} {HOSTILE_LINK}".encode(), {}, 0.0))
    with api(hookline.url, TOKEN) as client:
        shop = client.post("/api/v1/app", json={"name": "Acme Shop", "uid": "acme-shop"}).json()
        client.post(f"/api/v1/app/{shop['id']}/endpoint", json={"url": f"{good.url}/hook"})
        hostile = client.post(
            "/api/v1/app",
            json={"name": f"Evil {HOSTILE}", "uid": "evil", "metadata": {"link": HOSTILE_LINK}},
        ).json()
        client.post(
            f"/api/v1/app/{hostile['id']}/endpoint",
            json={"url": f"{bad.url}/hook", "description": f"{HOSTILE} [x]({HOSTILE_LINK})"},
        )
        for i in range(3):
            client.post(
                f"/api/v1/app/{shop['id']}/msg",
                json={"eventType": "order.paid", "payload": {"n": i}},
            )
        client.post(
            f"/api/v1/app/{hostile['id']}/msg",
            json={"eventType": "x", "payload": {"html": HOSTILE}},
        )
        good.wait_for(lambda got: len(got) == 3)
        bad.wait_for(lambda got: len(got) == 1)
        # The attempts (and the counters, written in the same transaction) are recorded.
        for app_id, count in ((shop["id"], 3), (hostile["id"], 1)):
            _wait_attempts(client, app_id, count)
    yield {"shop": shop["id"], "hostile": hostile["id"]}
    good.stop()
    bad.stop()


def _wait_attempts(client, app_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        endpoints = client.get(f"/api/v1/app/{app_id}/endpoint").json()["data"]
        attempts = client.get(f"/api/v1/app/{app_id}/attempt/endpoint/{endpoints[0]['id']}").json()
        if len(attempts["data"]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{app_id}: fewer than {count} attempts recorded")


@pytest.mark.parametrize("theme", THEMES, indirect=True)
def test_overview_shows_the_real_numbers(
    signed_in: Page, hookline: HooklineProcess, deliveries: dict[str, str]
) -> None:
    signed_in.goto(f"{hookline.url}/ui?span=hour")
    expect(signed_in.locator('[data-stat="succeeded"]')).to_have_text("3")
    expect(signed_in.locator('[data-stat="failed"]')).to_have_text("1")
    # The failed delivery waits for its retry, a minute later.
    expect(signed_in.locator('[data-stat="pending"]')).to_have_text("1")
    expect(signed_in.locator('[data-queue="later"]')).to_have_text("1")
    assert signed_in.locator('[data-stat="p50"]').inner_text().endswith("ms")
    # Both charts are drawn by uPlot.
    expect(signed_in.locator(".chart .uplot")).to_have_count(2)
    failing = signed_in.locator("#failing tbody tr")
    expect(failing).to_have_count(1)
    expect(failing.first).to_contain_text("/hook")
    expect(failing.first).to_contain_text(f"Evil {HOSTILE}")
    assert_accessible(signed_in)
    for span in ("day", "week"):
        signed_in.get_by_role(
            "link", name={"day": "Last 24 hours", "week": "Last 7 days"}[span]
        ).click()
        expect(signed_in.locator('[data-stat="succeeded"]')).to_have_text("3")


@pytest.mark.parametrize("theme", THEMES, indirect=True)
def test_applications_search(
    signed_in: Page, hookline: HooklineProcess, deliveries: dict[str, str]
) -> None:
    signed_in.goto(f"{hookline.url}/ui/apps")
    expect(signed_in.locator("tbody tr")).to_have_count(2)
    assert_accessible(signed_in)
    search = signed_in.get_by_label("Search applications")
    # A part of the name (any case), the start of a uid, the start of an id.
    for text, found in (
        ("SHOP", "Acme Shop"),
        ("evi", "Evil"),
        (deliveries["shop"][:-3], "Acme Shop"),
    ):
        search.fill(text)
        search.press("Enter")
        expect(signed_in.locator("tbody tr")).to_have_count(1)
        expect(signed_in.locator("tbody")).to_contain_text(found)
    search.fill("no-such-thing")
    search.press("Enter")
    expect(signed_in.get_by_text("No application matches")).to_be_visible()
    assert_accessible(signed_in)


@pytest.mark.parametrize("theme", THEMES, indirect=True)
def test_an_application_lists_its_endpoints_with_their_health(
    signed_in: Page, hookline: HooklineProcess, deliveries: dict[str, str]
) -> None:
    signed_in.goto(f"{hookline.url}/ui/apps")
    signed_in.get_by_role("link", name="Acme Shop").click()
    row = signed_in.locator("#endpoints tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Healthy")
    expect(row).to_contain_text("100%")
    expect(row).to_contain_text("3 attempts")
    assert_accessible(signed_in)


def test_hostile_names_payloads_and_answers_are_shown_escaped(
    signed_in: Page,
    hookline: HooklineProcess,
    deliveries: dict[str, str],
    page_problems: PageProblems,
) -> None:
    signed_in.goto(f"{hookline.url}/ui/apps/{deliveries['hostile']}")
    expect(signed_in.get_by_role("heading", level=1)).to_have_text(f"Evil {HOSTILE}")
    row = signed_in.locator("#endpoints tbody tr")
    expect(row).to_contain_text("HTTP 500")
    expect(row).to_contain_text(HOSTILE)  # the receiver's answer, as text
    signed_in.get_by_text("Response").click()
    signed_in.get_by_text("Metadata").click()
    expect(signed_in.locator("details.json").first).to_contain_text(HOSTILE_LINK)
    # Nothing hostile became markup: no injected element, no javascript: link.
    assert signed_in.locator("img[src=x]").count() == 0
    assert signed_in.locator("a[href^='javascript:']").count() == 0
    assert (
        signed_in.evaluate("document.querySelectorAll('script:not([src]):not([type])').length") == 0
    )
    assert_accessible(signed_in)
    signed_in.goto(f"{hookline.url}/ui?span=hour")
    signed_in.goto(f"{hookline.url}/ui/apps?q=evil")
    page_problems.assert_none()  # no dialog opened, no console error (CSP included)


def test_unknown_things_get_clear_error_pages(
    signed_in: Page, hookline: HooklineProcess, page_problems: PageProblems
) -> None:
    page_problems.allow("status of 404")
    page_problems.allow("status of 400")
    answer = signed_in.goto(f"{hookline.url}/ui/apps/app_doesnotexist")
    assert answer is not None and answer.status == 404
    expect(signed_in.get_by_role("heading", level=1)).to_have_text("Not found")
    answer = signed_in.goto(f"{hookline.url}/ui?span=year")
    assert answer is not None and answer.status == 400
    expect(signed_in.get_by_text("Choose one of: hour, day, week.")).to_be_visible()
    assert_accessible(signed_in)
