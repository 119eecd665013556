"""SSRF guard: decide whether a webhook endpoint may be contacted.

Everything here is a pure function of its arguments (only ``resolve_and_check`` touches DNS),
so the API can validate endpoint URLs (``hookline.delivery.endpoint_url``) and the delivery
worker (via ``hookline.delivery.resolver``) can validate the addresses it actually connects to
with the same rules.

The block list is an explicit table rather than ``ipaddress``'s ``is_private``/``is_global``
flags: those flags changed meaning between Python versions (3.11 vs 3.13, for example, disagree
about IPv4-mapped IPv6 addresses), and a reviewer should be able to audit every range here.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import idna

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# IPv4 ranges that must never be contacted. The first matching row names the reason, so more
# specific rows come before the ranges that contain them (broadcast sits inside 240/4).
_V4_BLOCKED: tuple[tuple[IPv4Network, str], ...] = (
    (IPv4Network("0.0.0.0/8"), "'this network' address"),  # RFC 1122; 0.0.0.0 hits localhost
    (IPv4Network("10.0.0.0/8"), "private address"),  # RFC 1918
    (IPv4Network("100.64.0.0/10"), "carrier-grade NAT address"),  # RFC 6598
    (IPv4Network("127.0.0.0/8"), "loopback address"),
    (IPv4Network("169.254.0.0/16"), "link-local address"),  # incl. cloud metadata .169.254
    (IPv4Network("172.16.0.0/12"), "private address"),  # RFC 1918
    (IPv4Network("192.0.0.0/24"), "IETF protocol assignment address"),  # RFC 6890
    (IPv4Network("192.0.2.0/24"), "documentation address"),  # TEST-NET-1, RFC 5737
    # Deprecated 6to4 relay anycast (RFC 7526); 192.88.99.2 is the 6a44 relay inside one
    # provider's network (RFC 6751), not globally reachable.
    (IPv4Network("192.88.99.0/24"), "deprecated 6to4 relay anycast address"),
    (IPv4Network("192.168.0.0/16"), "private address"),  # RFC 1918
    (IPv4Network("198.18.0.0/15"), "benchmarking address"),  # RFC 2544
    (IPv4Network("198.51.100.0/24"), "documentation address"),  # TEST-NET-2
    (IPv4Network("203.0.113.0/24"), "documentation address"),  # TEST-NET-3
    (IPv4Network("224.0.0.0/4"), "multicast address"),
    (IPv4Network("255.255.255.255/32"), "broadcast address"),
    (IPv4Network("240.0.0.0/4"), "reserved address"),  # RFC 1112 class E
)

# IPv6 ranges judged in their own right; the first matching row decides. A row without a
# reason exempts a more specific block from the rows after it (Teredo, AMT and AS112 sit
# inside the IETF protocol assignments 2001::/23). Checked before the embedding table below,
# because :: and ::1 also fall inside the IPv4-compatible range ::/96.
_V6_BLOCKED: tuple[tuple[IPv6Network, str | None], ...] = (
    (IPv6Network("::/128"), "unspecified address"),
    (IPv6Network("::1/128"), "loopback address"),
    (IPv6Network("100::/64"), "discard-only address"),  # RFC 6666
    (IPv6Network("100:0:0:1::/64"), "dummy prefix address"),  # RFC 9780
    (IPv6Network("2001::/32"), None),  # Teredo: judged by the IPv4 address it embeds
    (IPv6Network("2001:3::/32"), None),  # AMT relay anycast, globally reachable (RFC 7450)
    (IPv6Network("2001:4:112::/48"), None),  # AS112-v6 DNS sink, globally reachable
    # The rest of 2001::/23: benchmarking (2001:2::/48), the PCP, TURN and DNS-SD anycast
    # addresses (served by the nearest box on the local network), ORCHID and DETs
    # (identifiers, never destinations). RFC 2928.
    (IPv6Network("2001::/23"), "IETF protocol assignment address"),
    (IPv6Network("2001:db8::/32"), "documentation address"),  # RFC 3849
    (IPv6Network("3fff::/20"), "documentation address"),  # RFC 9637
    (IPv6Network("5f00::/16"), "SRv6 segment identifier address"),  # RFC 9602
    (IPv6Network("fc00::/7"), "unique-local address"),  # RFC 4193
    (IPv6Network("fe80::/10"), "link-local address"),
    (IPv6Network("fec0::/10"), "site-local address"),  # deprecated, still routable on LANs
    (IPv6Network("ff00::/8"), "multicast address"),
)

_MASK32 = 0xFFFFFFFF


def _rfc6052_ipv4(value: int, prefix_len: int) -> int:
    """The IPv4 address embedded in a NAT64 address under an RFC 6052 prefix of that length.

    RFC 6052 skips bits 64..71 (the "u" octet), so drop them first and then read 32 bits
    starting right after the prefix.
    """
    without_u = ((value >> 64) << 56) | (value & ((1 << 56) - 1))
    start = prefix_len if prefix_len <= 64 else prefix_len - 8
    return (without_u >> (120 - start - 32)) & _MASK32


# IPv6 ranges that carry an IPv4 address which the network (the kernel, a NAT64 gateway or a
# tunnel relay) will end up talking to. Each row extracts the candidate IPv4 addresses from the
# 128-bit integer; the IPv6 address is blocked if any candidate is.
_V6_EMBEDDING: tuple[tuple[IPv6Network, str, Callable[[int], tuple[int, ...]]], ...] = (
    (IPv6Network("::ffff:0:0/96"), "IPv4-mapped address", lambda v: (v & _MASK32,)),
    # SIIT "IPv4-translated" addresses (RFC 2765, RFC 6145 ::ffff:0:0:0/96): a stateless
    # translator on the path turns them into the IPv4 address they carry.
    (IPv6Network("::ffff:0:0:0/96"), "IPv4-translated (SIIT) address", lambda v: (v & _MASK32,)),
    (IPv6Network("::/96"), "IPv4-compatible address", lambda v: (v & _MASK32,)),
    (IPv6Network("64:ff9b::/96"), "NAT64 address", lambda v: (_rfc6052_ipv4(v, 96),)),
    # The local-use NAT64 prefix (RFC 8215) may be split into any RFC 6052 prefix length
    # from /48 to /96 and only the translator knows which, so every possible layout is checked.
    (
        IPv6Network("64:ff9b:1::/48"),
        "local-use NAT64 address",
        lambda v: tuple(_rfc6052_ipv4(v, n) for n in (48, 56, 64, 96)),
    ),
    (IPv6Network("2002::/16"), "6to4 address", lambda v: ((v >> 80) & _MASK32,)),
    # Teredo stores the client's public IPv4 address inverted in the last 32 bits.
    (IPv6Network("2001::/32"), "Teredo address", lambda v: ((v & _MASK32) ^ _MASK32,)),
)


# --------------------------------------------------------------------------- parsing

_DEC_DIGITS = frozenset("0123456789")
_OCT_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _ipv4_number(part: str) -> int | None:
    """Value of one dot-separated part the way inet_aton and browsers read it, else None.

    "0x"/"0X" starts a hexadecimal number, any other leading "0" an octal one. Digits are
    checked against explicit ASCII sets because int() would also accept "+1", "1_0" and
    non-ASCII digits such as "１".
    """
    if part[:2] in ("0x", "0X"):
        digits, base, allowed = part[2:], 16, _HEX_DIGITS
    elif len(part) > 1 and part[0] == "0":
        digits, base, allowed = part[1:], 8, _OCT_DIGITS
    else:
        digits, base, allowed = part, 10, _DEC_DIGITS
    if not part or not set(digits) <= allowed:
        return None
    return int(digits, base) if digits else 0  # a bare "0x" is 0, as in the URL standard


def _parse_ipv4(host: str) -> IPv4Address | None:
    """Parse any inet_aton spelling of an IPv4 address (WHATWG URL "IPv4 parser").

    Returns None when the host is a domain name. Raises ValueError when it ends in a number
    (so every resolver and browser would treat it as an address) but is not a valid one,
    e.g. "256.1.1.1" or "1.2.3.4.5": refusing it is safer than guessing.
    """
    parts = host.split(".")
    final_label = parts[-1]
    # Like browsers, decide on the last label alone: all decimal digits (even invalid octal
    # such as "08") or a valid hex/octal number means "this is meant as an IPv4 address".
    if not final_label or (
        _ipv4_number(final_label) is None and not set(final_label) <= _DEC_DIGITS
    ):
        return None  # a DNS name such as "example.com"
    if len(parts) > 4:
        raise ValueError(f"{host!r} has more than four numeric parts")
    numbers = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            raise ValueError(f"{host!r} has an invalid numeric part {part!r}")
        numbers.append(number)
    # "a.b.c.d", "a.b.c16", "a.b24" and "a32": every part but the last is one octet and the
    # last fills the remaining bytes (so 127.1 is 127.0.0.1 and 2130706433 is 127.0.0.1).
    *octets, rest = numbers
    if any(octet > 255 for octet in octets) or rest >= 256 ** (4 - len(octets)):
        raise ValueError(f"{host!r} has a part out of range")
    value = rest
    for index, octet in enumerate(octets):
        value += octet << (8 * (3 - index))
    return IPv4Address(value)


def ascii_host(host: str) -> str:
    """The host as yarl (and so aiohttp) resolves and sends it: ASCII hosts unchanged, others
    IDNA-encoded with UTS 46 mapping (IDNA 2008), falling back to IDNA 2003 as yarl does.

    Without it "１２７.0.0.1" (fullwidth digits) or "127。0.0.1" would look like names here but
    be requested as 127.0.0.1, and "straße.de" would be judged as "strasse.de" (IDNA 2003)
    while yarl contacts "xn--strae-oqa.de". Raises ValueError if the host cannot be mapped.
    """
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"{host!r} is not a valid host name") from exc


def parse_ip_literal(host: str) -> IPv4Address | IPv6Address | None:
    """Return the address ``host`` denotes if it is an IP address in any spelling, else None.

    Accepts hosts as they appear in URLs ("[::1]", "[fe80::1%25eth0]") and as aiohttp hands
    them to resolvers ("::1"), plus every legacy IPv4 spelling ("2130706433", "0x7f000001",
    "0177.0.0.1", "127.1", "0x7f.1"). None means a DNS name. Raises ValueError for hosts that
    look numeric but are invalid ("256.1.1.1", "[not-v6]"): such URLs must be refused.
    """
    if host.startswith("[") and host.endswith("]"):
        # In a URL the IPv6 zone separator "%" is itself percent-encoded as "%25".
        return IPv6Address(host[1:-1].replace("%25", "%", 1))
    if ":" in host:
        return IPv6Address(host)  # a colon cannot appear in a DNS name, so this must parse
    try:
        host = ascii_host(host)
    except ValueError:
        return None  # not mappable: certainly not an IP address; name checks report it
    # Strip every trailing dot: an FQDN may end in one and aiohttp folds several into one,
    # and "127.0.0.1." must not slip through as a name.
    host = host.rstrip(".")
    if not host:
        return None
    return _parse_ipv4(host)


# --------------------------------------------------------------------------- policy


def _in_any(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    # "in" between different IP versions is simply False, so mixed lists are fine.
    return any(address in network for network in networks)


def inside_allowed(ip: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    """True if ``ip`` lies in one of the ``allowed`` networks.

    An IPv4-mapped address is the IPv4 address itself to the kernel (a dual-stack socket sends
    IPv4 packets to it), so it counts as inside an allowed IPv4 network. The other embeddings
    (SIIT, NAT64, 6to4, Teredo) travel as IPv6 through a translator or relay first, so they
    count only through their own IPv6 networks.
    """
    mapped = ip.ipv4_mapped if isinstance(ip, IPv6Address) else None
    return _in_any(ip, allowed) or (mapped is not None and _in_any(mapped, allowed))


def _describe_blocked_v4(address: IPv4Address) -> str | None:
    for network, name in _V4_BLOCKED:
        if address in network:
            return f"{name} {address}"
    return None


def blocked_reason(ip: IPv4Address | IPv6Address, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Return why ``ip`` may not be contacted, or None if it may.

    An address inside any ``allowed`` network is always permitted. For IPv6 addresses that
    embed an IPv4 address (mapped, SIIT, compatible, NAT64, 6to4, Teredo) the embedded address is
    judged too, and ``allowed`` applies to either form: allowing 127.0.0.0/8 allows
    ::ffff:127.0.0.1.
    """
    if _in_any(ip, allowed):
        return None
    if isinstance(ip, IPv4Address):
        description = _describe_blocked_v4(ip)
        return None if description is None else f"{description} is blocked"

    for network, name in _V6_BLOCKED:
        if ip in network:
            if name is not None:
                return f"{name} {ip} is blocked"
            break
    value = int(ip)
    for network, name, extract in _V6_EMBEDDING:
        if ip not in network:
            continue
        for candidate in map(IPv4Address, extract(value)):
            if _in_any(candidate, allowed):
                continue
            description = _describe_blocked_v4(candidate)
            if description is not None:
                return f"{name} {ip} embeds {description} and is blocked"
    return None


# --------------------------------------------------------------------------- DNS


async def resolve_and_check(
    host: str,
    port: int,
    allowed: Sequence[IPNetwork] = (),
    *,
    require_allowed: bool = False,
) -> list[str]:
    """Resolve ``host`` and return one problem per offending address; [] means acceptable.

    With ``require_allowed`` every address must also lie inside ``allowed`` (used for plain
    http when http is otherwise disabled). IP literals are judged without DNS. Raises OSError
    (``socket.gaierror``) if the name does not resolve.

    This is advisory (for a friendly error when an endpoint is saved): DNS may answer
    differently at delivery time, which is why ``GuardedResolver`` checks again then.
    """
    try:
        literal = parse_ip_literal(host)
    except ValueError:
        return [f"{host!r} is not a valid IP address"]
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(ip_address(info[4][0]) for info in infos))
    problems = []
    for address in addresses:
        reason = blocked_reason(address, allowed)
        if reason is not None:
            problems.append(reason)
        elif require_allowed and not inside_allowed(address, allowed):
            problems.append(
                f"plain http is only accepted for the allowed networks and {address} is not in them"
            )
    return problems
