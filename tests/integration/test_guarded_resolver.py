"""GuardedResolver and friends against a real aiohttp server and client.

Network traffic stays on 127.0.0.0/8. Blocked requests are refused by the resolver or the
socket factory before a socket is connected, and the test servers count what they receive.
"""

from __future__ import annotations

import pickle
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from ipaddress import ip_network

import aiohttp
import aiohttp.helpers
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from hookline.delivery.address_guard import IPNetwork
from hookline.delivery.resolver import (
    BlockedAddressError,
    GuardedResolver,
    guard_literal_host,
    guarded_connector,
    guarded_socket_factory,
    is_blocked_address_error,
)

LOOPBACK = [ip_network("127.0.0.0/8"), ip_network("::1/128")]
TIMEOUT = aiohttp.ClientTimeout(total=10)

# aiohttp 3.14 refuses non-canonical all-digit IPv4 hosts itself; older releases connected to
# them directly (without asking the resolver).
AIOHTTP_REFUSES_LEGACY_IPV4 = hasattr(aiohttp.helpers, "is_canonical_ipv4_address")


@dataclass
class Server:
    port: int
    hits: list[str] = field(default_factory=list)


async def _start(host: str) -> tuple[web.AppRunner, Server]:
    server = Server(port=0)

    async def hook(request: web.Request) -> web.Response:
        server.hits.append(request.path)
        return web.Response(text="ok")

    async def redirect(request: web.Request) -> web.Response:
        server.hits.append(request.path)
        raise web.HTTPTemporaryRedirect(request.query["to"])  # 307 keeps POST

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_post("/redirect", redirect)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    server.port = runner.addresses[0][1]
    return runner, server


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    runner, srv = await _start("127.0.0.1")
    try:
        yield srv
    finally:
        await runner.cleanup()


@pytest.fixture
async def other_server() -> AsyncIterator[Server]:
    """A second server on 127.0.0.2, the target of redirect tests."""
    runner, srv = await _start("127.0.0.2")
    try:
        yield srv
    finally:
        await runner.cleanup()


def _resolver_only(allowed: list[IPNetwork]) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(resolver=GuardedResolver(allowed))


ConnectorFactory = Callable[[list[IPNetwork]], aiohttp.TCPConnector]
BOTH_CONNECTORS = pytest.mark.parametrize(
    "make_connector", [_resolver_only, guarded_connector], ids=["resolver", "connector"]
)


async def _post(connector: aiohttp.TCPConnector, url: str) -> str:
    async with (
        aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as session,
        session.post(url, data=b"{}") as response,
    ):
        response.raise_for_status()
        return await response.text()


# ---------------------------------------------------------------------------- allowed


@BOTH_CONNECTORS
@pytest.mark.parametrize("host", ["127.0.0.1", "0x7f000001", "0x7f.1", "localhost"])
async def test_loopback_reachable_when_allowed(
    server: Server, make_connector: ConnectorFactory, host: str
) -> None:
    assert await _post(make_connector(LOOPBACK), f"http://{host}:{server.port}/hook") == "ok"
    assert server.hits == ["/hook"]


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0177.0.0.1"])
async def test_legacy_decimal_spellings(server: Server, host: str) -> None:
    # The resolver itself normalises them...
    resolver = GuardedResolver(LOOPBACK)
    [result] = await resolver.resolve(host, server.port, socket.AF_UNSPEC)
    assert (result["host"], result["port"], result["family"]) == (
        "127.0.0.1",
        server.port,
        socket.AF_INET,
    )
    await resolver.close()
    # ...but aiohttp never hands these hosts to a resolver.
    url = f"http://{host}:{server.port}/hook"
    if AIOHTTP_REFUSES_LEGACY_IPV4:
        with pytest.raises(aiohttp.InvalidUrlClientError):
            await _post(guarded_connector(LOOPBACK), url)
        assert server.hits == []
    else:
        assert await _post(guarded_connector(LOOPBACK), url) == "ok"


# ---------------------------------------------------------------------------- blocked


@BOTH_CONNECTORS
@pytest.mark.parametrize("host", ["0x7f000001", "0x7f.1", "localhost", "0xa9fea9fe"])
async def test_names_and_hex_spellings_blocked(
    server: Server, make_connector: ConnectorFactory, host: str
) -> None:
    # These reach the resolver, so the resolver alone is enough to stop them.
    with pytest.raises(aiohttp.ClientConnectorDNSError) as caught:
        await _post(make_connector([]), f"http://{host}:{server.port}/hook")
    assert is_blocked_address_error(caught.value)
    assert isinstance(caught.value.os_error, BlockedAddressError)
    assert caught.value.os_error.host == host
    assert "is blocked" in str(caught.value)
    assert server.hits == []


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"])
async def test_literal_ips_blocked_by_socket_factory(server: Server, host: str) -> None:
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await _post(guarded_connector([]), f"http://{host}:{server.port}/hook")
    assert not isinstance(caught.value, aiohttp.ClientConnectorDNSError)
    assert is_blocked_address_error(caught.value)
    assert "loopback address" in str(caught.value)
    assert server.hits == []


async def test_resolver_alone_is_bypassed_by_literal_ips(server: Server) -> None:
    """Documents aiohttp's shortcut: literal IPs never reach the resolver.

    Hence guarded_connector's socket factory, and guard_literal_host for callers that want
    to refuse such a URL up front.
    """
    assert await _post(_resolver_only([]), f"http://127.0.0.1:{server.port}/hook") == "ok"
    assert server.hits == ["/hook"]
    assert guard_literal_host("127.0.0.1", []) == "loopback address 127.0.0.1 is blocked"
    assert guard_literal_host("[::1]", []) == "loopback address ::1 is blocked"
    assert guard_literal_host("127.0.0.1", LOOPBACK) is None
    assert guard_literal_host("localhost", []) is None  # names are the resolver's job
    assert guard_literal_host("256.0.0.1", []) == "'256.0.0.1' is not a valid IP address"


async def test_redirect_to_blocked_literal_is_refused(server: Server, other_server: Server) -> None:
    allowed = [ip_network("127.0.0.1/32")]
    target = f"http://127.0.0.2:{other_server.port}/hook"
    url = f"http://127.0.0.1:{server.port}/redirect?to={target}"
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await _post(guarded_connector(allowed), url)
    assert is_blocked_address_error(caught.value)
    assert "loopback address 127.0.0.2 is blocked" in str(caught.value)
    assert server.hits == ["/redirect"]
    assert other_server.hits == []
    # The same redirect is followed once 127.0.0.2 is allowed too.
    assert await _post(guarded_connector(LOOPBACK), url) == "ok"
    assert other_server.hits == ["/hook"]


async def test_other_connection_errors_are_not_blocked_address_errors() -> None:
    with socket.socket() as probe:  # find a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await _post(guarded_connector(LOOPBACK), f"http://127.0.0.1:{port}/hook")
    assert not is_blocked_address_error(caught.value)
    assert not is_blocked_address_error(ValueError("x"))


# ---------------------------------------------------------------------------- resolver


class _StaticResolver(AbstractResolver):
    """Stands in for DNS: answers every name with fixed addresses (never connected to)."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


async def test_mixed_answers_keep_only_permitted_addresses() -> None:
    # A rebinding-style answer: one public and several internal addresses.
    inner = _StaticResolver(["8.8.8.8", "127.0.0.1", "169.254.169.254", "2606:4700::1", "::1"])
    resolver = GuardedResolver([], inner=inner)
    results = await resolver.resolve("mixed.example", 443, socket.AF_UNSPEC)
    assert [r["host"] for r in results] == ["8.8.8.8", "2606:4700::1"]
    await resolver.close()
    assert inner.closed


async def test_all_blocked_answers_raise() -> None:
    resolver = GuardedResolver([], inner=_StaticResolver(["10.0.0.1", "fd00::1"]))
    with pytest.raises(BlockedAddressError) as caught:
        await resolver.resolve("internal.example", 443)
    assert caught.value.host == "internal.example"
    assert "private address 10.0.0.1 is blocked" in caught.value.reason
    assert "unique-local address fd00::1 is blocked" in caught.value.reason
    allowed = GuardedResolver([ip_network("10.0.0.0/8")], inner=_StaticResolver(["10.0.0.1"]))
    assert [r["host"] for r in await allowed.resolve("internal.example", 443)] == ["10.0.0.1"]


async def test_non_numeric_answers_fail_closed() -> None:
    resolver = GuardedResolver(LOOPBACK, inner=_StaticResolver(["elsewhere.example"]))
    with pytest.raises(BlockedAddressError, match="not a numeric address"):
        await resolver.resolve("odd.example", 443)


async def test_resolver_literal_handling() -> None:
    resolver = GuardedResolver([])
    with pytest.raises(BlockedAddressError, match="not a valid IP address"):
        await resolver.resolve("256.1.1.1", 80)
    with pytest.raises(BlockedAddressError, match="link-local address 169.254.169.254"):
        await resolver.resolve("0xa9fea9fe", 80)
    [result] = await resolver.resolve("0x08080808", 80, socket.AF_UNSPEC)  # never contacted
    assert result["host"] == "8.8.8.8"
    with pytest.raises(socket.gaierror):
        await resolver.resolve("0x08080808", 80, socket.AF_INET6)
    await resolver.close()


def test_socket_factory_checks_the_exact_address() -> None:
    factory = guarded_socket_factory(LOOPBACK)
    tcp = (socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
    with factory((socket.AF_INET, *tcp, ("127.0.0.1", 80))) as sock:
        assert sock.family == socket.AF_INET
    for address in ("10.0.0.1", "169.254.169.254", "not-numeric.example"):
        with pytest.raises(BlockedAddressError):
            factory((socket.AF_INET, *tcp, (address, 80)))


def test_blocked_address_error_round_trips() -> None:
    error = BlockedAddressError("localhost", "loopback address 127.0.0.1 is blocked")
    assert isinstance(error, OSError)
    assert error.strerror == "localhost: loopback address 127.0.0.1 is blocked"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.host, copy.reason, copy.errno) == (error.host, error.reason, error.errno)
