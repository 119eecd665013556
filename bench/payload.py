"""The webhook every row sends: a ~200-byte JSON body, signed the Standard Webhooks way.

The ceiling client and the Celery baseline sign here with the standard library only, as a
hand-written sender would; Hookline signs with its own code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

import orjson

PAYLOAD_BYTES = 200
EVENT_TYPE = "bench.event"


def payload_obj(seq: int) -> dict[str, object]:
    """A realistic-looking event, padded so its compact JSON is exactly PAYLOAD_BYTES long."""
    event: dict[str, object] = {
        "type": EVENT_TYPE,
        "seq": seq,
        "customer": "cus_4f8a1c2e9b",
        "amount": 4200,
        "currency": "eur",
        "pad": "",
    }
    missing = PAYLOAD_BYTES - len(orjson.dumps(event))
    event["pad"] = "x" * max(0, missing)
    return event


def payload_bytes(seq: int) -> bytes:
    return orjson.dumps(payload_obj(seq))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    to_sign = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    return "v1," + base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()


def signed_headers(key: bytes, msg_id: str, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key, msg_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> str | None:
    """Check a received webhook; None when valid, else what is wrong with it."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_ts = lowered.get("webhook-timestamp")
    sig_header = lowered.get("webhook-signature")
    if not (msg_id and raw_ts and sig_header):
        return "missing webhook-id, webhook-timestamp or webhook-signature header"
    try:
        timestamp = int(raw_ts)
    except ValueError:
        return f"webhook-timestamp is not an integer: {raw_ts!r}"
    if abs(time.time() - timestamp) > 300:
        return f"webhook-timestamp {timestamp} is more than 5 minutes off"
    expected = signature(secret_key(secret), msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in sig_header.split()):
        return "no v1 signature matches HMAC-SHA256 of '{id}.{timestamp}.{body}'"
    return None
