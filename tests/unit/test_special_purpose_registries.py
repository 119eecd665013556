"""Every entry of the IANA special-purpose address registries, against the SSRF guard.

The registries are committed as fixtures (tests/fixtures/iana-ipv*-special-registry.csv) with
two columns of ours: the decision (blocked, allowed, or embedded: judged as the IPv4 address
the IPv6 address carries) and why. For each block the first and the last address are checked,
and for IPv4 blocks also their IPv4-mapped (::ffff:a.b.c.d), SIIT (::ffff:0:a.b.c.d) and NAT64
(64:ff9b::a.b.c.d) forms, which must be judged exactly as the IPv4 address is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from pathlib import Path

import pytest

from hookline.delivery.address_guard import blocked_reason

FIXTURES = Path(__file__).parent.parent / "fixtures"
_MASK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Entry:
    block: IPv4Network | IPv6Network
    name: str
    decision: str
    reason: str

    def __str__(self) -> str:
        return f"{self.block} ({self.name})"


def _entries(filename: str) -> list[Entry]:
    with (FIXTURES / filename).open(newline="", encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    entries = []
    for row in csv.DictReader(lines):
        # "192.0.0.0/24 [2]" carries a footnote mark; one cell may hold two blocks.
        for block in row["Address Block"].split(","):
            network = ip_network(re.sub(r"\s*\[\d+\]", "", block).strip())
            entries.append(
                Entry(network, row["Name"], row["Hookline Decision"], row["Hookline Reason"])
            )
    return entries


V4 = _entries("iana-ipv4-special-registry.csv")
V6 = _entries("iana-ipv6-special-registry.csv")

# Where each embedding block keeps its IPv4 address (RFC 4291, RFC 6052, RFC 4380, RFC 3056);
# an independent reading, not the guard's. 64:ff9b:1::/48 may use any RFC 6052 layout: its
# first and last addresses carry 0.0.0.0 and 255.255.255.255 under all of them.
EMBEDDED_IPV4: dict[IPv6Network, Callable[[int], int]] = {
    IPv6Network("::ffff:0:0/96"): lambda v: v & _MASK32,
    IPv6Network("64:ff9b::/96"): lambda v: v & _MASK32,
    IPv6Network("64:ff9b:1::/48"): lambda v: v & _MASK32,
    IPv6Network("2001::/32"): lambda v: (v & _MASK32) ^ _MASK32,
    IPv6Network("2002::/16"): lambda v: (v >> 80) & _MASK32,
}


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
