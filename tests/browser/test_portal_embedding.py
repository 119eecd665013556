"""The portal inside an <iframe> on a page of another origin (the example host page of
docs/examples/portal-host.html): it loads and reports its height where
HOOKLINE_PORTAL_FRAME_ANCESTORS allows the page's origin, and the browser refuses to show it
where it does not (Chromium logs the frame-ancestors violation)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browser_harness import PageProblems, api
from playwright.sync_api import ConsoleMessage, Page, expect
from portal_links import portal_link
from server_process import TOKEN, HooklineCluster, HooklineProcess, free_port

# Nothing listens there: the portal only shows the endpoint.
ENDPOINT = f"http://127.0.0.1:{free_port()}/embedded"
HOST_PAGE = Path(__file__).parents[2] / "docs" / "examples" / "portal-host.html"


class HostPages:
    """A web server of "another product" on its own port, serving the example host page with
    the portal link (`?src=`) and the portal's origin filled in."""

    def __init__(self, portal_origin: str) -> None:
        template = HOST_PAGE.read_text()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
                if not src.startswith(portal_origin + "/portal/open#code="):
                    self.send_response(204)  # the favicon, say
                    self.end_headers()
                    return
                page = template.replace("PORTAL_URL", src).replace("PORTAL_ORIGIN", portal_origin)
                body = page.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def embedding(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HooklineProcess, HostPages, HostPages]]:
    """Hookline allowing one host origin (and 'self'), a host on that origin, and a host on
    an origin it does not allow."""
    port = free_port()
    portal_origin = f"http://127.0.0.1:{port}"
    allowed = HostPages(portal_origin)
    refused = HostPages(portal_origin)
    cluster = HooklineCluster(tmp_path_factory.mktemp("hookline") / "data")
    proc = cluster.start(
        {"HOOKLINE_PORTAL_FRAME_ANCESTORS": f"'self', {allowed.origin}"}, port=port
    )
    yield proc, allowed, refused
    cluster.stop()
    allowed.stop()
    refused.stop()


@pytest.fixture(scope="module")
def app_id(embedding: tuple[HooklineProcess, HostPages, HostPages]) -> str:
    hookline = embedding[0]
    with api(hookline.url, TOKEN) as client:
        app = client.post("/api/v1/app", json={"name": "Embedded Co"}).json()
        r = client.post(f"/api/v1/app/{app['id']}/endpoint", json={"url": ENDPOINT})
        assert r.status_code == 201, r.text
    return str(app["id"])


def test_the_portal_loads_in_a_frame_on_an_allowed_origin_and_reports_its_height(
    page: Page, embedding: tuple[HooklineProcess, HostPages, HostPages], app_id: str
) -> None:
    hookline, allowed, _ = embedding
    link = portal_link(hookline.url, app_id)
    page.goto(f"{allowed.origin}/?src={quote(link, safe='')}")
    frame = page.frame_locator("#hookline-portal")
    expect(frame.get_by_role("heading", name="Endpoints")).to_be_visible()
    expect(frame.locator("main")).to_contain_text(ENDPOINT)
    iframe = page.locator("#hookline-portal")
    expect(iframe).to_have_attribute("data-portal-height", re.compile(r"^[1-9][0-9]*$"))
    height = iframe.get_attribute("data-portal-height")
    # The host page sized the frame to the portal's content.
    assert iframe.evaluate("f => f.style.height") == f"{height}px"
    # The session works inside the frame: a form post from within it is accepted.
    expect(frame.get_by_role("link", name=ENDPOINT)).to_be_visible()
    frame.get_by_role("link", name=ENDPOINT).click()
    frame.get_by_role("button", name="Disable").click()
    expect(frame.locator("#done")).to_contain_text("disabled")


def test_the_browser_refuses_the_frame_on_an_origin_not_allowed(
    page: Page,
    embedding: tuple[HooklineProcess, HostPages, HostPages],
    app_id: str,
    page_problems: PageProblems,
) -> None:
    hookline, _, refused = embedding
    page_problems.allow("frame-ancestors")
    violations: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "frame-ancestors" in message.text:
            violations.append(message.text)

    page.on("console", console)
    link = portal_link(hookline.url, app_id)
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
        page.goto(f"{refused.origin}/?src={quote(link, safe='')}")
    assert violations and all("ancestor" in v for v in violations)
    frame = page.frame_locator("#hookline-portal")
    expect(frame.locator("main")).to_have_count(0)
    assert page.locator("#hookline-portal").get_attribute("data-portal-height") is None
    # The link was never opened there: it still opens the portal once, in a window of its own.
    page.goto(link)
    page.wait_for_url(f"{hookline.url}/portal/endpoints")


def test_the_dashboard_may_never_be_framed(
    embedding: tuple[HooklineProcess, HostPages, HostPages],
) -> None:
    import httpx

    hookline = embedding[0]
    dashboard = httpx.get(f"{hookline.url}/ui/sign-in")
    assert "frame-ancestors 'none'" in dashboard.headers["content-security-policy"]
    assert dashboard.headers["x-frame-options"] == "DENY"
    portal = httpx.get(f"{hookline.url}/portal/open")
    csp = portal.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {embedding[1].origin}" in csp
    assert "x-frame-options" not in portal.headers
