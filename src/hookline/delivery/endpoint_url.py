"""Endpoint URLs: one canonical form, judged by the SSRF guard, stored and delivered to.

``canonicalise`` is the one place that decides what an endpoint URL means. The API stores
(and answers with) its result, and the delivery client sends to its result, so the URL that
was judged when saving is the URL that is contacted: no spelling is accepted when saved and
then refused by aiohttp (which treats "127.1" or "0177.0.0.1" as invalid URLs) or resolved
differently ("localhost." is not in /etc/hosts).

The decisions, for each odd spelling (docs/security.md lists them for users):

* scheme and host are lower-cased; a non-ASCII host is IDNA-encoded the way yarl does it;
* every IPv4 spelling that resolvers and browsers accept ("127.1", "2130706433",
  "0x7f000001", "0177.0.0.1", a trailing dot) becomes the dotted quad it denotes (as the
  WHATWG URL standard does), so the stored URL shows the address that will be contacted;
* IPv6 literals are written in their compressed form, IPv4-mapped ones as ``::ffff:a.b.c.d``;
* trailing dots are removed from host names ("localhost." is "localhost": aiohttp looks names
  up without them too);
* the default port (80 for http, 443 for https) is dropped;
* userinfo is kept as given (aiohttp sends it as HTTP Basic credentials), an empty one dropped;
* path, query and fragment are kept as given.

Refused, with a sentence saying why: anything but http(s), no host, whitespace or control
characters, backslashes or percent-encoding in the host, numeric hosts that are not a valid
address ("256.1.1.1"), IPv6 zone identifiers, host names that are not valid DNS names, port 0,
and URLs over 2048 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import urlsplit

from hookline.delivery.address_guard import (
    IPAddress,
    IPNetwork,
    ascii_host,
    blocked_reason,
    inside_allowed,
    parse_ip_literal,
    resolve_and_check,
)

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 1123 labels, plus "_" (used by some internal names, and accepted by yarl).
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class InvalidEndpointUrl(ValueError):
    """The URL cannot be an endpoint URL; the message is one sentence saying why."""


@dataclass(frozen=True, slots=True)
class CanonicalUrl:
    url: str  # the canonical form: what is stored, returned and requested
    scheme: str  # "http" or "https"
    host: str  # lower-case ASCII; an IP literal without brackets
    port: int  # explicit, or the scheme's default
    ip: IPAddress | None  # the address, when the host is an IP literal


def canonicalise(url: str) -> CanonicalUrl:
    """The canonical form of an endpoint URL; raises ``InvalidEndpointUrl`` saying why not.

    Pure (no DNS): whether the destination may be contacted is ``check_url``'s question.
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidEndpointUrl(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidEndpointUrl("The URL must not contain whitespace or control characters.")
    try:
        parts = urlsplit(url)
        explicit_port = parts.port
    except ValueError as exc:
        raise InvalidEndpointUrl(f"The URL is not valid ({exc}).") from None
    scheme = parts.scheme  # urlsplit lower-cases it
    if not scheme:
        raise InvalidEndpointUrl("The URL must start with http:// or https://.")
    if scheme not in _DEFAULT_PORTS:
        raise InvalidEndpointUrl(f"The URL scheme must be http or https, not {scheme!r}.")
    if "\\" in parts.netloc:
        # Browsers and yarl treat "\" like "/", urllib does not: "http://127.0.0.1\@a.com"
        # would be judged as a.com here but sent to 127.0.0.1.
        raise InvalidEndpointUrl("The URL host part must not contain backslashes.")
    userinfo, _, _ = parts.netloc.rpartition("@")
    given_host = parts.hostname  # lower-cased, without brackets or userinfo
    if not given_host:
        raise InvalidEndpointUrl("The URL must include a host.")
    if explicit_port == 0:
        raise InvalidEndpointUrl("The URL port must be between 1 and 65535.")
    host, ip = _canonical_host(given_host)
    port = _DEFAULT_PORTS[scheme] if explicit_port is None else explicit_port

    netloc = f"[{host}]" if ":" in host else host
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    if port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    canonical = f"{scheme}://{netloc}{parts.path}"
    if parts.query:
        canonical += f"?{parts.query}"
    if parts.fragment:
        canonical += f"#{parts.fragment}"
    return CanonicalUrl(url=canonical, scheme=scheme, host=host, port=port, ip=ip)


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """``canonicalise(url).url``; cached, as the delivery client asks on every attempt."""
    return canonicalise(url).url


def _canonical_host(host: str) -> tuple[str, IPAddress | None]:
    if "%" in host:
        if ":" in host:
            # fe80::1%25eth0 names an interface of whichever host reads it.
            raise InvalidEndpointUrl("The URL host must not carry an IPv6 zone identifier.")
        raise InvalidEndpointUrl("The URL host must not be percent-encoded.")
    try:
        host = ascii_host(host).lower()
    except ValueError:
        raise InvalidEndpointUrl(f"The URL host {host!r} is not a valid domain name.") from None
    try:
        ip = parse_ip_literal(host)
    except ValueError:
        raise InvalidEndpointUrl(
            f"The URL host {host!r} looks like an IP address but is not a valid one."
        ) from None
    if isinstance(ip, IPv4Address):
        return str(ip), ip
    if isinstance(ip, IPv6Address):
        mapped = ip.ipv4_mapped
        # RFC 5952 section 5; Python's own spelling of these changed in 3.13.
        return (f"::ffff:{mapped}" if mapped is not None else ip.compressed), ip
    name = host.rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidEndpointUrl(f"The URL host {host!r} is not a valid domain name.")
    return name, None


def check_url(url: str, allowed: Sequence[IPNetwork] = (), allow_http: bool = False) -> str | None:
    """Validate an endpoint URL without DNS; return the first problem as a sentence, or None.

    The URL is canonicalised first (``canonicalise``), so every spelling is judged as the
    address it stands for. IP-literal hosts are judged completely here. For DNS names only
    the syntax is checked, and plain http is accepted provisionally: whether the name
    resolves into the allowed networks needs DNS (``check_url_with_dns``). The delivery
    worker enforces the address rules again at connect time either way.
    """
    try:
        parts = canonicalise(url)
    except InvalidEndpointUrl as exc:
        return str(exc)
    return _check_literal(parts, allowed, allow_http)


def _check_literal(
    parts: CanonicalUrl, allowed: Sequence[IPNetwork], allow_http: bool
) -> str | None:
    if parts.ip is None:
        return None
    reason = blocked_reason(parts.ip, allowed)
    if reason is not None:
        return f"The URL host is not allowed: {reason}."
    if parts.scheme == "http" and not allow_http and not inside_allowed(parts.ip, allowed):
        return "Plain http URLs are not allowed; use https."
    return None


async def check_url_with_dns(
    url: str, allowed: Sequence[IPNetwork] = (), allow_http: bool = False
) -> CanonicalUrl:
    """The canonical URL if Hookline may deliver to it, else ``InvalidEndpointUrl`` saying why.

    ``check_url`` plus the DNS part: names must resolve, and only to permitted addresses.
    """
    parts = canonicalise(url)
    problem = _check_literal(parts, allowed, allow_http)
    if problem is not None:
        raise InvalidEndpointUrl(problem)
    if parts.ip is not None:
        return parts  # literals were judged completely
    require_allowed = parts.scheme == "http" and not allow_http
    try:
        problems = await resolve_and_check(
            parts.host, parts.port, allowed, require_allowed=require_allowed
        )
    except OSError:
        raise InvalidEndpointUrl(f"The URL host {parts.host!r} could not be resolved.") from None
    if problems:
        raise InvalidEndpointUrl(f"The URL host {parts.host!r} is not allowed: {problems[0]}.")
    return parts
