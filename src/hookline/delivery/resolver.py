"""Connect-time SSRF enforcement for aiohttp.

``GuardedResolver`` filters what DNS returns, so the addresses that are checked are exactly the
addresses aiohttp connects to (no second lookup that a rebinding DNS server could answer
differently). aiohttp does not call the resolver for every host, though. In aiohttp 3.14:

* hosts that look numeric (contain ":" or only digits and dots) never reach the resolver:
  canonical dotted quads and IPv6 literals are connected to directly, and other all-digit
  spellings ("127.1", "2130706433", "0177.0.0.1") raise ``InvalidUrlClientError`` (which is
  why the delivery client sends to ``endpoint_url.canonical_url``, dotted quads only);
* hex spellings ("0x7f000001", "0x7f.1") are not numeric to aiohttp, so they reach the
  resolver, which normalises them with ``parse_ip_literal`` instead of letting getaddrinfo
  read them as 127.0.0.1 unchecked.

``guarded_socket_factory`` closes the literal gap: aiohttp (3.12+) calls it with the exact
socket address right before every connect, including redirects and literal hosts.
``guarded_connector`` wires up both; ``guard_literal_host`` is there for callers that want to
refuse a literal host before building a request.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohappyeyeballs import AddrInfoType, SocketFactoryType
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from hookline.delivery.address_guard import IPNetwork, blocked_reason, parse_ip_literal

# What aiohttp's own resolvers put in "flags" for numeric results: the addresses are final and
# must not be looked up again.
_NUMERIC_FLAGS = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class BlockedAddressError(OSError):
    """A connection was refused by the SSRF guard before any packet was sent."""

    def __init__(self, host: str, reason: str) -> None:
        # errno/strerror are set because aiohttp's ClientConnectorError copies them into its
        # own message ("Cannot connect to host ... [<strerror>]").
        super().__init__(errno.EACCES, f"{host}: {reason}")
        self.host = host
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        # OSError's default pickling would call __init__ with (errno, strerror).
        return (type(self), (self.host, self.reason))


def guard_literal_host(host: str, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why a URL host that is an IP literal (any spelling) is refused; None for names.

    DNS names return None: they are checked by ``GuardedResolver`` when they are resolved.
    """
    try:
        ip = parse_ip_literal(host)
    except ValueError:
        return f"{host!r} is not a valid IP address"
    return None if ip is None else blocked_reason(ip, allowed)


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that only ever returns addresses the SSRF policy permits.

    Addresses inside ``allowed`` are always permitted. Names resolving partly to blocked
    addresses keep only the permitted ones; if none remain ``BlockedAddressError`` is raised,
    which aiohttp wraps in ``ClientConnectorDNSError`` (see ``is_blocked_address_error``).
    """

    def __init__(
        self, allowed: Sequence[IPNetwork] = (), inner: AbstractResolver | None = None
    ) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(allowed)
        # ThreadedResolver (getaddrinfo) honours /etc/hosts and nsswitch like the rest of the
        # system. It needs a running loop, so it is created on first use.
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            literal = parse_ip_literal(host)
        except ValueError:
            raise BlockedAddressError(host, f"{host!r} is not a valid IP address") from None
        if literal is not None:
            # An odd spelling such as "0x7f.1": answer with the normalised address ourselves
            # rather than letting getaddrinfo interpret it.
            reason = blocked_reason(literal, self.allowed)
            if reason is not None:
                raise BlockedAddressError(host, reason)
            literal_family = socket.AF_INET if literal.version == 4 else socket.AF_INET6
            if family not in (socket.AF_UNSPEC, literal_family):
                raise socket.gaierror(
                    socket.EAI_FAMILY, f"{host} is an IPv{literal.version} address"
                )
            return [
                ResolveResult(
                    hostname=host,
                    host=str(literal),
                    port=port,
                    family=literal_family,
                    proto=0,
                    flags=_NUMERIC_FLAGS,
                )
            ]

        if self._inner is None:
            self._inner = ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        permitted: list[ResolveResult] = []
        reasons: list[str] = []
        for result in results:
            reason = _address_reason(result["host"], self.allowed)
            if reason is None:
                permitted.append(result)
            elif reason not in reasons:
                reasons.append(reason)
        if results and not permitted:
            raise BlockedAddressError(host, "; ".join(reasons))
        return permitted

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def _address_reason(address: str, allowed: Sequence[IPNetwork]) -> str | None:
    """Policy verdict on a numeric address from a resolver or a socket address."""
    try:
        ip = parse_ip_literal(address)
    except ValueError:
        ip = None
    if ip is None:
        # Not numeric: connecting would trigger another, unchecked lookup. Fail closed.
        return f"{address!r} is not a numeric address"
    return blocked_reason(ip, allowed)


def guarded_socket_factory(allowed: Sequence[IPNetwork] = ()) -> SocketFactoryType:
    """A ``TCPConnector(socket_factory=...)`` that refuses blocked socket addresses.

    aiohttp calls it with the exact address it is about to connect to, after every shortcut
    (IP-literal hosts, the DNS cache, redirects), so it is the last line of defence.
    """
    networks = tuple(allowed)

    def factory(addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        reason = _address_reason(sockaddr[0], networks)
        if reason is not None:
            raise BlockedAddressError(sockaddr[0], reason)
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


def guarded_connector(
    allowed: Sequence[IPNetwork] = (), **connector_kwargs: Any
) -> aiohttp.TCPConnector:
    """A ``TCPConnector`` with both guards. Needs aiohttp >= 3.12 (``socket_factory``).

    The connector does not close a resolver it was given; that is harmless here because the
    default ``ThreadedResolver`` holds no resources.
    """
    return aiohttp.TCPConnector(
        resolver=GuardedResolver(allowed),
        socket_factory=guarded_socket_factory(allowed),
        **connector_kwargs,
    )


def is_blocked_address_error(exc: BaseException) -> bool:
    """True if ``exc`` is, or was caused by, a ``BlockedAddressError``.

    aiohttp wraps resolver errors as ``ClientConnectorDNSError(os_error=<ours>)`` raised
    ``from`` ours, and socket-factory errors as ``ClientConnectorError`` the same way. Only
    causes are followed, not ``__context__``, so an unrelated error raised while handling a
    blocked one is not misclassified.
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BlockedAddressError):
            return True
        for linked in (current.__cause__, getattr(current, "os_error", None)):
            if isinstance(linked, BaseException):
                pending.append(linked)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
    return False
