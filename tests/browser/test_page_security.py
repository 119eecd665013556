"""The pages' protections seen from outside: CSRF, security headers, static files."""

from __future__ import annotations

import re

import httpx
from browser_harness import sign_in
from playwright.sync_api import Page
from server_process import TOKEN, HooklineProcess

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)


def _session_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "hookline_ui")


def test_a_state_change_without_the_csrf_token_is_refused(
    page: Page, hookline: HooklineProcess
) -> None:
    sign_in(page, hookline.url, TOKEN)
    answer = page.request.post(
        f"{hookline.url}/ui/sign-out", headers={"Origin": hookline.url}, form={"x": "1"}
    )
    assert answer.status == 403
    assert "no valid security token" in answer.text()
    # Still signed in: the refused request changed nothing.
    assert page.request.get(f"{hookline.url}/ui", max_redirects=0).status == 200


def test_a_state_change_from_another_origin_is_refused(
    page: Page, hookline: HooklineProcess
) -> None:
    sign_in(page, hookline.url, TOKEN)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    answer = page.request.post(
        f"{hookline.url}/ui/sign-out",
        headers={"Origin": "http://evil.example"},
        form={"csrf_token": token},
    )
    assert answer.status == 403
    assert "sent from another site" in answer.text()
    assert page.request.get(f"{hookline.url}/ui", max_redirects=0).status == 200
    # The right origin and token sign out.
    answer = page.request.post(
        f"{hookline.url}/ui/sign-out",
        headers={"Origin": hookline.url},
        form={"csrf_token": token},
        max_redirects=0,
    )
    assert answer.status == 303


def test_sign_in_from_another_origin_is_refused(hookline: HooklineProcess) -> None:
    answer = httpx.post(
        f"{hookline.url}/ui/sign-in",
        data={"token": TOKEN},
        headers={"Origin": "http://evil.example"},
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_the_csrf_header_is_accepted_in_place_of_the_field(
    page: Page, hookline: HooklineProcess
) -> None:
    sign_in(page, hookline.url, TOKEN)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.request.post(
        f"{hookline.url}/ui/sign-out",
        headers={"Origin": hookline.url, "X-CSRF-Token": token or ""},
        max_redirects=0,
    )
    assert answer.status == 303


def test_every_page_carries_the_security_headers(page: Page, hookline: HooklineProcess) -> None:
    for path in ("/ui/sign-in", "/ui/no-such-page"):
        answer = httpx.get(f"{hookline.url}{path}")
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    sign_in(page, hookline.url, TOKEN)
    for path in ("/ui", "/ui/apps"):
        answer = page.request.get(f"{hookline.url}{path}")
        assert answer.status == 200
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["cache-control"] == "no-store"
    # The API keeps its own headers: the pages' guard does not run for it.
    api = httpx.get(f"{hookline.url}/api/v1/health")
    assert "content-security-policy" not in api.headers


def test_static_files_have_hashed_urls_and_cache_forever(
    page: Page, hookline: HooklineProcess
) -> None:
    page.goto(f"{hookline.url}/ui/sign-in")
    sources = page.locator("script[src]").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    assert any(s.endswith("/vendor/htmx.min.js") for s in sources)
    for src in sources:
        assert re.fullmatch(r"/assets/[0-9a-f]{16}/[\w./-]+\.js", src), src
        answer = httpx.get(f"{hookline.url}{src}")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["content-type"].startswith("text/javascript")
    # Another hash is not this file.
    stale = re.sub(r"/assets/[0-9a-f]{16}/", "/assets/0000000000000000/", sources[0])
    assert httpx.get(f"{hookline.url}{stale}").status_code == 404
    # Only the files of static/ are there, whatever the path names.
    digest = sources[0].split("/")[2]
    for name in ("pyproject.toml", "..%2F..%2Fui%2Fapp.py", "%2E%2E/templates/base.html"):
        assert httpx.get(f"{hookline.url}/assets/{digest}/{name}").status_code == 404
