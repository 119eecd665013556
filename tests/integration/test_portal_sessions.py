"""Portal links and sessions over HTTP, on both stores: a code opens one session exactly
once (also when two requests race with it), the session ends with its application token
(expire-all, logout), and the exchange refuses other sites and bad bodies."""

from __future__ import annotations

import asyncio

import httpx
from server_process import TOKEN, HooklineProcess

ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def issue(server: HooklineProcess, **body: object) -> tuple[str, str]:
    r = httpx.post(
        f"{server.url}/api/v1/auth/app-portal-access/portal-customer",
        json={"application": {"name": "Portal customer"}, **body},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    url, token = r.json()["url"], r.json()["token"]
    assert url.startswith(f"{server.url}/portal/open#code=")
    return url.partition("#code=")[2], token


def exchange(server: HooklineProcess, code: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/portal/open", json={"code": code}, headers={"Origin": server.url}
    )


def test_a_code_opens_one_session_once_even_when_raced(hookline: HooklineProcess) -> None:
    code, _ = issue(hookline)

    async def race() -> list[int]:
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{hookline.url}/portal/open",
                        json={"code": code},
                        headers={"Origin": hookline.url},
                    )
                    for _ in range(5)
                )
            )
        return sorted(a.status_code for a in answers)

    assert asyncio.run(race()) == [200, 410, 410, 410, 410]
    assert exchange(hookline, code).status_code == 410
    assert "already been used" in exchange(hookline, code).json()["error"]
    # Not a code at all, a body that is not JSON, and a post from another site.
    assert exchange(hookline, "x" * 500).status_code == 400
    r = httpx.post(f"{hookline.url}/portal/open", content=b"{", headers={"Origin": hookline.url})
    assert r.status_code == 400
    code, _ = issue(hookline)
    r = httpx.post(
        f"{hookline.url}/portal/open", json={"code": code}, headers={"Origin": "http://evil.test"}
    )
    assert r.status_code == 403
    # Refused there, the code is still unused.
    assert exchange(hookline, code).status_code == 200


def test_the_session_ends_with_its_application_token(hookline: HooklineProcess) -> None:
    def session(code: str) -> httpx.Client:
        r = exchange(hookline, code)
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
        # Plain http: SameSite=Strict (SameSite=None would need Secure, which http cannot set).
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Partitioned" not in cookie
        client = httpx.Client(base_url=hookline.url, follow_redirects=False)
        client.cookies.set("hookline_portal", r.cookies["hookline_portal"])
        assert client.get("/portal/endpoints").status_code == 200
        return client

    code, _ = issue(hookline)
    client = session(code)
    r = httpx.post(
        f"{hookline.url}/api/v1/auth/app/portal-customer/expire-all", json={}, headers=ADMIN
    )
    assert r.status_code == 204
    r = client.get("/portal/endpoints")
    assert r.status_code == 303 and r.headers["location"].startswith("/portal/open")
    client.close()

    code, token = issue(hookline)
    client = session(code)
    # The token still works as an application API token, and logging it out ends both.
    bearer = {"Authorization": f"Bearer {token}"}
    app = httpx.get(f"{hookline.url}/api/v1/app/portal-customer", headers=bearer)
    assert app.status_code == 200
    assert httpx.post(f"{hookline.url}/api/v1/auth/logout", headers=bearer).status_code == 204
    assert client.get("/portal/endpoints").status_code == 303
    client.close()
