"""The canonical endpoint URL: one pure function decides every odd spelling, for the API (what
is stored and returned) and the delivery client (what is requested)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_network

import pytest

from hookline.delivery.endpoint_url import (
    InvalidEndpointUrl,
    canonical_url,
    canonicalise,
    check_url,
)

LOOPBACK_ALLOWED = [ip_network("127.0.0.0/8"), ip_network("::1/128")]

# (given, canonical): normalised, and the canonical form is what is stored and returned.
NORMALISED = [
    ("https://example.com/hooks", "https://example.com/hooks"),  # already canonical
    ("https://example.com", "https://example.com"),  # no path: kept (aiohttp sends "/")
    # Every IPv4 spelling becomes the dotted quad it denotes (WHATWG URL standard).
    ("http://127.1/", "http://127.0.0.1/"),  # short form
    ("http://127.0.1/", "http://127.0.0.1/"),
    ("http://2130706433/", "http://127.0.0.1/"),  # one decimal number
    ("http://0177.0.0.1/", "http://127.0.0.1/"),  # octal
    ("http://017700000001/", "http://127.0.0.1/"),
    ("http://0x7f000001/", "http://127.0.0.1/"),  # hex
    ("http://0X7F.0x0.0.1/", "http://127.0.0.1/"),
    ("http://127.0.0.1./", "http://127.0.0.1/"),  # trailing dot
    ("http://127.0.0.1../", "http://127.0.0.1/"),
    ("https://１２７.0.0.1/", "https://127.0.0.1/"),  # fullwidth digits (IDNA mapping)
    ("https://8.8.8.8/", "https://8.8.8.8/"),
    # IPv6: compressed, lower case; IPv4-mapped in dotted form (RFC 5952 section 5).
    ("https://[0:0:0:0:0:0:0:1]/", "https://[::1]/"),
    ("https://[2606:4700:0::ABCD]/", "https://[2606:4700::abcd]/"),
    ("http://[::ffff:7f00:1]:8080/", "http://[::ffff:127.0.0.1]:8080/"),
    ("http://[::FFFF:127.0.0.1]/", "http://[::ffff:127.0.0.1]/"),
    # Names: lower case, trailing dots removed, IDNA as yarl encodes it (UTS 46, IDNA 2008).
    ("HTTPS://EXAMPLE.COM/Path?Q=A#Frag", "https://example.com/Path?Q=A#Frag"),
    ("http://localhost./hook", "http://localhost/hook"),
    ("https://hooks.example.com./", "https://hooks.example.com/"),
    ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
    ("https://straße.de/", "https://xn--strae-oqa.de/"),  # not "strasse.de" (IDNA 2003)
    ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
    ("https://a_b.example.com/", "https://a_b.example.com/"),
    # Ports: the default one dropped, others written plainly.
    ("https://example.com:443/", "https://example.com/"),
    ("http://example.com:80/", "http://example.com/"),
    ("http://example.com:443/", "http://example.com:443/"),
    ("https://example.com:08443/", "https://example.com:8443/"),
    ("https://example.com:/x", "https://example.com/x"),
    # Userinfo: kept as given (sent as HTTP Basic credentials); an empty one dropped.
    ("https://user:p%40ss@example.com/", "https://user:p%40ss@example.com/"),
    ("https://User@EXAMPLE.com/", "https://User@example.com/"),
    ("https://@example.com/", "https://example.com/"),
    ("https://example.com@10.0.0.1/", "https://example.com@10.0.0.1/"),  # host is 10.0.0.1
]


@pytest.mark.parametrize(("given", "canonical"), NORMALISED)
def test_canonical_forms(given: str, canonical: str) -> None:
    assert canonical_url(given) == canonical
    # Canonical forms are fixed points: saving the returned URL again changes nothing.
    assert canonical_url(canonical) == canonical


def test_canonical_parts() -> None:
    parts = canonicalise("http://0x7f.1:8080/a")
    assert (parts.scheme, parts.host, parts.port, parts.ip) == (
        "http",
        "127.0.0.1",
        8080,
        IPv4Address("127.0.0.1"),
    )
    parts = canonicalise("https://[::ffff:127.0.0.1]/")
    assert (parts.host, parts.port, parts.ip) == (
        "::ffff:127.0.0.1",
        443,
        IPv6Address("::ffff:7f00:1"),
    )
    assert canonicalise("https://Example.com./").ip is None


# (given, what the refusal says)
REFUSED = [
    ("ftp://example.com/x", "scheme must be http or https, not 'ftp'"),
    ("example.com/hooks", "must start with http:// or https://"),
    ("https:///path-only", "must include a host"),
    ("https://user@:443/", "must include a host"),
    ("https://example.com:0/", "port must be between 1 and 65535"),
    ("https://example.com:99999/", "not valid"),
    ("https://exa mple.com/", "whitespace"),
    ("https://127.0.0.1\\@example.com/", "backslashes"),
    ("https://%6c%6fcalhost/", "percent-encoded"),
    ("https://[fe80::1%25eth0]/", "zone identifier"),
    ("https://256.1.1.1/", "looks like an IP address but is not a valid one"),
    ("https://1.2.3.4.5/", "looks like an IP address"),
    ("https://08.0.0.1/", "looks like an IP address"),
    ("https://foo.123/", "looks like an IP address"),
    ("https://a..example.com/", "is not a valid domain name"),
    ("https://-a.example.com/", "is not a valid domain name"),
    ("https://exa$mple.com/", "is not a valid domain name"),
    ("https://" + "a" * 64 + ".com/", "is not a valid domain name"),  # label over 63
]


@pytest.mark.parametrize(("given", "fragment"), REFUSED)
def test_refused_forms(given: str, fragment: str) -> None:
    with pytest.raises(InvalidEndpointUrl) as refused:
        canonicalise(given)
    message = str(refused.value)
    assert fragment in message
    assert message[0].isupper() and message.endswith(".")


def test_plain_http_to_an_ipv4_mapped_address_is_judged_as_the_ipv4_address() -> None:
    assert check_url("http://[::ffff:127.0.0.1]:8080/", LOOPBACK_ALLOWED) is None
    assert check_url("http://127.0.0.1:8080/", LOOPBACK_ALLOWED) is None
    refused = check_url("http://[::ffff:8.8.8.8]/", LOOPBACK_ALLOWED)
    assert refused == "Plain http URLs are not allowed; use https."
    assert check_url("http://[::ffff:8.8.8.8]/", LOOPBACK_ALLOWED, allow_http=True) is None
    # Without loopback allowed the mapped form is blocked like 127.0.0.1 itself.
    blocked = check_url("https://[::ffff:127.0.0.1]/", [])
    assert blocked is not None and "embeds loopback address 127.0.0.1" in blocked
    # SIIT packets cross a translator as IPv6 first: allowing 127.0.0.0/8 lifts the block
    # but not the https rule.
    assert check_url("https://[::ffff:0:127.0.0.1]/", LOOPBACK_ALLOWED) is None
    siit_http = check_url("http://[::ffff:0:127.0.0.1]/", LOOPBACK_ALLOWED)
    assert siit_http == "Plain http URLs are not allowed; use https."
    assert "IPv4-translated (SIIT)" in (check_url("https://[::ffff:0:10.0.0.1]/", []) or "")


def test_check_url_judges_the_canonical_form() -> None:
    assert check_url("http://2130706433:9/", LOOPBACK_ALLOWED) is None
    refused = check_url("http://2130706433:9/", [])
    assert refused == "The URL host is not allowed: loopback address 127.0.0.1 is blocked."
