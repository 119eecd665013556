"""Schemathesis hooks for the OpenAPI conformance test (loaded through SCHEMATHESIS_HOOKS).

Endpoint URLs that the document calls valid are sent as a loopback URL instead: any other
valid URL would make the server resolve a made-up host name (and the worker deliver there),
and tests talk only to loopback. URLs the document calls invalid are sent as generated, so
the refusals are still tested.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis

from hookline.api.schema_constraints import URL_PATTERN

LOOPBACK_URL = "http://127.0.0.1:9/hook"
MAX_URL_LENGTH = 2048


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    body = case.body
    if isinstance(body, dict):
        url = body.get("url")
        if isinstance(url, str) and len(url) <= MAX_URL_LENGTH and re.search(URL_PATTERN, url):
            body["url"] = LOOPBACK_URL
