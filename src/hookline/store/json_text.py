"""How JSON columns are written: orjson, with the standard library for what orjson refuses.

Every attempt writes its request and response headers as JSON, so the encoder is on the
worker's path; orjson is several times faster than `json.dumps` (BENCHMARKS.md, the
headers' cost). It refuses a few things `json.dumps` accepts (a lone surrogate in a string,
integers beyond 64 bits, non-string keys): those values are written as before rather than
failing a request that used to succeed.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)
