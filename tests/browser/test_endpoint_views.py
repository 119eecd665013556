"""The endpoint and message views in Chromium, against real receivers: create an endpoint and
send it an example (keyboard only), see the attempt and the receiver's answer, a failing
endpoint's error and retry, resend, rotate the secret (the receiver verifies with the new one),
disable and enable, edit with field errors; hostile payloads and answers run nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from accessibility import assert_accessible
from browser_harness import api
from conftest import THEMES
from flows import HOSTILE, HOSTILE_TEXT, attempts_of, no_script_links, tab_to, text_is, wait_until
from playwright.sync_api import Page, expect
from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook


@pytest.fixture(scope="module")
def setup(hookline: HooklineProcess) -> Iterator[dict[str, object]]:
    """An application, an event type whose example is hostile, a receiver answering 200 with
    a hostile body and one answering 500 with it (and a hostile header and a cookie)."""
    good = Receiver().start()
    good.respond_with(lambda _n, _r: (200, HOSTILE_TEXT.encode(), {}, 0.0))
    bad = Receiver().start()
    answer = {"X-Hostile": HOSTILE, "Set-Cookie": "sid=receiver-session-1"}
    bad.respond_with(lambda _n, _r: (500, HOSTILE_TEXT.encode(), answer, 0.0))
    with api(hookline.url, TOKEN) as client:
        app = client.post("/api/v1/app", json={"name": "Acme Shop", "uid": "acme"}).json()
        client.post(
            "/api/v1/event-type",
            json={
                "name": "order.paid",
                "description": "An order was paid",
                "schemas": {"1": {"type": "object", "examples": [{"note": HOSTILE_TEXT}]}},
            },
        ).raise_for_status()
    yield {"app": app["id"], "good": good, "bad": bad}
    good.stop()
    bad.stop()


def _create_endpoint(client, app: str, url: str, **extra: object) -> str:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/v1/app/{app}/endpoint", json={"url": url, **extra})
    response.raise_for_status()
    return str(response.json()["id"])


def test_create_an_endpoint_and_send_an_example_with_the_keyboard_only(
    page: Page, hookline: HooklineProcess, setup: dict[str, object]
) -> None:
    good: Receiver = setup["good"]  # type: ignore[assignment]
    before = len(good.requests)
    page.goto(f"{hookline.url}/ui/sign-in")
    page.keyboard.type(TOKEN)  # the token field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(f"{hookline.url}/ui")
    page.goto(f"{hookline.url}/ui/apps/{setup['app']}")
    tab_to(page, text_is("New endpoint"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/endpoints/new")
    expect(page.get_by_label("URL")).to_be_focused()
    page.keyboard.type(f"{good.url}/keyboard")
    tab_to(page, lambda f: f["id"] == "description")
    page.keyboard.type("Typed with the keyboard")
    tab_to(page, text_is("Create endpoint"))
    page.keyboard.press("Enter")
    expect(page.locator(".field-error")).to_have_count(0)
    page.wait_for_url("**/endpoints/ep_*")
    expect(page.locator("[data-flash]")).to_have_text("Endpoint created.")
    expect(page.locator("#settings")).to_contain_text("Typed with the keyboard")
    tab_to(page, text_is("Send example"))
    page.keyboard.press("Space")
    page.wait_for_url("**/messages/msg_*")
    good.wait_for(lambda got: len(got) > before)
    # The attempt and the receiver's answer, escaped.
    for _ in range(50):
        if page.locator("[data-attempt]").count():
            break
        page.reload()
    attempt = page.locator("[data-attempt]").first
    expect(attempt).to_contain_text("Succeeded")
    expect(attempt).to_contain_text("HTTP 200")
    tab_to(page, text_is("Response body"))
    page.keyboard.press("Enter")
    expect(attempt.locator("[data-response] code")).to_contain_text(HOSTILE)
    expect(page.locator("#message code").first).to_contain_text("javascript:alert(1)")
    no_script_links(page)
    assert_accessible(page)


def test_a_failing_endpoint_shows_its_error_retries_and_is_resent(
    signed_in: Page, hookline: HooklineProcess, setup: dict[str, object]
) -> None:
    bad: Receiver = setup["bad"]  # type: ignore[assignment]
    app = str(setup["app"])
    with api(hookline.url, TOKEN) as client:
        ep = _create_endpoint(
            client,
            app,
            f"{bad.url}/failing",
            filterTypes=["invoice.due"],
            headers={"Authorization": "Bearer endpoint-credential-1", "X-Team": "billing"},
        )
        msg = client.post(
            f"/api/v1/app/{app}/msg",
            json={"eventType": "invoice.due", "payload": {"html": HOSTILE_TEXT}},
        ).json()["id"]
        wait_until(lambda: len(attempts_of(client, app, msg)) >= 2, "the first attempts")
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/messages/{msg}")
    row = signed_in.locator(f'[data-destination="{ep}"]')
    expect(row).to_contain_text("Pending")  # the retry is scheduled
    expect(row).to_contain_text("in ")  # "in 59 seconds"
    expect(row.locator("td.num")).to_have_text("1")
    attempt = signed_in.locator("[data-attempt]", has_text="/failing")
    expect(attempt).to_have_count(1)
    expect(attempt).to_contain_text("Failed")
    expect(attempt).to_contain_text("HTTP 500")
    attempt.get_by_text("Response body").click()
    expect(attempt.locator("[data-response] code")).to_contain_text(HOSTILE)
    # The headers sent and received, as text, credentials redacted.
    attempt.get_by_text("Request", exact=True).click()
    sent = attempt.locator("[data-request] dl.headers")
    expect(sent.locator("div", has_text="webhook-id")).to_contain_text(msg)
    expect(sent.locator("div", has_text="webhook-signature")).to_contain_text("v1,")
    expect(sent.locator("div", has_text="X-Team")).to_contain_text("billing")
    expect(sent.locator("div", has_text="Authorization")).to_contain_text("[redacted]")
    attempt.get_by_text("Response headers").click()
    received = attempt.locator("[data-response-headers] dl.headers")
    expect(received.locator("div", has_text="X-Hostile")).to_contain_text(HOSTILE)
    expect(received.locator("div", has_text="Set-Cookie")).to_contain_text("[redacted]")
    expect(signed_in.locator("main")).not_to_contain_text("endpoint-credential-1")
    expect(signed_in.locator("main")).not_to_contain_text("receiver-session-1")
    # The endpoint's page shows the error too.
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/{ep}")
    expect(signed_in.locator("#attempts [data-attempt]").first).to_contain_text("HTTP 500")
    assert_accessible(signed_in)
    # Resend to this endpoint: a second (manual) attempt.
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/messages/{msg}")
    signed_in.get_by_role("button", name=f"Resend to {bad.url}/failing").click()
    expect(signed_in.locator("[data-flash]")).to_contain_text("Resent to 1 endpoint")
    with api(hookline.url, TOKEN) as client:
        wait_until(lambda: len(attempts_of(client, app, msg)) >= 3, "the second attempt")
    signed_in.reload()
    failing = signed_in.locator("[data-attempt]", has_text="/failing")
    expect(failing).to_have_count(2)
    expect(failing.first).to_contain_text("manual")
    no_script_links(signed_in)
    assert_accessible(signed_in)


def test_rotate_the_secret_and_the_receiver_verifies_with_the_new_one(
    signed_in: Page, hookline: HooklineProcess, setup: dict[str, object]
) -> None:
    good: Receiver = setup["good"]  # type: ignore[assignment]
    app = str(setup["app"])
    with api(hookline.url, TOKEN) as client:
        ep = _create_endpoint(client, app, f"{good.url}/rotated")
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/{ep}")
    assert "whsec_" not in signed_in.content()  # not in the page until asked for
    with signed_in.expect_response("**/secret") as revealed:
        signed_in.get_by_role("button", name="Reveal secret").click()
    assert revealed.value.headers["cache-control"] == "no-store"
    old = signed_in.locator("[data-secret]").inner_text()
    assert old.startswith("whsec_")
    with signed_in.expect_response("**/rotate-secret") as rotated:
        signed_in.get_by_role("button", name="Rotate secret").click()
    assert rotated.value.headers["cache-control"] == "no-store"
    expect(signed_in.locator("#secret-box")).to_contain_text("New secret")
    new = signed_in.locator("[data-secret]").inner_text()
    assert new.startswith("whsec_") and new != old
    before = len(good.requests)
    signed_in.get_by_role("button", name="Send example").click()
    signed_in.wait_for_url("**/messages/msg_*")
    got = good.wait_for(lambda got: len(got) > before)[-1]
    # Verifies with the new secret alone (the old one signs beside it during the grace time).
    verified = Webhook(new).verify(got.body, got.headers)
    assert verified == {"note": HOSTILE_TEXT}


def test_disable_and_enable(
    signed_in: Page, hookline: HooklineProcess, setup: dict[str, object]
) -> None:
    app = str(setup["app"])
    with api(hookline.url, TOKEN) as client:
        ep = _create_endpoint(client, app, f"{setup['good'].url}/switch")  # type: ignore[attr-defined]
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/{ep}")
    signed_in.get_by_role("button", name="Disable").click()
    expect(signed_in.locator("#disabled-notice")).to_contain_text("Disabled")
    expect(signed_in.get_by_role("button", name="Send example")).to_be_disabled()
    signed_in.get_by_role("button", name="Enable").click()
    expect(signed_in.locator("[data-flash]")).to_contain_text("Endpoint enabled")
    with api(hookline.url, TOKEN) as client:
        assert client.get(f"/api/v1/app/{app}/endpoint/{ep}").json()["disabled"] is False


def test_edit_settings_shows_field_errors_then_saves(
    signed_in: Page, hookline: HooklineProcess, setup: dict[str, object], page_problems
) -> None:  # type: ignore[no-untyped-def]
    page_problems.allow("status of 422")  # the form answered with its errors
    app = str(setup["app"])
    good_url = setup["good"].url  # type: ignore[attr-defined]
    with api(hookline.url, TOKEN) as client:
        ep = _create_endpoint(client, app, f"{good_url}/edit")
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/{ep}/edit")
    signed_in.get_by_label("Headers").fill("no colon here")
    signed_in.get_by_role("button", name="Save settings").click()
    expect(signed_in.locator("#headers-error")).to_contain_text("Name: value")
    expect(signed_in.get_by_label("Headers")).to_have_attribute("aria-invalid", "true")
    assert_accessible(signed_in)
    signed_in.get_by_label("Headers").fill("X-Team: billing")
    signed_in.get_by_label("URL").fill("ftp://example.com/x")
    signed_in.get_by_role("button", name="Save settings").click()
    expect(signed_in.locator("#url-error")).to_be_visible()
    expect(signed_in.get_by_label("Headers")).to_have_value("X-Team: billing")  # kept
    signed_in.get_by_label("URL").fill(f"{good_url}/edited")
    signed_in.get_by_label("Event types").fill("order.paid, invoice.due")
    signed_in.get_by_label("Rate limit").fill("5")
    signed_in.get_by_label("FIFO").check()
    signed_in.get_by_role("button", name="Save settings").click()
    expect(signed_in.locator("[data-flash]")).to_have_text("Settings saved.")
    settings = signed_in.locator("#settings")
    for text in ("/edited", "order.paid, invoice.due", "5 / s", "FIFO", "X-Team", "billing"):
        expect(settings).to_contain_text(text)


@pytest.mark.parametrize("theme", THEMES, indirect=True)
def test_endpoint_page_is_accessible_in_both_themes(
    signed_in: Page, hookline: HooklineProcess, setup: dict[str, object]
) -> None:
    app = str(setup["app"])
    with api(hookline.url, TOKEN) as client:
        ep = _create_endpoint(
            client,
            app,
            f"{setup['good'].url}/themed",
            description=HOSTILE,  # type: ignore[attr-defined]
        )
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/{ep}")
    expect(signed_in.locator("#settings")).to_contain_text(HOSTILE)
    assert_accessible(signed_in)
    signed_in.goto(f"{hookline.url}/ui/apps/{app}/endpoints/new")
    assert_accessible(signed_in)
