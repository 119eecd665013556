"""Portal links for the browser tests: issued by the admin through the REST API, as a
publisher's backend would."""

from __future__ import annotations

from typing import Any

from browser_harness import api
from server_process import TOKEN


def portal_link(base_url: str, app: str, **body: Any) -> str:
    with api(base_url, TOKEN) as client:
        r = client.post(f"/api/v1/auth/app-portal-access/{app}", json=body)
        assert r.status_code == 200, r.text
        url: str = r.json()["url"]
        return url
