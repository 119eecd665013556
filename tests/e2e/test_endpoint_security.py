"""Endpoint URLs (SSRF guard with DNS, the https rule), per-endpoint TLS settings through the
API and a real mutual-TLS delivery, custom header limits, and the request head limit."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import trustme
from server_process import TOKEN
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.api import ApplicationIn, EndpointIn, MessageIn
from tls_receiver import OpenSslReceiver, server_context
from waits import WAIT_BOUND_S

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NO_PRIVATE_NETWORKS = {"HOOKLINE_ALLOW_PRIVATE_NETWORKS": ""}


def client(hookline) -> httpx.Client:
    return httpx.Client(base_url=hookline.url, headers=AUTH, timeout=15)


def new_app(http: httpx.Client, uid: str | None = None) -> str:
    """A new application (without a uid, so that tests on a shared server never collide)."""
    r = http.post("/api/v1/app", json={"name": "Security", "uid": uid})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def refused_url(r: httpx.Response) -> str:
    assert r.status_code == 422, r.text
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "url"]
    return problem["msg"]


def wait_for_attempt(
    http: httpx.Client, app: str, endpoint: str, timeout: float = WAIT_BOUND_S
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = http.get(f"/api/v1/app/{app}/attempt/endpoint/{endpoint}").json()["data"]
        if data:
            return data[0]
        time.sleep(0.1)
    raise AssertionError("no attempt recorded")


@pytest.fixture(scope="module")
def guarded_hookline(start_shared_hookline):
    """A server of the module's that allows no private network, loopback included."""
    return start_shared_hookline(NO_PRIVATE_NETWORKS)


@pytest.fixture(scope="module")
def no_retries_hookline(start_shared_hookline):
    """A server of the module's without retries: each delivery is one attempt."""
    return start_shared_hookline({"HOOKLINE_RETRY_SCHEDULE": ""})


# The SSRF guard when an endpoint is saved


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/hook", "loopback"),
        ("http://localhost:{port}/hook", "loopback"),  # a name: judged by what it resolves to
        ("http://[::1]:{port}/hook", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://127.1/", "loopback"),
        ("https://[::ffff:127.0.0.1]/", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.1.2.3/", "private"),
        ("https://0.0.0.0/", "this network"),
    ],
)
def test_blocked_destinations_are_refused_when_saved(guarded_hookline, receiver, url, reason):
    with client(guarded_hookline) as http:
        app = new_app(http)
        message = refused_url(
            http.post(f"/api/v1/app/{app}/endpoint", json={"url": url.format(port=receiver.port)})
        )
        assert reason in message
        assert http.get(f"/api/v1/app/{app}/endpoint").json()["data"] == []
        # …and on update and patch as well.
        ok = http.post(f"/api/v1/app/{app}/endpoint", json={"url": "https://8.8.8.8/hook"})
        assert ok.status_code == 201, ok.text
        path = f"/api/v1/app/{app}/endpoint/{ok.json()['id']}"
        refused_url(http.patch(path, json={"url": url.format(port=receiver.port)}))
        refused_url(http.put(path, json={"url": url.format(port=receiver.port)}))
        assert http.get(path).json()["url"] == "https://8.8.8.8/hook"


def test_an_unresolvable_host_is_refused(shared_hookline):
    with client(shared_hookline) as http:
        app = new_app(http)
        message = refused_url(
            http.post(
                f"/api/v1/app/{app}/endpoint", json={"url": "https://no-such-host.invalid/hook"}
            )
        )
        assert "could not be resolved" in message


def test_a_send_to_a_destination_blocked_since_it_was_saved_is_a_blocked_attempt(
    start_hookline, receiver
):
    """Saved (by an API-only server) while loopback was allowed; delivered by a server that no
    longer allows it: the worker's connect-time guard refuses, and the attempt says so."""
    allowed = start_hookline(args=("serve", "--no-worker"))
    svix = allowed.svix()
    app = svix.application.create(ApplicationIn(name="Later blocked"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"http://localhost:{receiver.port}/hook"))
    svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    allowed.stop()

    blocked = start_hookline(env={**NO_PRIVATE_NETWORKS, "HOOKLINE_RETRY_SCHEDULE": ""})
    with client(blocked) as http:
        attempt = wait_for_attempt(http, app.id, ep.id)
    assert attempt["failureKind"] == "blocked_address"
    assert attempt["responseStatusCode"] == 0
    assert "loopback" in attempt["response"]
    time.sleep(0.3)
    assert receiver.received() == []


# The URL saved is the URL that delivers

# (as given, as stored and returned). Every one of these is delivered to the receiver.
SPELLINGS = [
    ("http://127.1:{port}/short", "http://127.0.0.1:{port}/short"),
    ("http://2130706433:{port}/decimal", "http://127.0.0.1:{port}/decimal"),
    ("http://0177.0.0.1:{port}/octal", "http://127.0.0.1:{port}/octal"),
    ("http://0x7f.0.0.1:{port}/hex", "http://127.0.0.1:{port}/hex"),
    ("http://127.0.0.1.:{port}/dot", "http://127.0.0.1:{port}/dot"),
    ("http://\uff11\uff12\uff17.0.0.1:{port}/fullwidth", "http://127.0.0.1:{port}/fullwidth"),
    ("http://localhost.:{port}/name-dot", "http://localhost:{port}/name-dot"),
    ("HTTP://LocalHost:{port}/upper", "http://localhost:{port}/upper"),
    ("http://[::ffff:127.0.0.1]:{port}/mapped", "http://[::ffff:127.0.0.1]:{port}/mapped"),
    ("http://[::ffff:7f00:1]:{port}/mapped-hex", "http://[::ffff:127.0.0.1]:{port}/mapped-hex"),
    (
        "http://user:pa%20ss@127.0.0.1:{port}/userinfo",
        "http://user:pa%20ss@127.0.0.1:{port}/userinfo",
    ),
]


def test_every_accepted_spelling_is_stored_canonical_and_delivers(no_retries_hookline, receiver):
    with client(no_retries_hookline) as http:
        app = new_app(http)
        endpoints = {}
        for given, canonical in SPELLINGS:
            given = given.format(port=receiver.port)
            r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": given})
            assert r.status_code == 201, (given, r.text)
            assert r.json()["url"] == canonical.format(port=receiver.port), given
            endpoints[r.json()["id"]] = given
            path = f"/api/v1/app/{app}/endpoint/{r.json()['id']}"
            assert http.get(path).json()["url"] == r.json()["url"]
            # The returned form is accepted as it is, unchanged.
            again = http.patch(path, json={"url": r.json()["url"]})
            assert again.json()["url"] == r.json()["url"]
        r = http.post(f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {"n": 1}})
        assert r.status_code == 202, r.text
        for endpoint, given in endpoints.items():
            attempt = wait_for_attempt(http, app, endpoint)
            assert attempt["responseStatusCode"] == 204, (given, attempt)
    paths = sorted(received.path for received in receiver.received())
    assert paths == sorted(urlsplit(c).path for _, c in SPELLINGS)
    [userinfo] = [r for r in receiver.received() if r.path == "/userinfo"]
    assert userinfo.headers["authorization"] == "Basic " + base64.b64encode(b"user:pa ss").decode()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://256.1.1.1/", "looks like an IP address but is not a valid one"),
        ("http://127.0.0.256/", "looks like an IP address but is not a valid one"),
        ("http://1.2.3.4.5/", "looks like an IP address but is not a valid one"),
        ("https://[fe80::1%25eth0]/", "must not carry an IPv6 zone identifier"),
        ("https://hooks..example.com/", "is not a valid domain name"),
        ("https://exa$mple.com/", "is not a valid domain name"),
        ("https://%6c%6fcalhost/", "must not be percent-encoded"),
        ("https://127.0.0.1\\@example.com/", "must not contain backslashes"),
        ("ftp://127.0.0.1/", "scheme must be http or https"),
        ("https://example.com:0/", "port must be between 1 and 65535"),
    ],
)
def test_refused_spellings_are_422_naming_the_reason(shared_hookline, url, reason):
    with client(shared_hookline) as http:
        app = http.post("/api/v1/app", json={"name": "Spellings"}).json()["id"]
        r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": url})
        assert r.json()["code"] == "validation"
        assert reason in refused_url(r)
        assert http.get(f"/api/v1/app/{app}/endpoint").json()["data"] == []


def test_the_svix_sdk_gets_the_canonical_url_back(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Canonical"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"http://127.1:{receiver.port}/sdk"))
    assert ep.url == f"http://127.0.0.1:{receiver.port}/sdk"
    assert svix.endpoint.get(app.id, ep.id).url == ep.url


# Plain http


def test_plain_http_only_towards_allowed_networks(shared_hookline):
    with client(shared_hookline) as http:
        app = new_app(http)
        for url in ("http://127.0.0.1:9/ok", "http://localhost:9/ok", "https://8.8.8.8/ok"):
            r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": url})
            assert r.status_code == 201, (url, r.text)
        message = refused_url(
            http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://8.8.8.8/hook"})
        )
        assert "https" in message


def test_hookline_allow_http_accepts_plain_http_anywhere_public(start_hookline):
    hookline = start_hookline(env={"HOOKLINE_ALLOW_HTTP": "true"})
    with client(hookline) as http:
        app = new_app(http)
        r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://8.8.8.8/hook"})
        assert r.status_code == 201, r.text
        # Still no private destinations outside the allowed networks.
        refused_url(http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://10.0.0.1/"}))


# TLS settings


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def client_ca() -> trustme.CA:
    return trustme.CA()


def tls_body(issuer: trustme.CA, ca: trustme.CA) -> dict[str, str]:
    leaf = issuer.issue_cert("hookline@example.com")
    return {
        "clientCert": leaf.cert_chain_pems[0].bytes().decode(),
        "clientKey": leaf.private_key_pem.bytes().decode(),
        "caCert": ca.cert_pem.bytes().decode(),
    }


def test_tls_settings_are_stored_and_the_key_never_returned(shared_hookline, ca, client_ca):
    tls = tls_body(client_ca, ca)
    key_line = tls["clientKey"].splitlines()[1]
    with client(shared_hookline) as http:
        app = new_app(http)
        r = http.post(
            f"/api/v1/app/{app}/endpoint", json={"url": "https://127.0.0.1:9/", "tls": tls}
        )
        assert r.status_code == 201, r.text
        expected = {"clientCert": tls["clientCert"], "caCert": tls["caCert"], "hasClientKey": True}
        assert r.json()["tls"] == expected
        path = f"/api/v1/app/{app}/endpoint/{r.json()['id']}"
        for answer in (r, http.get(path), http.get(f"/api/v1/app/{app}/endpoint")):
            assert key_line not in answer.text
            assert "PRIVATE KEY" not in answer.text
        assert http.get(path).json()["tls"] == expected

        # PUT without `tls` keeps the settings (like the secret); PATCH with null removes them.
        r = http.put(path, json={"url": "https://127.0.0.1:10/"})
        assert r.json()["tls"] == expected
        r = http.patch(path, json={"description": "no tls change"})
        assert r.json()["tls"] == expected
        only_ca = {"caCert": tls["caCert"]}
        r = http.patch(path, json={"tls": only_ca})
        assert r.json()["tls"] == {
            "clientCert": None,
            "caCert": tls["caCert"],
            "hasClientKey": False,
        }
        r = http.patch(path, json={"tls": None})
        assert r.json()["tls"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda t, other: {**t, "clientCert": "-----BEGIN CERTIFICATE-----\ngarbage\n"},
            "clientCert",
        ),
        (lambda t, other: {**t, "clientKey": "not a key"}, "clientKey"),
        (lambda t, other: {**t, "caCert": "garbage"}, "caCert"),
        (lambda t, other: {**t, "clientKey": other["clientKey"]}, "clientKey"),  # not its key
        (lambda t, other: {"clientCert": t["clientCert"]}, "clientKey"),  # key missing
        (lambda t, other: {"clientKey": t["clientKey"]}, "clientCert"),  # cert missing
        (lambda t, other: {**t, "clientKey": _encrypted(t["clientKey"])}, "clientKey"),
    ],
)
def test_unusable_tls_settings_are_422(shared_hookline, ca, client_ca, change, field):
    tls, other = tls_body(client_ca, ca), tls_body(client_ca, ca)
    with client(shared_hookline) as http:
        app = new_app(http)
        r = http.post(
            f"/api/v1/app/{app}/endpoint",
            json={"url": "https://127.0.0.1:9/", "tls": change(tls, other)},
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "validation"
        assert r.json()["detail"][0]["loc"] == ["body", "tls", field]
        assert http.get(f"/api/v1/app/{app}/endpoint").json()["data"] == []
        r = http.post(
            f"/api/v1/app/{app}/endpoint",
            json={"url": "https://127.0.0.1:9/", "tls": {"clientCertificate": "x"}},
        )
        assert r.status_code == 422  # unknown fields in `tls` are mistakes, not ignored


def _encrypted(pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"password"),
    ).decode()


@pytest.fixture
def mtls_receiver(ca, client_ca) -> Iterator[OpenSslReceiver]:
    r = OpenSslReceiver(server_context(ca, client_ca)).start()
    yield r
    r.stop()


def test_mutual_tls_delivery_end_to_end(no_retries_hookline, mtls_receiver, ca, client_ca):
    with client(no_retries_hookline) as http:
        app = new_app(http)
        url = f"{mtls_receiver.url}/hook"
        with_cert = http.post(
            f"/api/v1/app/{app}/endpoint", json={"url": url, "tls": tls_body(client_ca, ca)}
        ).json()["id"]
        without_cert = http.post(
            f"/api/v1/app/{app}/endpoint",
            json={"url": url, "tls": {"caCert": ca.cert_pem.bytes().decode()}},
        ).json()["id"]
        untrusted = http.post(f"/api/v1/app/{app}/endpoint", json={"url": url}).json()["id"]
        r = http.post(f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {"m": 1}})
        assert r.status_code == 202, r.text

        delivered = wait_for_attempt(http, app, with_cert)
        refused = wait_for_attempt(http, app, without_cert)
        not_trusted = wait_for_attempt(http, app, untrusted)
    assert delivered["status"] == 0 and delivered["responseStatusCode"] == 200, delivered
    assert refused["failureKind"] == "tls", refused
    assert not_trusted["failureKind"] == "tls", not_trusted
    assert "certificate verify failed" in not_trusted["response"]
    assert mtls_receiver.requests == [b'{"m":1}']


# Custom headers


@pytest.mark.parametrize(
    "headers",
    [
        {f"X-H{i}": "v" for i in range(21)},
        {"X-Injected": "a\r\nX-Evil: 1"},
        {"X-Bell": "\x07"},
        {"Bad Name": "v"},
        {"Transfer-Encoding": "chunked"},
        {"Connection": "close"},
        {"svix-signature": "v1,forged"},
        {"X-Long": "v" * 4097},
        {"Content-Encoding": "gzip"},
        {"Content-Length": "12"},
        {"Host": "evil.example"},
        {"webhook-id": "msg_forged"},
        {"X-NEL": "a\x85b"},
        {"X-LS": "a\u2028b"},
        {"X-A": "1", "x-a": "2"},
    ],
)
def test_unacceptable_custom_headers_are_422(shared_hookline, headers):
    with client(shared_hookline) as http:
        app = http.post("/api/v1/app", json={"name": "Headers"}).json()["id"]
        ep = http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://127.0.0.1:9/"})
        assert ep.status_code == 201, ep.text
        path = f"/api/v1/app/{app}/endpoint/{ep.json()['id']}"
        for method, where in (("POST", f"/api/v1/app/{app}/endpoint"), ("PATCH", path)):
            r = http.request(method, where, json={"url": "http://127.0.0.1:9/", "headers": headers})
            assert r.status_code == 422, r.text
            problem = r.json()["detail"][0]
            assert problem["loc"][:2] == ["body", "headers"]
            if len(headers) <= 20:  # (the count rule names no header)
                assert repr(list(headers)[-1]) in problem["msg"]  # the header is named
        assert http.get(path).status_code == 200


def test_a_custom_user_agent_replaces_hooklines(shared_hookline, receiver):
    """Honoured end to end: the receiver sees the endpoint's User-Agent, once, and the
    signature still verifies; an endpoint without one gets Hookline's."""
    svix = shared_hookline.svix()
    with client(shared_hookline) as http:
        app = new_app(http, "ua")
        custom = {"User-Agent": "Acme-Hooks/1.0 (+https://acme.example)", "X-Tenant": "t 42"}
        for path, headers in (("/custom", custom), ("/plain", None)):
            r = http.post(
                f"/api/v1/app/{app}/endpoint",
                json={"url": f"{receiver.url}{path}", "headers": headers},
            )
            assert r.status_code == 201, r.text
        svix.message.create(app, MessageIn(event_type="ua.test", payload={"n": 1}))
        got = {r.path: r for r in receiver.wait_for(lambda reqs: len(reqs) >= 2)}
        lines = got["/custom"].header_lines
        assert [v for k, v in lines if k == "user-agent"] == [custom["User-Agent"]]
        assert ("x-tenant", "t 42") in lines
        plain_agents = [v for k, v in got["/plain"].header_lines if k == "user-agent"]
        assert len(plain_agents) == 1 and plain_agents[0].startswith("Hookline/")
        for path in ("/custom", "/plain"):
            ep = next(
                e
                for e in http.get(f"/api/v1/app/{app}/endpoint").json()["data"]
                if e["url"].endswith(path)
            )
            secret = http.get(f"/api/v1/app/{app}/endpoint/{ep['id']}/secret").json()["key"]
            StandardWebhook(secret).verify(got[path].body, got[path].headers)


def test_twenty_ordinary_custom_headers_are_fine(shared_hookline):
    with client(shared_hookline) as http:
        app = http.post("/api/v1/app", json={"name": "Headers"}).json()["id"]
        headers = {f"X-H{i}": "value\twith tab" for i in range(20)}
        r = http.post(
            f"/api/v1/app/{app}/endpoint", json={"url": "http://127.0.0.1:9/", "headers": headers}
        )
        assert r.status_code == 201, r.text


# The request line and headers


def _raw_request(port: int, header_bytes: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: "
            + b"a" * header_bytes
            + b"\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize("size", [40_000, 300_000, 5_000_000])
def test_oversized_request_heads_are_431(shared_hookline, size):
    answer = _raw_request(shared_hookline.port, size)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert b"request_header_fields_too_large" in answer
    assert _raw_request(shared_hookline.port, 16_000).startswith(b"HTTP/1.1 204 ")


def test_a_long_url_is_part_of_the_head(shared_hookline):
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        r = http.get("/api/v1/app", params={"iterator": "x" * 40_000})
        assert r.status_code == 431
        assert r.json()["code"] == "request_header_fields_too_large"
        assert http.get("/api/v1/health").status_code == 204
