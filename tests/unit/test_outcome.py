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
