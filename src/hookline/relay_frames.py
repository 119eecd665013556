"""The frames of the relay WebSocket (`hookline listen`): JSON text frames, one object each,
with a `type`. Pure functions; both sides (the server's worker and the CLI) use them.

Server to listener:
  ready     {"type": "ready", "endpointId", "appId", "secret", "name", "requestTimeout"}
  delivery  {"type": "delivery", "id", "msgId", "eventType", "attempt", "headers", "body"}
  error     {"type": "error", "status", "code", "detail"}; the socket is then closed with
            code 4000 + status
Listener to server:
  answer    {"type": "answer", "id", "status", "headers", "body", "durationMs"}, or
            {"type": "answer", "id", "failure": "connection" | "timeout", "error", "durationMs"}
            when the local URL gave no answer
  bye       {"type": "bye"}: a clean exit; the relay endpoint is disabled

Bodies travel base64-encoded, so the bytes the listener POSTs are exactly the bytes that were
signed (a JSON string would re-encode them).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

# Failure kinds a listener may report for its local request (types.FailureKind values).
LOCAL_FAILURES = ("connection", "timeout")
CLOSE_CODE_BASE = 4000


class BadFrame(ValueError):
    """A frame that is not one of the protocol's, or is missing a field."""


@dataclass(frozen=True, slots=True)
class Ready:
    endpoint_id: str
    app_id: str
    secret: str
    name: str
    request_timeout: float


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    msg_id: str
    event_type: str
    attempt: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """The local URL's answer (`status` > 0), or why there was none (`failure`)."""

    id: str
    status: int
    headers: dict[str, str]
    body: bytes
    duration_ms: int
    failure: str | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Refused:
    status: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Bye:
    pass


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(frame: Ready | Delivery | Answer | Refused | Bye) -> str:
    if isinstance(frame, Ready):
        return _dump(
            {
                "type": "ready",
                "endpointId": frame.endpoint_id,
                "appId": frame.app_id,
                "secret": frame.secret,
                "name": frame.name,
                "requestTimeout": frame.request_timeout,
            }
        )
    if isinstance(frame, Delivery):
        return _dump(
            {
                "type": "delivery",
                "id": frame.id,
                "msgId": frame.msg_id,
                "eventType": frame.event_type,
                "attempt": frame.attempt,
                "headers": frame.headers,
                "body": _b64(frame.body),
            }
        )
    if isinstance(frame, Answer):
        answer: dict[str, Any] = {
            "type": "answer",
            "id": frame.id,
            "durationMs": frame.duration_ms,
        }
        if frame.failure is not None:
            answer.update(failure=frame.failure, error=frame.error)
        else:
            answer.update(status=frame.status, headers=frame.headers, body=_b64(frame.body))
        return _dump(answer)
    if isinstance(frame, Refused):
        return _dump(
            {"type": "error", "status": frame.status, "code": frame.code, "detail": frame.detail}
        )
    return _dump({"type": "bye"})


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BadFrame(f"field {name!r} missing or not a {getattr(kind, '__name__', kind)}")
    return value


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadFrame("field 'headers' must be an object of strings")
    return value


def _bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise BadFrame("field 'body' must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadFrame("field 'body' is not valid base64") from None


def decode(text: str | bytes) -> Ready | Delivery | Answer | Refused | Bye:
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadFrame("not JSON") from None
    if not isinstance(obj, dict):
        raise BadFrame("a frame is a JSON object")
    kind = obj.get("type")
    if kind == "ready":
        return Ready(
            _field(obj, "endpointId", str),
            _field(obj, "appId", str),
            _field(obj, "secret", str),
            _field(obj, "name", str),
            float(_field(obj, "requestTimeout", (int, float))),
        )
    if kind == "delivery":
        return Delivery(
            _field(obj, "id", str),
            _field(obj, "msgId", str),
            _field(obj, "eventType", str),
            _field(obj, "attempt", int),
            _headers(obj.get("headers")),
            _bytes(obj.get("body")),
        )
    if kind == "answer":
        frame_id = _field(obj, "id", str)
        duration = max(0, _field(obj, "durationMs", int))
        if "failure" in obj:
            failure = _field(obj, "failure", str)
            if failure not in LOCAL_FAILURES:
                raise BadFrame(f"field 'failure' must be one of {', '.join(LOCAL_FAILURES)}")
            return Answer(frame_id, 0, {}, b"", duration, failure, str(obj.get("error", "")))
        status = _field(obj, "status", int)
        if not 100 <= status <= 599:
            raise BadFrame("field 'status' must be an HTTP status (100-599)")
        headers = _headers(obj.get("headers", {}))
        return Answer(frame_id, status, headers, _bytes(obj.get("body", "")), duration)
    if kind == "error":
        return Refused(
            _field(obj, "status", int), _field(obj, "code", str), _field(obj, "detail", str)
        )
    if kind == "bye":
        return Bye()
    raise BadFrame(f"unknown frame type {kind!r}")
