"""`hookline verify`'s decision: each cause of failure named, from real signatures."""

from __future__ import annotations

import base64
import json

import pytest

from hookline.cli.saved_request import UnreadableRequest, parse_saved_request
from hookline.cli.signature_check import check_request
from hookline.signing import generate_ed25519_secret, public_secret, signer

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
ED_KEY = generate_ed25519_secret()
SENT_AT = 1_796_000_000
BODY = b'{"invoice":"in_1","amount":4200}'


def signed(body: bytes = BODY, secret: str = SECRET, **extra: str) -> dict[str, str]:
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(SENT_AT),
        "webhook-signature": signer(secret)("msg_1", SENT_AT, body),
        "content-length": str(len(body)),
    }
    headers.update(extra)
    return headers


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in signed().items() if k != name}


PRETTY = json.dumps(json.loads(BODY), indent=2).encode()

CASES = [
    # (what, headers, body, secret, now, reason)
    ("genuine", signed(), BODY, SECRET, SENT_AT + 10, "valid"),
    (
        "svix- header names",
        {k.replace("webhook-", "svix-"): v for k, v in signed().items()},
        BODY,
        SECRET,
        SENT_AT,
        "valid",
    ),
    ("Ed25519, public key", signed(secret=ED_KEY), BODY, public_secret(ED_KEY), SENT_AT, "valid"),
    ("no signature", without("webhook-signature"), BODY, SECRET, SENT_AT, "missing_headers"),
    ("no id", without("webhook-id"), BODY, SECRET, SENT_AT, "missing_headers"),
    (
        "timestamp header edited after signing",
        signed(**{"webhook-timestamp": "1796000000000"}),
        BODY,
        SECRET,
        SENT_AT,
        "wrong_secret",
    ),
    (
        "timestamp text",
        signed(**{"webhook-timestamp": "yesterday"}),
        BODY,
        SECRET,
        SENT_AT,
        "bad_timestamp",
    ),
    ("stale", signed(), BODY, SECRET, SENT_AT + 301, "timestamp_skew"),
    ("post-dated", signed(), BODY, SECRET, SENT_AT - 301, "timestamp_skew"),
    ("other secret", signed(), BODY, OTHER, SENT_AT, "wrong_secret"),
    (
        "same length, other bytes",
        signed(),
        BODY.replace(b"4200", b"9999"),
        SECRET,
        SENT_AT,
        "wrong_secret",
    ),
    ("newline added", signed(), BODY + b"\n", SECRET, SENT_AT, "body_changed"),
    ("newline lost", signed(BODY + b"\n"), BODY, SECRET, SENT_AT, "body_changed"),
    ("CRLF", signed(b'{\n"a": 1\n}'), b'{\r\n"a": 1\r\n}', SECRET, SENT_AT, "body_changed"),
    ("re-indented JSON", signed(), PRETTY, SECRET, SENT_AT, "body_changed"),
    ("truncated", signed(), BODY[:-3], SECRET, SENT_AT, "body_changed"),
    ("v1a header, whsec secret", signed(secret=ED_KEY), BODY, SECRET, SENT_AT, "wrong_scheme"),
    ("v1 header, whpk key", signed(), BODY, public_secret(ED_KEY), SENT_AT, "wrong_scheme"),
    ("secret not base64", signed(), BODY, "whsec_not*base64", SENT_AT, "bad_secret"),
]


@pytest.mark.parametrize(
    ("headers", "body", "secret", "now", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_cause_is_named(headers, body, secret, now, reason):  # type: ignore[no-untyped-def]
    verdict = check_request(headers, body, secret, now, tolerance=300)
    assert verdict.reason == reason, verdict.message
    assert verdict.ok is (reason == "valid")


def test_the_messages_say_what_changed():
    assert (
        "line break was added"
        in check_request(signed(), BODY + b"\n", SECRET, SENT_AT, 300).message
    )
    truncated = check_request(signed(), BODY[:-3], SECRET, SENT_AT, 300).message
    assert f"Content-Length says {len(BODY)} bytes, the body has {len(BODY) - 3}" in truncated
    stale = check_request(signed(), BODY, SECRET, SENT_AT + 3600, 300).message
    assert "3600 s old" in stale and "signature itself is valid" in stale
    missing = check_request(without("webhook-timestamp"), BODY, SECRET, SENT_AT, 300).message
    assert missing == "missing header(s): webhook-timestamp"


RAW = (
    b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nWebhook-Id: msg_1\r\n"
    b'Content-Length: 12\r\n\r\n{"a": 1}\r\n\r\n'
)


@pytest.mark.parametrize(
    ("raw", "request_line", "headers", "body"),
    [
        (
            RAW,
            "POST /webhooks HTTP/1.1",
            {"host": "127.0.0.1", "webhook-id": "msg_1", "content-length": "12"},
            b'{"a": 1}\r\n\r\n',
        ),
        (b"webhook-id: msg_1\n\nbody\n", "", {"webhook-id": "msg_1"}, b"body\n"),
        (b"webhook-id: msg_1\n\n", "", {"webhook-id": "msg_1"}, b""),
        (b"A: 1\r\nB:  two words \r\n\r\n\n\n", "", {"a": "1", "b": "two words"}, b"\n\n"),
    ],
    ids=["wire format, body kept byte for byte", "LF only", "empty body", "blank lines in body"],
)
def test_a_saved_request_is_split_at_the_first_blank_line(raw, request_line, headers, body):  # type: ignore[no-untyped-def]
    saved = parse_saved_request(raw)
    assert (saved.request_line, saved.headers, saved.body) == (request_line, headers, body)


@pytest.mark.parametrize(
    "raw",
    [b"just some text", b"POST / HTTP/1.1\nnot a header\n\nbody", b"A: 1\n B: folded\n\n"],
    ids=["no blank line", "no colon", "leading space"],
)
def test_what_is_not_a_request_is_refused(raw: bytes) -> None:
    with pytest.raises(UnreadableRequest):
        parse_saved_request(raw)
