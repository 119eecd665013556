"""The IANA special-purpose address registries (tests/fixtures/iana-ipv*-special-registry.csv),
with Hookline's decision for each block: an independent reading of which destinations the SSRF
guard must refuse, for the tests that hold the guard to it."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MASK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Entry:
    block: IPv4Network | IPv6Network
    name: str
    decision: str  # blocked, allowed, or embedded (judged as the IPv4 address carried)
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
    IPv6Network("::ffff:0:0/96"): lambda v: v & MASK32,
    IPv6Network("64:ff9b::/96"): lambda v: v & MASK32,
    IPv6Network("64:ff9b:1::/48"): lambda v: v & MASK32,
    IPv6Network("2001::/32"): lambda v: (v & MASK32) ^ MASK32,
    IPv6Network("2002::/16"): lambda v: (v >> 80) & MASK32,
}


def registry_says_blocked(address: IPv4Address | IPv6Address) -> bool:
    """Whether the registries (with Hookline's decisions) say this address must be refused: the
    most specific entry that holds it decides; an embedding block passes the question on to the
    IPv4 address it carries. Addresses in no entry are left to the guard's other rules
    (multicast, for one, has a registry of its own) and are reported as not blocked here."""
    entries = V4 if isinstance(address, IPv4Address) else V6
    holding = [e for e in entries if address in e.block]
    if not holding:
        return False
    entry = max(holding, key=lambda e: e.block.prefixlen)
    if entry.decision == "embedded":
        carried = IPv4Address(EMBEDDED_IPV4[entry.block](int(address)))  # type: ignore[index]
        return registry_says_blocked(carried)
    return entry.decision == "blocked"
