"""The pure parts of `hookline listen`: where it may forward, the session name it picks, the
server's WebSocket URL, the reconnection backoff, and how an answer becomes an attempt."""

from __future__ import annotations

import pytest

from hookline import relay_frames
from hookline.config import Settings
from hookline.delivery.relay_sender import RelaySender
from hookline.relay.forward_url import (
    ForwardUrlError,
    checked_forward_url,
    default_name,
    websocket_url,
)
from hookline.relay.listener import backoff_delays
from hookline.types import FailureKind


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:3000/webhooks",
        "http://LOCALHOST/x",
        "http://127.0.0.1:8000/",
        "http://127.9.8.7/",
        "https://[::1]:8443/hooks",
    ],
)
def test_loopback_urls_are_accepted(url):
    assert checked_forward_url(url) == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://10.1.2.3:3000/hook", "not a loopback address"),
        ("http://192.168.1.2/", "--allow-remote"),
        ("http://[::2]/", "not a loopback address"),
        ("http://localhost.example/", "not a loopback address"),
        ("ftp://localhost/", "http:// or https://"),
        ("localhost:3000", "http:// or https://"),
        ("http:///path", "with a host"),
        ("http://localhost:99999/", "not a URL"),
    ],
)
def test_other_urls_are_refused(url, problem):
    with pytest.raises(ForwardUrlError, match=problem):
        checked_forward_url(url)


def test_allow_remote_accepts_another_host():
    assert checked_forward_url("http://10.1.2.3/", allow_remote=True) == "http://10.1.2.3/"
    with pytest.raises(ForwardUrlError):
        checked_forward_url("ftp://10.1.2.3/", allow_remote=True)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://localhost:3000/webhooks", "localhost-3000-webhooks"),
        ("http://127.0.0.1/", "127.0.0.1-80"),
        ("https://[::1]/a/b?c=d", "1-443-a-b"),
        ("http://localhost:3000/" + "x" * 200, "localhost-3000-" + "x" * 85),
    ],
)
def test_the_default_name_comes_from_the_local_url(url, name):
    assert default_name(url) == name


@pytest.mark.parametrize(
    ("server", "ws"),
    [
        ("http://127.0.0.1:8071", "ws://127.0.0.1:8071/api/v1/relay/listen"),
        ("https://hooks.example/", "wss://hooks.example/api/v1/relay/listen"),
        ("https://hooks.example/prefix", "wss://hooks.example/prefix/api/v1/relay/listen"),
    ],
)
def test_the_websocket_url_is_below_the_api(server, ws):
    assert websocket_url(server) == ws


def test_reconnection_waits_double_up_to_a_ceiling():
    assert backoff_delays(0.5, 10.0) == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]


SENT = (("webhook-id", "msg_1"),)


def _outcome(answer: relay_frames.Answer, limit: int = 4096):  # type: ignore[no-untyped-def]
    sender = RelaySender(Settings(response_body_limit=limit), "worker-a")
    return sender._outcome(answer, SENT)


def test_a_local_2xx_delivers_and_is_recorded_as_an_http_answer():
    got = _outcome(relay_frames.Answer("d1", 204, {"X-Seen": "yes"}, b"done", 7))
    assert got.succeeded and got.status_code == 204 and got.duration_ms == 7
    assert got.response_body == "done" and got.request_headers == SENT
    assert got.response_headers == (("X-Seen", "yes"),)  # as recorded for an HTTP answer


def test_a_local_failure_is_retried_as_any_other():
    got = _outcome(relay_frames.Answer("d1", 503, {"Retry-After": "7"}, b"x" * 9000, 3), 100)
    assert not got.succeeded and got.failure_kind is FailureKind.HTTP_STATUS
    assert got.retry_after == 7.0 and got.response_body == "x" * 100  # capped by the server


@pytest.mark.parametrize("kind", ["connection", "timeout"])
def test_no_local_answer_is_a_failure_of_that_kind(kind):
    got = _outcome(relay_frames.Answer("d1", 0, {}, b"", 30, kind, "refused"))
    assert not got.succeeded and got.failure_kind is FailureKind(kind)
    assert got.status_code == 0 and "at the listener's local URL: refused" in got.response_body


def _job(endpoint_id: str = "ep_1"):  # type: ignore[no-untyped-def]
    from hookline import signing
    from hookline.types import DeliveryJob, TriggerType

    return DeliveryJob(
        delivery_id=1,
        app_id="app_1",
        msg_id="msg_1",
        endpoint_id=endpoint_id,
        url="relay://ep_1",
        secrets=(signing.generate_secret(),),
        headers={},
        payload=b'{"a":1}',
        attempt_count=0,
        trigger=TriggerType.SCHEDULED,
        relay=True,
        event_type="a.b",
    )


async def test_without_a_listener_the_attempt_fails_with_connection():
    got = await RelaySender(Settings(), "worker-a").send(_job())
    assert got.failure_kind is FailureKind.CONNECTION and got.request_headers is not None


async def test_a_frame_goes_out_and_its_answer_is_the_outcome():
    import asyncio

    sender = RelaySender(Settings(), "worker-a")
    sent: list[str] = []

    async def send_text(text: str) -> None:
        sent.append(text)
        frame = relay_frames.decode(text)
        assert isinstance(frame, relay_frames.Delivery)
        assert frame.body == b'{"a":1}' and frame.event_type == "a.b" and frame.attempt == 1
        assert frame.headers["webhook-id"] == "msg_1"
        asyncio.get_running_loop().call_soon(
            channel.answered, relay_frames.Answer(frame.id, 202, {}, b"", 5)
        )

    channel = sender.open("ep_1", send_text)
    got = await sender.send(_job())
    assert got.succeeded and got.status_code == 202 and len(sent) == 1


async def test_a_listener_leaving_mid_request_fails_it_with_connection():
    import asyncio

    sender = RelaySender(Settings(), "worker-a")

    async def send_text(_text: str) -> None:
        asyncio.get_running_loop().call_soon(sender.release, channel)

    channel = sender.open("ep_1", send_text)
    got = await sender.send(_job())
    assert got.failure_kind is FailureKind.CONNECTION
    # Gone: the next one finds no listener.
    again = await sender.send(_job())
    assert again.response_body.endswith("no listener is connected to this relay endpoint")


async def test_a_closed_socket_is_a_connection_failure():
    sender = RelaySender(Settings(), "worker-a")

    async def send_text(_text: str) -> None:
        raise RuntimeError('Cannot call "send" once a close message has been sent.')

    sender.open("ep_1", send_text)
    assert (await sender.send(_job())).failure_kind is FailureKind.CONNECTION
