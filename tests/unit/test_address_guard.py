"""The SSRF policy table and parsers. Pure functions: nothing here opens a socket."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest

from hookline.delivery.address_guard import blocked_reason, parse_ip_literal, resolve_and_check
from hookline.delivery.endpoint_url import (
    MAX_URL_LENGTH,
    InvalidEndpointUrl,
    check_url,
    check_url_with_dns,
)

LOOPBACK_ALLOWED = [ip_network("127.0.0.0/8"), ip_network("::1/128")]

# (address, expected reason fragment); every entry must be blocked with allowed=[].
BLOCKED = [
    ("0.0.0.0", "'this network' address 0.0.0.0"),
    ("0.255.255.255", "'this network' address"),
    ("10.0.0.1", "private address 10.0.0.1"),
    ("10.255.255.255", "private address"),
    ("100.64.0.1", "carrier-grade NAT address"),
    ("100.127.255.255", "carrier-grade NAT address"),
    ("127.0.0.1", "loopback address 127.0.0.1"),
    ("127.255.255.254", "loopback address"),
    ("169.254.0.1", "link-local address"),
    ("169.254.169.254", "link-local address 169.254.169.254"),  # cloud metadata
    ("172.16.0.1", "private address"),
    ("172.31.255.255", "private address"),
    ("192.0.0.8", "IETF protocol assignment address"),
    ("192.0.2.1", "documentation address"),
    ("192.168.1.1", "private address"),
    ("198.18.0.1", "benchmarking address"),
    ("198.19.255.255", "benchmarking address"),
    ("198.51.100.7", "documentation address"),
    ("203.0.113.9", "documentation address"),
    ("224.0.0.1", "multicast address"),
    ("239.255.255.250", "multicast address"),
    ("240.0.0.1", "reserved address"),
    ("254.1.2.3", "reserved address"),
    ("255.255.255.255", "broadcast address 255.255.255.255"),
    ("::", "unspecified address ::"),
    ("::1", "loopback address ::1"),
    ("fe80::1", "link-local address"),
    ("febf:ffff::1", "link-local address"),
    ("fc00::1", "unique-local address"),
    ("fd12:3456:789a::1", "unique-local address"),
    ("ff02::1", "multicast address"),
    ("ff0e::1", "multicast address"),
    ("2001:db8::1", "documentation address"),
    ("3fff::1", "documentation address"),
    ("3fff:fff::1", "documentation address"),
    ("fec0::1", "site-local address"),
    ("100::1", "discard-only address"),
    ("100::ffff:ffff:ffff:ffff", "discard-only address"),
    # IPv6 forms that carry a blocked IPv4 address.
    ("::ffff:127.0.0.1", "IPv4-mapped address"),
    ("::ffff:169.254.169.254", "embeds link-local address 169.254.169.254"),
    ("::ffff:10.1.2.3", "embeds private address 10.1.2.3"),
    ("::127.0.0.1", "IPv4-compatible address"),
    ("::192.168.0.1", "embeds private address 192.168.0.1"),
    ("64:ff9b::127.0.0.1", "NAT64 address"),
    ("64:ff9b::169.254.169.254", "embeds link-local address 169.254.169.254"),
    ("64:ff9b:1::a00:1", "local-use NAT64 address"),  # /96 layout: 10.0.0.1
    ("64:ff9b:1:7f00:0:100::", "embeds loopback address 127.0.0.1"),  # /48 layout
    ("2002:7f00:1::", "6to4 address"),
    ("2002:a9fe:a9fe::1", "embeds link-local address 169.254.169.254"),
    # Teredo: client 127.0.0.1 is stored inverted as 80ff:fffe.
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo address"),
    ("2001:0:4136:e378:8000:63bf:3f57:fefe", "embeds private address 192.168.1.1"),
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.0",  # just above it
    "172.15.255.255",  # just below 172.16/12
    "172.32.0.0",  # just above it
    "192.0.1.1",
    "192.169.0.1",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",  # last unicast address before multicast
    "2606:4700::1",
    "2a00:1450:4001::200e",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "::8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo client 8.8.8.8
    "2001:db9::1",  # just outside documentation
]


@pytest.mark.parametrize(("address", "fragment"), BLOCKED)
def test_blocked_addresses(address: str, fragment: str) -> None:
    reason = blocked_reason(ip_address(address), [])
    assert reason is not None
    assert fragment in reason
    assert reason.endswith("is blocked")


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ip_address(address), []) is None


@pytest.mark.parametrize("address", [a for a, _ in BLOCKED])
def test_allowed_networks_override_everything(address: str) -> None:
    ip = ip_address(address)
    assert blocked_reason(ip, [ip_network(ip)]) is None
    assert blocked_reason(ip, [ip_network("0.0.0.0/0"), ip_network("::/0")]) is None


def test_allowed_network_only_covers_itself() -> None:
    allowed = [ip_network("10.1.0.0/16")]
    assert blocked_reason(ip_address("10.1.2.3"), allowed) is None
    assert blocked_reason(ip_address("10.2.0.1"), allowed) is not None
    assert blocked_reason(ip_address("127.0.0.1"), allowed) is not None


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
def test_allowing_ipv4_allows_its_ipv6_embeddings(address: str) -> None:
    ip = ip_address(address)
    assert blocked_reason(ip, []) is not None
    assert blocked_reason(ip, [ip_network("127.0.0.0/8")]) is None
    # An unrelated IPv4 allowance does not help.
    assert blocked_reason(ip, [ip_network("10.0.0.0/8")]) is not None


def test_allowing_the_ipv6_form_is_enough() -> None:
    assert blocked_reason(ip_address("::ffff:127.0.0.1"), [ip_network("::ffff:0:0/96")]) is None


# ---------------------------------------------------------------------------- spellings

SPELLINGS = [
    ("127.0.0.1", IPv4Address("127.0.0.1")),
    ("2130706433", IPv4Address("127.0.0.1")),
    ("0x7f000001", IPv4Address("127.0.0.1")),
    ("0X7F000001", IPv4Address("127.0.0.1")),
    ("017700000001", IPv4Address("127.0.0.1")),
    ("0177.0.0.1", IPv4Address("127.0.0.1")),
    ("0177.0.0.01", IPv4Address("127.0.0.1")),
    ("127.1", IPv4Address("127.0.0.1")),
    ("127.0.1", IPv4Address("127.0.0.1")),
    ("0x7f.1", IPv4Address("127.0.0.1")),
    ("0x7f.0x0.0.0x1", IPv4Address("127.0.0.1")),
    ("0x7f.0.01", IPv4Address("127.0.0.1")),
    ("127.0.0.1.", IPv4Address("127.0.0.1")),  # FQDN-style trailing dot
    ("127.0.0.1..", IPv4Address("127.0.0.1")),  # aiohttp folds several into one
    ("0", IPv4Address("0.0.0.0")),
    ("0x", IPv4Address("0.0.0.0")),
    ("169.16689662", IPv4Address("169.254.169.254")),
    ("0xa9fea9fe", IPv4Address("169.254.169.254")),
    ("4294967295", IPv4Address("255.255.255.255")),
    ("10.0.65535", IPv4Address("10.0.255.255")),
    ("１２７.0.0.1", IPv4Address("127.0.0.1")),  # fullwidth digits, IDNA-mapped
    ("127。0.0.1", IPv4Address("127.0.0.1")),  # ideographic full stop
    ("::1", IPv6Address("::1")),
    ("[::1]", IPv6Address("::1")),
    ("[::ffff:127.0.0.1]", IPv6Address("::ffff:7f00:1")),
    ("[0:0:0:0:0:0:0:1]", IPv6Address("::1")),
    ("[fe80::1%25eth0]", IPv6Address("fe80::1%eth0")),
]


@pytest.mark.parametrize(("host", "expected"), SPELLINGS)
def test_ip_spellings_are_normalised(host: str, expected: IPv4Address | IPv6Address) -> None:
    assert parse_ip_literal(host) == expected


@pytest.mark.parametrize("host", [h for h, _ in SPELLINGS if h not in ("0", "0x")])
def test_every_spelling_of_an_internal_address_is_blocked(host: str) -> None:
    ip = parse_ip_literal(host)
    assert ip is not None
    assert blocked_reason(ip, []) is not None


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "localhost",
        "localhost.",
        "hooks.example.com.",
        "0x7f000001.example.com",  # numeric-looking first label, but a name
        "127.0.0.1.nip.io",
        "a.0x1g",  # not a valid hex number, so not an address
        "1e3",
        "xn--bcher-kva.example",
    ],
)
def test_names_are_not_ip_literals(host: str) -> None:
    assert parse_ip_literal(host) is None


@pytest.mark.parametrize(
    "host",
    [
        "256.1.1.1",
        "1.256.1.1",
        "1.2.3.256",
        "1.2.3.4.5",
        "4294967296",
        "1.16777216",
        "1.2.65536",
        "08.0.0.1",  # 8 is not an octal digit
        "0x1g.1",
        "1..1",
        "foo.123",  # ends in a number: browsers refuse it as an invalid address
        "+1.2.3.4",
        "1_0.0.0.1",
        "[not-ipv6]",
        "[127.0.0.1]",
        "::1::2",
        "[::ffff:127.1]",
    ],
)
def test_invalid_numeric_hosts_raise(host: str) -> None:
    with pytest.raises(ValueError):
        parse_ip_literal(host)


# ---------------------------------------------------------------------------- check_url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hooks",
        "https://hooks.example.com:8443/a?b=c#d",
        "https://user:secret@example.com/",
        "https://8.8.8.8/",
        "https://[2606:4700::1]:443/",
        "HTTPS://EXAMPLE.COM/",
        "http://example.com/",  # names pass provisionally; DNS decides (check_url_with_dns)
    ],
)
def test_check_url_accepts(url: str) -> None:
    assert check_url(url, [], allow_http=False) is None


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com/x", "scheme must be http or https, not 'ftp'"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("gopher://127.0.0.1:6379/_", "scheme must be http or https"),
        ("example.com/hooks", "must start with http:// or https://"),
        ("https:///path-only", "must include a host"),
        ("https://", "must include a host"),
        ("https://user@:443/", "must include a host"),
        ("https://example.com:0/", "port must be between 1 and 65535"),
        ("https://example.com:99999/", "not valid"),
        ("https://[::1/", "not valid"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2048 characters"),
        ("https://exa mple.com/", "whitespace"),
        ("https://example.com/\n", "whitespace or control"),
        ("https://127.0.0.1\\@example.com/", "backslashes"),
        ("https://%31%32%37.0.0.1/", "percent-encoded"),
        ("https://127.0.0.1/", "loopback address 127.0.0.1 is blocked"),
        ("https://127.1:8080/", "loopback address 127.0.0.1"),
        ("https://2130706433/", "loopback address 127.0.0.1"),
        ("https://0x7f000001/", "loopback address 127.0.0.1"),
        ("https://0177.0.0.1/", "loopback address 127.0.0.1"),
        ("https://0x7f.1/", "loopback address 127.0.0.1"),
        ("https://127.0.0.1./", "loopback address 127.0.0.1"),
        ("https://１２７.0.0.1/", "loopback address 127.0.0.1"),
        ("https://[::1]/", "loopback address ::1"),
        ("https://[::ffff:127.0.0.1]/", "loopback address 127.0.0.1"),
        ("https://[::ffff:a9fe:a9fe]/", "link-local address 169.254.169.254"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("https://example.com@10.0.0.1/", "private address 10.0.0.1"),
        ("https://256.1.1.1/", "looks like an IP address but is not a valid one"),
        ("https://1.2.3.4.5/", "looks like an IP address"),
        ("http://8.8.8.8/", "Plain http URLs are not allowed"),
    ],
)
def test_check_url_refuses(url: str, fragment: str) -> None:
    problem = check_url(url, [], allow_http=False)
    assert problem is not None
    assert fragment in problem
    assert problem[0].isupper() and problem.endswith(".")


def test_url_length_limit_is_inclusive() -> None:
    base = "https://example.com/"
    assert check_url(base + "a" * (MAX_URL_LENGTH - len(base)), []) is None
    assert check_url(base + "a" * (MAX_URL_LENGTH - len(base) + 1), []) is not None


def test_http_rules() -> None:
    # allow_http lifts the https requirement but never the address policy.
    assert check_url("http://8.8.8.8/", [], allow_http=True) is None
    assert check_url("http://127.0.0.1/", [], allow_http=True) is not None
    # Without allow_http, plain http is fine for addresses inside the allowed networks.
    assert check_url("http://127.0.0.1:8080/", LOOPBACK_ALLOWED, allow_http=False) is None
    assert check_url("http://[::1]:8080/", LOOPBACK_ALLOWED, allow_http=False) is None
    assert check_url("https://127.0.0.1/", LOOPBACK_ALLOWED, allow_http=False) is None
    assert check_url("https://127.1/", LOOPBACK_ALLOWED, allow_http=False) is None


# ---------------------------------------------------------------------------- DNS variants
# Only "localhost" (from /etc/hosts) and literals are resolved: no DNS traffic leaves the host.


async def test_resolve_and_check_localhost() -> None:
    problems = await resolve_and_check("localhost", 443, [])
    assert problems
    assert all("loopback address" in p for p in problems)
    assert await resolve_and_check("localhost", 443, LOOPBACK_ALLOWED) == []


async def test_resolve_and_check_literals_need_no_dns() -> None:
    assert await resolve_and_check("0x7f.1", 80, []) == ["loopback address 127.0.0.1 is blocked"]
    assert await resolve_and_check("8.8.8.8", 80, []) == []
    problems = await resolve_and_check("8.8.8.8", 80, [], require_allowed=True)
    assert len(problems) == 1 and "plain http" in problems[0]
    assert await resolve_and_check("256.0.0.1", 80, []) == ["'256.0.0.1' is not a valid IP address"]


async def test_check_url_with_dns() -> None:
    with pytest.raises(InvalidEndpointUrl, match="'localhost' is not allowed: loopback address"):
        await check_url_with_dns("https://localhost:8443/", [], allow_http=False)
    assert (await check_url_with_dns("https://localhost/", LOOPBACK_ALLOWED)).ip is None
    assert (await check_url_with_dns("http://localhost/", LOOPBACK_ALLOWED)).url == (
        "http://localhost/"
    )
    # The canonical form is what is judged and returned: "localhost." is looked up as
    # "localhost" (which /etc/hosts knows), "127.1" is 127.0.0.1.
    assert (await check_url_with_dns("http://localhost.:80/", LOOPBACK_ALLOWED)).url == (
        "http://localhost/"
    )
    assert (await check_url_with_dns("http://127.1:9/", LOOPBACK_ALLOWED)).url == (
        "http://127.0.0.1:9/"
    )
    # Syntax problems come first and need no DNS.
    with pytest.raises(InvalidEndpointUrl, match="scheme"):
        await check_url_with_dns("ftp://localhost/")
    assert (await check_url_with_dns("https://8.8.8.8/")).url == "https://8.8.8.8/"
