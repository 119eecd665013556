import ssl

import aiohttp
import pytest

from hookline.delivery import outcome
from hookline.types import FailureKind


@pytest.mark.parametrize(
    ("status", "succeeded"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (302, False),
        (400, False),
        (410, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_only_2xx_is_delivered(status, succeeded):
    result = outcome.from_response(status, b"body", 12, None)
    assert result.succeeded is succeeded
    assert result.failure_kind is (None if succeeded else FailureKind.HTTP_STATUS)
    assert result.response_body == "body"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), FailureKind.TIMEOUT),
        (aiohttp.ServerTimeoutError(), FailureKind.TIMEOUT),
        (ssl.SSLError(), FailureKind.TLS),
        (ConnectionRefusedError(), FailureKind.CONNECTION),
        (aiohttp.ServerDisconnectedError(), FailureKind.CONNECTION),
        (aiohttp.InvalidURL("x"), FailureKind.INVALID_URL),
        (RuntimeError("boom"), FailureKind.ERROR),
    ],
)
def test_exceptions_are_classified(exc, kind):
    result = outcome.from_exception(exc, 5)
    assert result.failure_kind is kind
    assert result.status_code == 0 and not result.succeeded


def test_blocked_wins_over_the_exception_type():
    assert (
        outcome.from_exception(OSError(), 1, blocked=True).failure_kind
        is FailureKind.BLOCKED_ADDRESS
    )


@pytest.mark.parametrize(("value", "seconds"), [("120", 120.0), ("0", 0.0), ("soon", None)])
def test_retry_after(value, seconds):
    assert outcome.parse_retry_after(value) == seconds


def test_undecodable_body_is_kept_readable():
    assert outcome.from_response(500, b"\xff\xfe", 1, None).response_body == "\ufffd\ufffd"


# TLS failures, wherever aiohttp puts them


def _connector_error(os_error: OSError, is_ssl: bool) -> aiohttp.ClientConnectorError:
    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("127.0.0.1", 443, is_ssl, True, None, None, None)
    return aiohttp.ClientConnectorError(key, os_error)


def test_an_ssl_alert_inside_a_client_os_error_is_tls():
    # How a TLS 1.3 server's "certificate required" alert reaches us: after the handshake,
    # while reading the response.
    alert = ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert")
    wrapped = aiohttp.ClientOSError(1, str(alert))
    wrapped.__cause__ = alert
    assert outcome.failure_kind(wrapped) is FailureKind.TLS


def test_a_reset_during_an_https_connect_is_tls_but_not_for_http():
    error = _connector_error(ConnectionResetError(104, "reset"), is_ssl=True)
    assert outcome.failure_kind(error, https=True) is FailureKind.TLS
    assert outcome.failure_kind(error, https=False) is FailureKind.CONNECTION
    refused = _connector_error(ConnectionRefusedError(111, "refused"), is_ssl=True)
    assert outcome.failure_kind(refused, https=True) is FailureKind.CONNECTION


def test_unusable_tls_settings_are_tls_not_invalid_url():
    from hookline.delivery.tls import TlsSettingsError

    error = TlsSettingsError("clientKey", "the endpoint's TLS client key cannot be read")
    assert outcome.failure_kind(error) is FailureKind.TLS


def test_a_reset_after_an_https_handshake_is_a_connection_failure_with_a_hint():
    result = outcome.from_exception(aiohttp.ClientOSError(104, "reset"), 3, https=True)
    assert result.failure_kind is FailureKind.CONNECTION
    assert "client certificate" in result.response_body
    plain = outcome.from_exception(aiohttp.ClientOSError(104, "reset"), 3, https=False)
    assert "client certificate" not in plain.response_body


def test_the_alert_a_connection_was_lost_with_decides_and_is_quoted():
    vague = aiohttp.ClientOSError(None, "Can not write request body for https://x/")
    alert = ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert")
    result = outcome.from_exception(vague, 2, https=True, tls_alert=alert)
    assert result.failure_kind is FailureKind.TLS
    assert "CERTIFICATE_REQUIRED" in result.response_body
    assert "Can not write request body" in result.response_body
