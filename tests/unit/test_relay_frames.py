"""The relay WebSocket's frames (`hookline listen`): what goes out comes back the same, bytes
included, and what is not a frame of the protocol is refused with a reason."""

from __future__ import annotations

import json

import pytest

from hookline import relay_frames as f

FRAMES = [
    f.Ready("ep_1", "app_1", "whsec_abc", "laptop", 15.0),
    f.Delivery("d1", "msg_1", "invoice.paid", 2, {"webhook-id": "msg_1"}, b'{"a": "\xc3\xa9"}'),
    f.Delivery("d2", "msg_2", "", 1, {}, b"\x00\xff not utf-8"),
    f.Answer("d1", 200, {"Content-Type": "text/plain"}, b"ok", 12),
    f.Answer("d1", 500, {}, b"", 0),
    f.Answer("d1", 0, {}, b"", 30, "connection", "refused"),
    f.Answer("d1", 0, {}, b"", 30, "timeout", "no answer"),
    f.Refused(403, "forbidden", "this token only grants access to application app_1"),
    f.Bye(),
]


@pytest.mark.parametrize("frame", FRAMES, ids=lambda fr: type(fr).__name__)
def test_a_frame_decodes_to_what_was_encoded(frame):
    assert f.decode(f.encode(frame)) == frame


def test_bodies_travel_as_base64_so_the_bytes_are_exact():
    body = b'{"z":1, "a":  2}'  # spacing and order a JSON round trip would change
    text = f.encode(f.Delivery("d1", "msg_1", "a.b", 1, {}, body))
    assert json.loads(text)["body"] == "eyJ6IjoxLCAiYSI6ICAyfQ=="
    decoded = f.decode(text)
    assert isinstance(decoded, f.Delivery) and decoded.body == body


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not JSON"),
        ("[1]", "a frame is a JSON object"),
        ('{"type": "hello"}', "unknown frame type 'hello'"),
        ('{"type": "answer", "durationMs": 1, "status": 200}', "field 'id'"),
        ('{"type": "answer", "id": "d1", "durationMs": 1, "status": 99}', "HTTP status"),
        ('{"type": "answer", "id": "d1", "durationMs": 1, "status": true}', "field 'status'"),
        ('{"type": "answer", "id": "d1", "durationMs": 1, "failure": "tls"}', "one of"),
        (
            '{"type": "answer", "id": "d1", "durationMs": 1, "status": 200, "body": "@@"}',
            "not valid base64",
        ),
        (
            '{"type": "answer", "id": "d1", "durationMs": 1, "status": 200, "headers": {"a": 1}}',
            "object of strings",
        ),
    ],
)
def test_what_is_not_a_frame_is_refused_with_a_reason(text, problem):
    with pytest.raises(f.BadFrame, match=problem):
        f.decode(text)


def test_a_negative_duration_is_read_as_zero():
    frame = f.decode('{"type": "answer", "id": "d1", "durationMs": -5, "status": 204}')
    assert isinstance(frame, f.Answer) and frame.duration_ms == 0
