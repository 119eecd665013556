"""The dashboard's pages over plain HTTP on both stores: the SQL behind the Overview and
Applications views (statistics of every application, search, endpoint health) on SQLite
and PostgreSQL. The browser tests (tests/browser/) look at the same pages in Chromium."""

from __future__ import annotations

import contextlib
import re
import time

import httpx
from receiver import Receiver
from server_process import TOKEN


def _signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url)
    answer = client.post("/ui/sign-in", data={"token": TOKEN}, headers={"Origin": base_url})
    assert answer.status_code == 303
    return client


def _number(page: str, name: str) -> str:
    found = re.search(rf'data-stat="{name}">([^<]*)<', page)
    assert found, name
    return found.group(1)


def test_overview_and_applications_read_both_stores(start_hookline, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    hookline = start_hookline({"HOOKLINE_RETRY_SCHEDULE": "60"})
    failing = Receiver().start()
    failing.respond_with(lambda _n, _r: (500, b"down for maintenance", {}, 0.0))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=hookline.url, headers=headers) as api:
            app = api.post("/api/v1/app", json={"name": "Shop 50%_off", "uid": "shop"}).json()
            other = api.post("/api/v1/app", json={"name": "Other", "uid": "other"}).json()
            good = api.post(
                f"/api/v1/app/{app['id']}/endpoint", json={"url": f"{receiver.url}/ok"}
            ).json()
            bad = api.post(
                f"/api/v1/app/{other['id']}/endpoint", json={"url": f"{failing.url}/x"}
            ).json()
            for i in range(2):
                api.post(
                    f"/api/v1/app/{app['id']}/msg", json={"eventType": "a", "payload": {"i": i}}
                )
            api.post(f"/api/v1/app/{other['id']}/msg", json={"eventType": "a", "payload": {}})
            receiver.wait_for(lambda got: len(got) == 2)
            failing.wait_for(lambda got: len(got) == 1)
            for app_id, ep, count in ((app["id"], good["id"], 2), (other["id"], bad["id"], 1)):
                deadline = time.monotonic() + 20
                while (
                    len(api.get(f"/api/v1/app/{app_id}/attempt/endpoint/{ep}").json()["data"])
                    < count
                ):
                    assert time.monotonic() < deadline, "attempts not recorded"
                    time.sleep(0.05)
        with contextlib.closing(_signed_in(hookline.url)) as pages:
            overview = pages.get("/ui?span=hour").text
            assert _number(overview, "succeeded") == "2"
            assert _number(overview, "failed") == "1"
            assert _number(overview, "pending") == "1"
            assert f"/ui/apps/{other['id']}/endpoints/{bad['id']}" in overview
            for span in ("day", "week"):
                assert _number(pages.get(f"/ui?span={span}").text, "succeeded") == "2"
            # `%` and `_` are searched as themselves, not as LIKE wildcards.
            assert "Shop 50%_off" in pages.get("/ui/apps", params={"q": "50%_"}).text
            assert "Shop 50%" not in pages.get("/ui/apps", params={"q": "5_%"}).text
            assert "Other" in pages.get("/ui/apps", params={"q": "oth"}).text
            assert "Other" in pages.get("/ui/apps", params={"q": other["id"][:-2]}).text
            listing = pages.get("/ui/apps", params={"q": "sh"}).text
            assert "Shop 50%_off" in listing and ">Other<" not in listing
            healthy = pages.get(f"/ui/apps/{app['id']}").text
            assert "Healthy" in healthy and "100%" in healthy and "2 attempts" in healthy
            sick = pages.get(f"/ui/apps/{other['id']}").text
            assert "HTTP 500" in sick and "down for maintenance" in sick and "0.0%" in sick
    finally:
        failing.stop()
