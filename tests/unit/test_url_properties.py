"""The endpoint URL checks, for any input: any string gets an answer (a URL or a reason), never
an exception; however an address is spelled, an accepted URL never stands for an address the
IANA registries (with Hookline's decisions, tests/fixtures) say must be refused; and what DNS
answers at delivery time is filtered the same way."""

from __future__ import annotations

import asyncio
import socket
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from address_registries import V4, V6, registry_says_blocked
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import given
from hypothesis import strategies as st

from hookline.delivery.address_guard import blocked_reason
from hookline.delivery.endpoint_url import InvalidEndpointUrl, canonicalise, check_url
from hookline.delivery.resolver import BlockedAddressError, GuardedResolver


def _in_block(block):
    first, size = int(block.network_address), block.num_addresses
    return st.integers(0, size - 1).map(lambda k: type(block.network_address)(first + k))


# Addresses drawn from every special-purpose block as often as from anywhere else.
ipv4 = st.one_of(
    st.integers(0, 2**32 - 1).map(IPv4Address),
    st.sampled_from([e.block for e in V4]).flatmap(_in_block),
)
ipv6 = st.one_of(
    st.integers(0, 2**128 - 1).map(IPv6Address),
    st.sampled_from([e.block for e in V6]).flatmap(_in_block),
    ipv4.map(lambda a: IPv6Address(f"::ffff:{a}")),
    ipv4.map(lambda a: IPv6Address(f"64:ff9b::{a}")),
)


def _ipv4_spellings(address: IPv4Address) -> st.SearchStrategy[str]:
    """The ways inet_aton (and so some HTTP clients) reads an IPv4 address."""
    n = int(address)
    a, b, c, d = address.packed
    return st.sampled_from(
        [
            str(address),
            str(n),  # 2130706433
            hex(n),  # 0x7f000001
            f"0{n:o}",  # octal
            f"{a}.{(b << 16) | (c << 8) | d}",  # 127.1
            f"{a}.{b}.{(c << 8) | d}",  # 127.0.1
            ".".join(f"0x{part:x}" for part in (a, b, c, d)),
            ".".join(f"0{part:o}" for part in (a, b, c, d)),
            f"{address}.",  # a trailing dot
            f"[::ffff:{address}]",
        ]
    )


def _url(host: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(["http", "https", "HTTP", "hTTps"]),
        st.sampled_from(["", "user@", "user:pass@"]),
        host,
        st.sampled_from(["", ":80", ":443", ":8080", ":1"]),
        st.sampled_from(["/", "/hook", "/a?b=c", "#f", ""]),
    ).map(lambda p: f"{p[0]}://{p[1]}{p[2]}{p[3]}{p[4]}")


v4_urls = ipv4.flatmap(lambda a: _url(_ipv4_spellings(a)).map(lambda u: (a, u)))
v6_urls = ipv6.flatmap(lambda a: _url(st.just(f"[{a}]")).map(lambda u: (a, u)))


@given(text=st.text(max_size=300))
def test_any_string_gets_a_url_or_a_reason(text):
    problem = check_url(text, allow_http=True)
    assert problem is None or (isinstance(problem, str) and problem)
    try:
        canonicalise(text)
    except InvalidEndpointUrl as exc:
        assert str(exc)


@given(pair=st.one_of(v4_urls, v6_urls))
def test_no_spelling_of_a_refused_address_is_accepted(pair):
    address, url = pair
    problem = check_url(url, allow_http=True)
    if registry_says_blocked(address):
        assert problem is not None, f"{url} stands for {address}, which must be refused"
    if problem is None:
        parts = canonicalise(url)
        # What is stored and requested is the very address that was judged.
        assert parts.ip is not None
        judged = parts.ip
        if isinstance(address, IPv6Address) and address.ipv4_mapped and judged.version == 4:
            judged = IPv6Address(f"::ffff:{judged}")
        assert judged == address
        assert blocked_reason(parts.ip, []) is None


@given(pair=st.one_of(v4_urls, v6_urls))
def test_the_canonical_form_is_judged_as_the_original(pair):
    _address, url = pair
    try:
        canonical = canonicalise(url).url
    except InvalidEndpointUrl:
        return
    assert (check_url(canonical, allow_http=True) is None) == (
        check_url(url, allow_http=True) is None
    )
    assert canonicalise(canonical).url == canonical


class _Answers(AbstractResolver):
    """What a DNS server answers for a name: the thing the guard filters (DNS itself does not
    run here, and is not what is under test)."""

    def __init__(self, addresses: list[IPv4Address | IPv6Address]) -> None:
        self.addresses = addresses

    async def resolve(self, host, port=0, family=socket.AF_INET) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=str(a),
                port=port,
                family=socket.AF_INET if a.version == 4 else socket.AF_INET6,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for a in self.addresses
        ]

    async def close(self) -> None:
        pass


@given(addresses=st.lists(st.one_of(ipv4, ipv6), min_size=1, max_size=6))
def test_dns_answers_are_filtered_to_permitted_addresses(addresses):
    resolver = GuardedResolver(inner=_Answers(addresses))
    permitted = [a for a in addresses if blocked_reason(a, []) is None]
    try:
        results = asyncio.run(resolver.resolve("example.test", 443, socket.AF_UNSPEC))
    except BlockedAddressError:
        assert not permitted
        return
    got = [ip_address(r["host"]) for r in results]
    assert got == permitted
    assert not any(registry_says_blocked(a) for a in got)


@pytest.mark.parametrize("host", ["%31%32%37.0.0.1", "127.0.0.1%00.example", "0x7f.1"])
def test_encoded_spellings_of_loopback_are_refused(host):
    assert check_url(f"http://{host}/", allow_http=True) is not None
