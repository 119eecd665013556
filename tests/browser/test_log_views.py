"""Messages search, failed deliveries with bulk recover, the event type catalog, in Chromium.
The server here retries nothing, so a failed attempt is a failed delivery at once; each view
is checked by axe in light and dark, with hostile texts everywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from accessibility import assert_accessible
from browser_harness import api
from conftest import THEMES
from db_access import run_sql
from flows import HOSTILE, HOSTILE_LINK, HOSTILE_TEXT, no_script_links, tab_to, text_is, wait_until
from playwright.sync_api import Page, expect
from receiver import Receiver
from server_process import TOKEN, HooklineCluster, HooklineProcess


@pytest.fixture(scope="module")
def hookline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HooklineProcess]:
    cluster = HooklineCluster(Path(tmp_path_factory.mktemp("hookline")) / "data")
    proc = cluster.start({"HOOKLINE_RETRY_SCHEDULE": ""})
    yield proc
    cluster.stop()


@pytest.fixture(scope="module")
def logs(hookline: HooklineProcess) -> Iterator[dict[str, str]]:
    """Two applications; one endpoint whose receiver answers 500 (with a hostile body) until
    told otherwise; messages with eventIds and channels; a catalog with an archived type."""
    receiver = Receiver().start()
    failing = {"on": True}
    receiver.respond_with(
        lambda _n, _r: (
            (500, HOSTILE_TEXT.encode(), {}, 0.0) if failing["on"] else (204, b"", {}, 0.0)
        )
    )
    with api(hookline.url, TOKEN) as client:
        shop = client.post("/api/v1/app", json={"name": "Acme Shop", "uid": "shop"}).json()["id"]
        other = client.post("/api/v1/app", json={"name": f"Evil {HOSTILE}", "uid": "evil"}).json()
        ep = client.post(f"/api/v1/app/{shop}/endpoint", json={"url": f"{receiver.url}/a"}).json()
        client.post(f"/api/v1/app/{other['id']}/endpoint", json={"url": f"{receiver.url}/b"})
        ids = {}
        for i, (event, channel) in enumerate(
            (("order.paid", "eu"), ("order.paid", "us"), ("order.shipped", "eu"))
        ):
            ids[f"m{i}"] = client.post(
                f"/api/v1/app/{shop}/msg",
                json={
                    "eventType": event,
                    "eventId": f"evt-{i}",
                    "channels": [channel],
                    "payload": {"i": i, "html": HOSTILE, "link": HOSTILE_LINK},
                },
            ).json()["id"]
        client.post(
            f"/api/v1/app/{other['id']}/msg", json={"eventType": "x.y", "payload": {"h": HOSTILE}}
        )
        receiver.wait_for(lambda got: len(got) == 4)
        for event, archived in (("order.paid", False), ("legacy.thing", True)):
            client.post(
                "/api/v1/event-type",
                json={
                    "name": event,
                    "description": f"About {HOSTILE}",
                    "schemas": {"1": {"type": "object", "examples": [{"html": HOSTILE}]}},
                    "archived": archived,
                },
            ).raise_for_status()

        def all_failed() -> bool:
            got = client.get(f"/api/v1/app/{shop}/msg/{ids['m2']}/endpoint").json()["data"]
            return bool(got) and got[0]["status"] == 2

        wait_until(all_failed, "the deliveries to fail")
        time.sleep(0.3)  # the other application's last record
    failing["on"] = False
    yield {"shop": shop, "other": other["id"], "endpoint": ep["id"], **ids}
    receiver.stop()


def test_search_messages(signed_in: Page, hookline: HooklineProcess, logs: dict[str, str]) -> None:
    signed_in.goto(f"{hookline.url}/ui/messages")
    expect(signed_in.get_by_text("Choose an application")).to_be_visible()
    signed_in.get_by_label("Application").fill("shop")
    signed_in.get_by_role("button", name="Search").click()
    expect(signed_in.locator("[data-message]")).to_have_count(3)
    # Filters: event type, channel, status, time window.
    signed_in.get_by_label("Event type").fill("order.paid")
    signed_in.get_by_role("button", name="Search").click()
    expect(signed_in.locator("[data-message]")).to_have_count(2)
    signed_in.get_by_label("Channel").fill("eu")
    signed_in.get_by_role("button", name="Search").click()
    expect(signed_in.locator("[data-message]")).to_have_count(1)
    expect(signed_in.locator("[data-message]")).to_contain_text("evt-0")
    signed_in.get_by_label("Delivery status").select_option("success")
    signed_in.get_by_role("button", name="Search").click()
    expect(signed_in.get_by_text("No message matches")).to_be_visible()
    signed_in.get_by_label("Delivery status").select_option("fail")
    signed_in.get_by_label("Published from (UTC)").fill("2000-01-01T00:00")
    signed_in.get_by_role("button", name="Search").click()
    expect(signed_in.locator("[data-message]")).to_have_count(1)
    assert_accessible(signed_in)
    # By eventId within the application, by message id anywhere.
    signed_in.goto(f"{hookline.url}/ui/messages?app=shop&q=evt-1")
    expect(signed_in).to_have_url(f"{hookline.url}/ui/apps/{logs['shop']}/messages/{logs['m1']}")
    signed_in.goto(f"{hookline.url}/ui/messages?q={logs['m2']}")
    expect(signed_in).to_have_url(f"{hookline.url}/ui/apps/{logs['shop']}/messages/{logs['m2']}")
    expect(signed_in.locator("#message")).to_contain_text("<script>alert(1)</script>")
    signed_in.goto(f"{hookline.url}/ui/messages?app=shop&q=no-such-event")
    expect(signed_in.get_by_text("No message “no-such-event”")).to_be_visible()
    no_script_links(signed_in)


def test_bad_search_input_is_a_clear_400(
    signed_in: Page, hookline: HooklineProcess, page_problems
) -> None:  # type: ignore[no-untyped-def]
    page_problems.allow("status of 400")
    response = signed_in.goto(f"{hookline.url}/ui/messages?app=shop&since=yesterday")
    assert response is not None and response.status == 400
    expect(signed_in.locator("main")).to_contain_text("is not a date and time")
    response = signed_in.goto(f"{hookline.url}/ui/failed?since=2026-13-01")
    assert response is not None and response.status == 400


def test_recover_failed_deliveries_with_a_confirmation_keyboard_only(
    signed_in: Page, hookline: HooklineProcess, logs: dict[str, str]
) -> None:
    signed_in.goto(f"{hookline.url}/ui/failed")
    expect(signed_in.locator("[data-dead-letter]")).to_have_count(4)
    expect(signed_in.locator("#failed")).to_contain_text(f"Evil {HOSTILE}")
    assert_accessible(signed_in)
    # Filtered to one application.
    signed_in.get_by_label("Application").fill("shop")
    signed_in.get_by_role("button", name="Filter").click()
    expect(signed_in.locator("[data-dead-letter]")).to_have_count(3)
    tab_to(signed_in, text_is("Recover all of these…"))
    signed_in.keyboard.press("Enter")
    expect(signed_in.get_by_role("heading", name="Recover failed deliveries?")).to_be_visible()
    expect(signed_in.locator("tbody tr")).to_have_count(1)  # one endpoint, 3 deliveries
    assert_accessible(signed_in)
    expect(signed_in.get_by_role("button", name="Recover 3 deliveries")).to_be_focused()
    signed_in.keyboard.press("Enter")
    expect(signed_in.locator("[data-flash]")).to_contain_text("3 failed deliveries queued")

    def recovered() -> bool:
        signed_in.goto(f"{hookline.url}/ui/failed")
        return signed_in.locator("[data-dead-letter]").count() == 1

    wait_until(recovered, "the recovered deliveries to succeed")
    signed_in.goto(f"{hookline.url}/ui/apps/{logs['shop']}/messages/{logs['m0']}")
    expect(signed_in.locator(f'[data-destination="{logs["endpoint"]}"]')).to_contain_text(
        "Delivered"
    )


def test_the_event_type_catalog(
    signed_in: Page, hookline: HooklineProcess, logs: dict[str, str]
) -> None:
    signed_in.goto(f"{hookline.url}/ui/event-types")
    paid = signed_in.locator("#event-type-order\\.paid")
    expect(paid).to_contain_text(f"About {HOSTILE}")
    expect(paid.locator("details").last).to_contain_text('"html"')  # the example, open
    legacy = signed_in.locator("#event-type-legacy\\.thing")
    expect(legacy).to_contain_text("Archived")
    no_script_links(signed_in)


def test_an_attempt_recorded_without_headers_says_so(
    signed_in: Page, hookline: HooklineProcess, logs: dict[str, str]
) -> None:
    """Attempts made before headers were kept (NULL columns) say "not recorded"."""
    run_sql(
        hookline,
        "UPDATE attempts SET request_headers = NULL, response_headers = NULL"
        f" WHERE msg_id = '{logs['m2']}'",
    )
    signed_in.goto(f"{hookline.url}/ui/apps/{logs['shop']}/messages/{logs['m2']}")
    attempt = signed_in.locator("[data-attempt]").first
    attempt.get_by_text("Request", exact=True).click()
    expect(attempt.locator("[data-request] [data-not-recorded]")).to_contain_text("Not recorded")
    expect(attempt.locator("[data-request] dl.headers")).to_have_count(0)
    attempt.get_by_text("Response headers").click()
    expect(attempt.locator("[data-response-headers]")).to_contain_text("Not recorded")


@pytest.mark.parametrize("theme", THEMES, indirect=True)
@pytest.mark.parametrize(
    "view",
    ["messages", "message", "failed", "event-types", "application", "overview"],
)
def test_every_view_is_accessible_and_inert(
    signed_in: Page, hookline: HooklineProcess, logs: dict[str, str], view: str
) -> None:
    path = {
        "messages": "/ui/messages?app=shop",
        "message": f"/ui/apps/{logs['shop']}/messages/{logs['m1']}",
        "failed": "/ui/failed",
        "event-types": "/ui/event-types",
        "application": f"/ui/apps/{logs['other']}",
        "overview": "/ui?span=hour",
    }[view]
    signed_in.goto(hookline.url + path)
    for details in signed_in.locator("details").all():  # open every body, hostile ones too
        details.evaluate("el => el.open = true")
    no_script_links(signed_in)
    assert_accessible(signed_in)
