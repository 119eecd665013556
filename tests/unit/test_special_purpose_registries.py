"""Every entry of the IANA special-purpose address registries, against the SSRF guard.

The registries are committed as fixtures (tests/fixtures/iana-ipv*-special-registry.csv) with
two columns of ours: the decision (blocked, allowed, or embedded: judged as the IPv4 address
the IPv6 address carries) and why. For each block the first and the last address are checked,
and for IPv4 blocks also their IPv4-mapped (::ffff:a.b.c.d), SIIT (::ffff:0:a.b.c.d) and NAT64
(64:ff9b::a.b.c.d) forms, which must be judged exactly as the IPv4 address is.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, IPv6Network

import pytest
from address_registries import EMBEDDED_IPV4, MASK32, V4, V6, Entry

from hookline.delivery.address_guard import blocked_reason

_MASK32 = MASK32


def is_blocked(address: IPv4Address | IPv6Address) -> bool:
    return blocked_reason(address, []) is not None


def test_the_fixtures_hold_every_registry_entry() -> None:
    # 25 rows each; the NAT64/DNS64 discovery row holds two IPv4 blocks.
    assert len(V4) == 26 and len(V6) == 25
    for entry in V4 + V6:
        assert entry.decision in ("blocked", "allowed", "embedded"), entry
        assert entry.reason, f"{entry} has no written reason"
    assert {e.block for e in V6 if e.decision == "embedded"} == set(EMBEDDED_IPV4)
    assert not any(e.decision == "embedded" for e in V4)


@pytest.mark.parametrize("entry", V4 + V6, ids=str)
def test_first_and_last_address_follow_the_decision(entry: Entry) -> None:
    for address in (entry.block[0], entry.block[-1]):
        if entry.decision == "embedded":
            assert isinstance(address, IPv6Address)
            carried = IPv4Address(EMBEDDED_IPV4[entry.block](int(address)))
            expected = is_blocked(carried)
            assert is_blocked(address) == expected, f"{address} carries {carried}"
        else:
            assert is_blocked(address) == (entry.decision == "blocked"), (address, entry.reason)


def _v6_forms(address: IPv4Address) -> dict[str, IPv6Address]:
    return {
        "IPv4-mapped": IPv6Address(f"::ffff:{address}"),
        "SIIT": IPv6Address(f"::ffff:0:{address}"),
        "NAT64": IPv6Address(f"64:ff9b::{address}"),
    }


@pytest.mark.parametrize("entry", V4, ids=str)
def test_ipv6_forms_of_an_ipv4_block_are_judged_as_the_ipv4_address(entry: Entry) -> None:
    for address in (entry.block[0], entry.block[-1]):
        assert isinstance(address, IPv4Address)
        expected = entry.decision == "blocked"
        for form, v6 in _v6_forms(address).items():
            assert is_blocked(v6) == expected, f"{form} {v6} of {address}: {entry.reason}"
            if expected:
                reason = blocked_reason(v6, [])
                assert reason is not None and f"embeds {_first_words(address)}" in reason
            # Allowing the IPv4 network allows each form too.
            assert blocked_reason(v6, [entry.block]) is None, f"{form} {v6}"


def _first_words(address: IPv4Address) -> str:
    """The start of the guard's description of a blocked IPv4 address, e.g. "loopback"."""
    reason = blocked_reason(address, [])
    assert reason is not None
    return reason.removesuffix(" is blocked")


@pytest.mark.parametrize("block", sorted(EMBEDDED_IPV4, key=str), ids=str)
def test_embedded_blocks_carry_public_and_internal_ipv4_addresses(block: IPv6Network) -> None:
    """Inside the embedding blocks, what is carried decides (first/last only test 0/8 and
    broadcast). 64:ff9b:1::/48 is left out: a public address under one RFC 6052 layout reads
    as another address under the others, so the guard refuses unless every reading is fine."""
    if block == IPv6Network("64:ff9b:1::/48"):
        assert is_blocked(IPv6Address("64:ff9b:1::808:808"))  # reads as 0.0.0.0 under /48
        return
    extract = EMBEDDED_IPV4[block]
    for carried, blocked in ((IPv4Address("8.8.8.8"), False), (IPv4Address("127.0.0.1"), True)):
        value = _embed(block, carried)
        assert IPv4Address(extract(value)) == carried
        assert is_blocked(IPv6Address(value)) == blocked, (block, carried)


def _embed(block: IPv6Network, address: IPv4Address) -> int:
    base = int(block.network_address)
    if block == IPv6Network("2001::/32"):
        return base | (int(address) ^ _MASK32)
    if block == IPv6Network("2002::/16"):
        return base | (int(address) << 80)
    return base | int(address)
