"""`make screenshots`: start Hookline with demo data and write a PNG of every main view, in
light and dark, into the directory given (docs/images/).

A new view is one line in VIEWS: (file name, path; `{name}` is replaced by the demo ids).
"""

from __future__ import annotations

import base64
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from browser_harness import CHROMIUM, CHROMIUM_ARGS, api, sign_in  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from receiver import Receiver  # noqa: E402
from server_process import TOKEN, HooklineCluster  # noqa: E402

VIEWS = [
    ("overview", "/ui?span=hour"),
    ("applications", "/ui/apps"),
    ("application", "/ui/apps/{shop}"),
    ("endpoint", "/ui/apps/{shop}/endpoints/{legacy}"),
    ("endpoint-form", "/ui/apps/{shop}/endpoints/{orders}/edit"),
    ("messages", "/ui/messages?app=acme-shop"),
    ("message", "/ui/apps/{shop}/messages/{message}"),
    ("failed", "/ui/failed"),
    ("event-types", "/ui/event-types"),
]
# The portal, opened with a portal link of the demo shop (`{name}` as above).
PORTAL_VIEWS = [
    ("endpoints", "/portal/endpoints"),
    ("endpoint", "/portal/endpoints/{shop_endpoint}?reveal=secret"),
    ("messages", "/portal/messages"),
    ("message", "/portal/messages/{shop_message}"),
    ("event-types", "/portal/event-types"),
]
THEMES = ("light", "dark")
# Views whose first attempt is shown unfolded (its request, response headers and body).
UNFOLDED = {"message"}
# A branded portal (its own process on the same data): name, logo, accent colour.
LOGO = (
    "data:image/svg+xml;base64,"
    + base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">'
        b'<rect width="24" height="24" rx="6" fill="#0b6e4f"/>'
        b'<path d="M6 12l4 4 8-8" stroke="#fff" stroke-width="2.5" fill="none"/></svg>'
    ).decode()
)
BRANDING = {
    "HOOKLINE_PORTAL_NAME": "Acme Shop webhooks",
    "HOOKLINE_PORTAL_LOGO_URL": LOGO,
    "HOOKLINE_PORTAL_ACCENT_COLOR": "#0b6e4f",
    "HOOKLINE_PORTAL_THEME": "light",
}


def demo_data(base_url: str, good: Receiver, bad: Receiver) -> dict[str, str]:
    """A few applications, healthy and failing endpoints, and deliveries to them."""
    ids: dict[str, str] = {}
    with api(base_url, TOKEN) as client:
        for uid, name in (
            ("acme-shop", "Acme Shop"),
            ("globex", "Globex Billing"),
            ("initech", "Initech CRM"),
            ("umbrella", "Umbrella Logistics"),
        ):
            app = client.post("/api/v1/app", json={"name": name, "uid": uid}).json()
            ids[uid] = app["id"]
        shop = ids["acme-shop"]
        ids["shop"] = shop
        ids["orders"] = client.post(
            f"/api/v1/app/{shop}/endpoint",
            json={
                "url": f"{good.url}/webhooks/orders",
                "description": "Order service",
                "filterTypes": ["order.paid", "order.shipped"],
                "headers": {"X-Team": "fulfilment", "Authorization": "Bearer demo-credential"},
            },
        ).json()["id"]
        ids["shop_endpoint"] = ids["orders"]
        ids["legacy"] = client.post(
            f"/api/v1/app/{shop}/endpoint",
            json={"url": f"{bad.url}/hooks/legacy", "description": "Legacy ERP bridge"},
        ).json()["id"]
        for name, description, example in (
            ("order.paid", "An order was paid", {"order": "ord_1001", "amount": 1200}),
            ("order.shipped", "An order left the warehouse", {"order": "ord_1001"}),
            ("invoice.created", "An invoice was issued", {"invoice": "inv_77", "total": 99}),
            ("cart.abandoned", "Replaced by checkout.expired", {"cart": "c_1"}),
        ):
            schema = {
                "type": "object",
                "properties": {key: {"type": "string"} for key in example},
                "examples": [example],
            }
            client.post(
                "/api/v1/event-type",
                json={
                    "name": name,
                    "description": description,
                    "schemas": {"1": schema},
                    "archived": name == "cart.abandoned",
                },
            )
        client.post(f"/api/v1/app/{ids['globex']}/endpoint", json={"url": f"{good.url}/globex"})
        for i in range(40):
            event = ("order.paid", "order.shipped", "invoice.created")[i % 3]
            sent = client.post(
                f"/api/v1/app/{shop}/msg",
                json={
                    "eventType": event,
                    "eventId": f"evt_{5000 + i}",
                    "channels": ["eu" if i % 2 else "us"],
                    "payload": {"order": f"ord_{1000 + i}", "amount": 1200 + i},
                },
            ).json()
            if i == 3:
                ids["message"] = sent["id"]
            ids["shop_message"] = sent["id"]
            client.post(
                f"/api/v1/app/{ids['globex']}/msg",
                json={"eventType": "invoice.created", "payload": {"invoice": i}},
            )
    good.wait_for(lambda got: len(got) >= 67, timeout=60)  # 27 orders, 40 invoices
    bad.wait_for(lambda got: len(got) >= 10, timeout=60)  # then its circuit opens
    time.sleep(1.0)  # the last attempts' records
    return ids


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    good = Receiver().start()
    bad = Receiver().start()
    answer = {"Retry-After": "120", "Set-Cookie": "lb=eu-2; HttpOnly", "X-Request-Id": "r-4711"}
    bad.respond_with(lambda _n, _r: (503, b'{"error": "upstream unavailable"}', answer, 0.0))
    with tempfile.TemporaryDirectory() as tmp:
        cluster = HooklineCluster(Path(tmp) / "data")
        # No retries: the failing endpoint's deliveries fail for good, for the Failed view.
        server = cluster.start({"HOOKLINE_RETRY_SCHEDULE": ""})
        try:
            ids = demo_data(server.url, good, bad)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                for theme in THEMES:
                    context = browser.new_context(
                        color_scheme=theme, viewport={"width": 1280, "height": 860}
                    )
                    page = context.new_page()
                    sign_in(page, server.url, TOKEN)
                    for name, path in VIEWS:
                        page.goto(server.url + path.format(**ids))
                        page.wait_for_load_state("networkidle")
                        if name in UNFOLDED:
                            unfold_first_attempt(page)
                        target = out / f"dashboard-{name}-{theme}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target)
                    context.close()
                    shoot_portal(browser, server.url, ids, theme, f"portal-{{}}-{theme}.png", out)
                branded = cluster.start(BRANDING)
                shoot_portal(browser, branded.url, ids, "light", "portal-{}-branded.png", out)
                browser.close()
        finally:
            cluster.stop()
            good.stop()
            bad.stop()


def unfold_first_attempt(page) -> None:  # type: ignore[no-untyped-def]
    attempt = page.locator("[data-attempt]").first
    attempt.locator("details").evaluate_all("els => els.forEach(el => { el.open = true; })")


def shoot_portal(  # type: ignore[no-untyped-def]
    browser, base_url: str, ids: dict[str, str], theme: str, name: str, out: Path
) -> None:
    context = browser.new_context(color_scheme=theme, viewport={"width": 1100, "height": 760})
    page = context.new_page()
    with api(base_url, TOKEN) as client:
        link = client.post(f"/api/v1/auth/app-portal-access/{ids['shop']}", json={}).json()["url"]
    page.goto(link)
    page.wait_for_url(f"{base_url}/portal/endpoints")
    views = PORTAL_VIEWS if "branded" not in name else PORTAL_VIEWS[:2]
    for view, path in views:
        page.goto(base_url + path.format(**ids))
        page.wait_for_load_state("networkidle")
        if view in UNFOLDED:
            unfold_first_attempt(page)
        target = out / name.format(view)
        page.screenshot(path=str(target), full_page=True)
        print(target)
    context.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
