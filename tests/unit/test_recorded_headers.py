"""What an attempt keeps of its headers: credentials redacted, bounds, storable text."""

from __future__ import annotations

import pytest

from hookline.recorded_headers import DROPPED, MAX_BYTES, MAX_HEADERS, REDACTED, recorded


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "cookie",
        "Set-Cookie",
        "Proxy-Authorization",
        "X-Auth-Token",
        "X-Api-Key",
        "x-client-secret",
        "X-Session-Id",
        "X-Password",
    ],
)
def test_credentials_are_redacted(name: str) -> None:
    assert recorded([(name, "s3cret")]) == ((name, REDACTED),)


@pytest.mark.parametrize(
    "name", ["webhook-signature", "webhook-id", "user-agent", "traceparent", "X-Team"]
)
def test_other_headers_are_kept_as_sent(name: str) -> None:
    assert recorded([(name, "v1,abc")]) == ((name, "v1,abc"),)


def test_order_and_repeats_are_kept() -> None:
    pairs = [("Set-Cookie", "a=1"), ("X-B", "2"), ("Set-Cookie", "c=3")]
    assert recorded(pairs) == (("Set-Cookie", REDACTED), ("X-B", "2"), ("Set-Cookie", REDACTED))


def test_at_most_so_many_headers_are_kept() -> None:
    kept = recorded([(f"X-{i}", "v") for i in range(MAX_HEADERS + 10)])
    assert len(kept) == MAX_HEADERS + 1
    assert kept[MAX_HEADERS - 1] == (f"X-{MAX_HEADERS - 1}", "v")
    assert kept[-1][0] == DROPPED and kept[-1][1].startswith("10 more headers")


def test_what_does_not_fit_and_everything_after_it_is_dropped() -> None:
    big = "x" * (MAX_BYTES - 100)
    kept = recorded([("X-A", "a"), ("X-Big", big), ("X-Big-2", big), ("X-C", "c")])
    assert [name for name, _ in kept] == ["X-A", "X-Big", DROPPED]
    assert kept[-1][1].startswith("2 more headers")


def test_text_that_cannot_be_stored_is_replaced() -> None:
    # aiohttp hands undecodable bytes over as surrogate escapes; PostgreSQL refuses NUL.
    kept = recorded([("X-Bytes", "caf\udce9"), ("X-Nul", "a\x00b")])
    assert kept == (("X-Bytes", "caf\ufffd"), ("X-Nul", "a\ufffdb"))
