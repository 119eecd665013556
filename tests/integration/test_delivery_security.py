"""The delivery client against real receivers: mutual TLS, per-endpoint CAs, TLS versions,
the SSRF guard at send time, and the cap on what is read of a receiver's answer."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import threading
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from receiver import Receiver
from tls_receiver import AsyncioTlsReceiver, OpenSslReceiver, server_context

from hookline import signing
from hookline.config import Settings
from hookline.delivery.client import DeliveryClient
from hookline.delivery.tls import MINIMUM_TLS_VERSION
from hookline.types import DeliveryJob, EndpointTls, FailureKind, Outcome, TriggerType

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def client_ca() -> trustme.CA:
    """The CA the receivers trust for client certificates."""
    return trustme.CA()


@pytest.fixture(scope="module")
def stranger_ca() -> trustme.CA:
    return trustme.CA()


def client_tls(issuer: trustme.CA | None, ca: trustme.CA | None) -> EndpointTls:
    cert = key = None
    if issuer is not None:
        leaf = issuer.issue_cert("hookline-client@example.com")
        cert = "".join(blob.bytes().decode() for blob in leaf.cert_chain_pems)
        key = leaf.private_key_pem.bytes().decode()
    return EndpointTls(
        client_cert=cert, client_key=key, ca_cert=ca.cert_pem.bytes().decode() if ca else None
    )


def job(url: str, tls: EndpointTls | None = None) -> DeliveryJob:
    return DeliveryJob(
        delivery_id=1,
        app_id="app_1",
        msg_id="msg_1",
        endpoint_id="ep_1",
        url=url,
        secrets=(signing.generate_secret(),),
        headers={},
        payload=b'{"hello":"tls"}',
        attempt_count=0,
        trigger=TriggerType.SCHEDULED,
        tls=tls,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[DeliveryClient]:
    c = DeliveryClient(
        Settings(data_dir=tmp_path, allow_private_networks=LOOPBACK, request_timeout=5)
    )
    await c.start()
    yield c
    await c.close()


@pytest.fixture
def mtls_receiver(ca, client_ca) -> Iterator[OpenSslReceiver]:
    r = OpenSslReceiver(server_context(ca, client_ca)).start()
    yield r
    r.stop()


# Mutual TLS


async def test_the_right_client_certificate_delivers(client, mtls_receiver, ca, client_ca):
    result = await client.send(job(f"{mtls_receiver.url}/hook", client_tls(client_ca, ca)))
    assert result.succeeded, result
    assert mtls_receiver.requests == [b'{"hello":"tls"}']


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
@pytest.mark.parametrize("issuer", ["none", "stranger"])
async def test_a_rejected_client_certificate_is_a_tls_failure(
    client, ca, client_ca, stranger_ca, version, issuer
):
    receiver = OpenSslReceiver(server_context(ca, client_ca, maximum_version=version)).start()
    try:
        tls = client_tls(None if issuer == "none" else stranger_ca, ca)
        result = await client.send(job(f"{receiver.url}/hook", tls))
    finally:
        receiver.stop()
    assert result.failure_kind is FailureKind.TLS, result
    assert result.status_code == 0
    assert receiver.requests == [] and receiver.handshake_errors


async def test_a_handshake_broken_off_by_an_asyncio_server_is_a_tls_failure(client, ca, client_ca):
    """asyncio servers reset the connection instead of sending the alert; under TLS 1.2 that
    happens during our handshake, which makes it a TLS failure."""
    receiver = AsyncioTlsReceiver(
        server_context(ca, client_ca, maximum_version=ssl.TLSVersion.TLSv1_2)
    ).start()
    try:
        result = await client.send(job(f"{receiver.url}/hook", client_tls(None, ca)))
        good = await client.send(job(f"{receiver.url}/hook", client_tls(client_ca, ca)))
    finally:
        receiver.stop()
    assert result.failure_kind is FailureKind.TLS, result
    assert good.succeeded, good


async def test_a_reset_after_a_tls13_handshake_says_what_it_may_mean(client, ca, client_ca):
    """Under TLS 1.3 our handshake is over before the server checks the client certificate;
    a server that then resets (no alert) looks like any dropped connection. Hookline does not
    guess: a connection failure, with a hint about client certificates."""
    receiver = AsyncioTlsReceiver(server_context(ca, client_ca)).start()
    try:
        result = await client.send(job(f"{receiver.url}/hook", client_tls(None, ca)))
    finally:
        receiver.stop()
    assert result.failure_kind in (FailureKind.CONNECTION, FailureKind.TLS), result
    if result.failure_kind is FailureKind.CONNECTION:
        assert "client certificate" in result.response_body
    assert receiver.requests == []


# Which servers are trusted


async def test_an_untrusted_server_fails_unless_its_ca_is_given(client, ca):
    receiver = OpenSslReceiver(server_context(ca)).start()
    try:
        untrusted = await client.send(job(f"{receiver.url}/hook"))
        pinned = await client.send(job(f"{receiver.url}/hook", client_tls(None, ca)))
    finally:
        receiver.stop()
    assert untrusted.failure_kind is FailureKind.TLS, untrusted
    assert "certificate verify failed" in untrusted.response_body
    assert pinned.succeeded, pinned
    assert len(receiver.requests) == 1


async def test_a_given_ca_replaces_the_system_store(client, ca, stranger_ca):
    receiver = OpenSslReceiver(server_context(ca)).start()
    try:
        result = await client.send(job(f"{receiver.url}/hook", client_tls(None, stranger_ca)))
    finally:
        receiver.stop()
    assert result.failure_kind is FailureKind.TLS
    assert receiver.requests == []


async def test_tls_older_than_1_2_is_refused(client, ca):
    assert client.default_tls.minimum_version == MINIMUM_TLS_VERSION == ssl.TLSVersion.TLSv1_2
    assert client.default_tls.verify_mode == ssl.CERT_REQUIRED
    assert client.default_tls.check_hostname
    per_endpoint = client.tls_contexts.get(client_tls(None, ca))
    assert per_endpoint is not None
    assert per_endpoint.minimum_version == ssl.TLSVersion.TLSv1_2
    assert per_endpoint.verify_mode == ssl.CERT_REQUIRED and per_endpoint.check_hostname
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is, that's the point
            old = server_context(ca, maximum_version=ssl.TLSVersion.TLSv1_1)
        old.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:
        pytest.skip("this OpenSSL cannot serve TLS 1.1 at all")
    receiver = OpenSslReceiver(old).start()
    try:
        result = await client.send(job(f"{receiver.url}/hook", client_tls(None, ca)))
    finally:
        receiver.stop()
    assert result.failure_kind is FailureKind.TLS
    assert receiver.requests == []


async def test_contexts_are_built_once_per_endpoint_settings(client, mtls_receiver, ca, client_ca):
    tls = client_tls(client_ca, ca)
    for _ in range(3):
        assert (await client.send(job(f"{mtls_receiver.url}/hook", tls))).succeeded
    same_settings_again = EndpointTls(tls.client_cert, tls.client_key, tls.ca_cert)
    assert (await client.send(job(f"{mtls_receiver.url}/hook", same_settings_again))).succeeded
    assert client.tls_contexts.builds == 1
    assert client.tls_contexts.get(None) is None  # the rest share the connector's default
    changed = client_tls(client_ca, ca)  # a new certificate: a new context
    assert (await client.send(job(f"{mtls_receiver.url}/hook", changed))).succeeded
    assert client.tls_contexts.builds == 2


async def test_a_client_certificate_without_a_readable_key_is_a_tls_failure(
    client, mtls_receiver, ca, client_ca
):
    tls = client_tls(client_ca, ca)
    broken = EndpointTls(client_cert=tls.client_cert, client_key=None, ca_cert=tls.ca_cert)
    result = await client.send(job(f"{mtls_receiver.url}/hook", broken))
    assert result.failure_kind is FailureKind.TLS
    assert "client key" in result.response_body
    assert mtls_receiver.requests == []


# The SSRF guard at send time


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0x7f000001", "[::ffff:127.0.0.1]"])
async def test_a_blocked_address_is_never_contacted(tmp_path, host):
    receiver = Receiver().start()
    guarded = DeliveryClient(Settings(data_dir=tmp_path, allow_private_networks=()))
    await guarded.start()
    try:
        result = await guarded.send(job(f"http://{host}:{receiver.port}/hook"))
    finally:
        await guarded.close()
        receiver.stop()
    assert result.failure_kind is FailureKind.BLOCKED_ADDRESS, result
    assert result.status_code == 0
    assert receiver.received() == []


# URLs stored in another spelling (by a version before canonical endpoint URLs)

# aiohttp itself refuses "127.1", "2130706433" and "0177.0.0.1" as invalid URLs and looks up
# "localhost." literally; the client sends to the canonical form instead.
OLD_SPELLINGS = [
    "http://127.1:{port}/a",
    "http://2130706433:{port}/b",
    "http://0177.0.0.1:{port}/c",
    "http://0x7f.1:{port}/d",
    "http://127.0.0.1.:{port}/e",
    "http://localhost.:{port}/f",
    "HTTP://LOCALHOST:{port}/g",
    "http://[::ffff:127.0.0.1]:{port}/h",
]


async def test_urls_stored_in_another_spelling_are_sent_to_their_canonical_form(client):
    receiver = Receiver().start()
    try:
        results = [await client.send(job(url.format(port=receiver.port))) for url in OLD_SPELLINGS]
    finally:
        receiver.stop()
    assert [r.status_code for r in results] == [204] * len(OLD_SPELLINGS), results
    assert [r.path for r in receiver.received()] == [f"/{c}" for c in "abcdefgh"]


async def test_a_stored_url_that_is_not_valid_fails_saying_why(client):
    result = await client.send(job("http://256.1.1.1/hook"))
    assert result.failure_kind is FailureKind.INVALID_URL
    assert "looks like an IP address but is not a valid one" in result.response_body


# What is read of an answer


class _Firehose:
    """A receiver that answers with 10 MB, counting what it managed to write."""

    SIZE = 10 * 1024 * 1024

    def __init__(self) -> None:
        self.written = 0
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=500, headers={"content-length": str(self.SIZE)})
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while self.written < self.SIZE:
                await response.write(chunk)
                self.written += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    def start(self) -> _Firehose:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


async def test_a_huge_answer_is_read_only_up_to_the_cap(client):
    firehose = _Firehose().start()
    try:
        result: Outcome = await client.send(job(f"http://127.0.0.1:{firehose.port}/hook"))
        await asyncio.sleep(0.5)  # let the receiver notice the hang-up
    finally:
        firehose.stop()
    assert result.status_code == 500
    assert len(result.response_body) == client.settings.response_body_limit == 4096
    assert firehose.written < firehose.SIZE  # we hung up instead of draining it


def test_a_rejected_client_certificate_is_tls_on_uvloop_too(tmp_path, ca, client_ca):
    """`hookline serve` runs on uvloop, where aiohttp often reports only that it could not
    write to a closing transport; the alert the connection was lost with decides the kind."""
    import uvloop

    receiver = OpenSslReceiver(server_context(ca, client_ca)).start()

    async def sends() -> list[Outcome]:
        c = DeliveryClient(Settings(data_dir=tmp_path, allow_private_networks=LOOPBACK))
        await c.start()
        try:
            return [
                await c.send(job(f"{receiver.url}/hook", client_tls(None, ca))) for _ in range(10)
            ]
        finally:
            await c.close()

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            results = runner.run(sends())
    finally:
        receiver.stop()
    assert {r.failure_kind for r in results} == {FailureKind.TLS}, results
    assert all("CERTIFICATE_REQUIRED" in r.response_body for r in results)
