"""Absolute URLs come from HOOKLINE_PUBLIC_URL, never from the request's Host header; redirects
are relative; X-Forwarded-* counts only from HOOKLINE_TRUSTED_PROXIES."""

from __future__ import annotations

import re
from typing import Any

import httpx
from server_process import TOKEN

from hookline.config import load_settings
from hookline.server import uvicorn_config

AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def portal_url(server_url: str, headers: dict[str, str]) -> str:
    r = httpx.post(
        f"{server_url}/api/v1/auth/app-portal-access/portal-user",
        json={"application": {"name": "Portal"}},
        headers={**AUTH, **headers},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    url: str = r.json()["url"]
    # The link carries a one-time code, never the token itself.
    assert "#code=" in url and r.json()["token"] not in url
    return url


def test_portal_url_is_on_the_default_public_url_whatever_the_host(shared_hookline):
    for headers in ({}, {"Host": "evil.example"}, FORGED):
        url = portal_url(shared_hookline.url, headers)
        assert re.fullmatch(rf"{shared_hookline.url}/portal/open#code=[\w-]+", url), url


def test_portal_url_is_on_the_configured_public_url(start_hookline):
    # Even from a trusted proxy, X-Forwarded-Host does not move it: one setting, one origin.
    server = start_hookline(
        env={
            "HOOKLINE_PUBLIC_URL": "https://hooks.example.com/hookline/",
            "HOOKLINE_TRUSTED_PROXIES": "127.0.0.1",
        }
    )
    for headers in ({}, FORGED):
        url = portal_url(server.url, headers)
        assert url.startswith("https://hooks.example.com/hookline/portal/open#code="), url


def test_trailing_slash_redirects_are_relative(shared_hookline):
    r = httpx.get(
        f"{shared_hookline.url}/api/v1/app/?limit=2",
        headers={**AUTH, **FORGED},
        follow_redirects=False,
    )
    assert r.status_code == 307
    assert r.headers["location"] == "/api/v1/app?limit=2"
    followed = httpx.get(
        f"{shared_hookline.url}/api/v1/app/?limit=2", headers=AUTH, follow_redirects=True
    )
    assert followed.status_code == 200, followed.text


async def seen_by_the_app(env: dict[str, str], headers: list[tuple[bytes, bytes]]) -> Any:
    """The scope the API receives from uvicorn as `hookline serve` configures it, for a request
    from 127.0.0.1 carrying `headers`."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scheme=scope["scheme"], client=scope["client"])

    config = uvicorn_config(app, load_settings(env), "127.0.0.1", 8071)
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8071),
    }

    async def nothing() -> Any:
        return {"type": "http.disconnect"}

    async def ignore(message: Any) -> None:
        return None

    await config.loaded_app(scope, nothing, ignore)
    return seen


FORWARDED = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]


async def test_forwarded_headers_count_only_from_trusted_proxies(monkeypatch):
    # uvicorn's own fallback, $FORWARDED_ALLOW_IPS, must not widen the trust either.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    not_configured = await seen_by_the_app({}, FORWARDED)
    assert not_configured == {"scheme": "http", "client": ("127.0.0.1", 50000)}
    other_proxy = await seen_by_the_app({"HOOKLINE_TRUSTED_PROXIES": "10.0.0.0/8"}, FORWARDED)
    assert other_proxy == not_configured
    trusted = await seen_by_the_app({"HOOKLINE_TRUSTED_PROXIES": "127.0.0.1"}, FORWARDED)
    assert trusted == {"scheme": "https", "client": ("203.0.113.7", 0)}
