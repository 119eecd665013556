"""Pure pieces of delivery control: recover pacing, idempotency digests, the expunged outcome."""

import pytest

from hookline.api.idempotency import _digest
from hookline.config import ConfigError, load_settings
from hookline.delivery import outcome
from hookline.store.recovery import recovery_due_times
from hookline.types import FailureKind


@pytest.mark.parametrize(("count", "rate"), [(1, 50.0), (10, 4.0), (1000, 50.0), (7, 0.5)])
def test_recovered_deliveries_become_due_at_most_rate_per_second(count, rate):
    due = recovery_due_times(10_000, count, rate)
    assert due[0] == 10_000
    assert due == sorted(due)
    assert len(due) == count
    for i, start in enumerate(due):  # any one-second window holds at most ceil(rate)
        in_window = [t for t in due[i:] if t < start + 1000]
        assert len(in_window) <= max(1, -(-rate // 1))
    assert due[-1] - due[0] >= int((count - 1) * 1000 / rate) - 1


def test_idempotency_digests_keep_their_parts_apart():
    assert _digest(b"ab", b"c") != _digest(b"a", b"bc")
    assert _digest(b"", b"x") != _digest(b"x", b"")
    assert _digest(b"a", b"b") == _digest(b"a", b"b")
    assert len(_digest(b"token", b"POST", b"/api/v1/app", b"key")) == 16


def test_a_removed_payload_fails_for_good_without_a_request():
    result = outcome.payload_removed()
    assert not result.succeeded
    assert not result.retryable
    assert result.failure_kind is FailureKind.EXPUNGED
    assert result.status_code == 0
    assert result.response_body.startswith("expunged: ")


def test_retention_and_recover_settings():
    defaults = load_settings({})
    assert (defaults.retention_days, defaults.retention_interval) == (90.0, 3600.0)
    assert defaults.recover_rate == 50.0
    custom = load_settings(
        {
            "HOOKLINE_RETENTION_DAYS": "0",
            "HOOKLINE_RETENTION_INTERVAL": "60",
            "HOOKLINE_RECOVER_RATE": "2.5",
        }
    )
    assert (custom.retention_days, custom.retention_interval, custom.recover_rate) == (
        0.0,
        60.0,
        2.5,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOOKLINE_RETENTION_DAYS", "-1"),
        ("HOOKLINE_RETENTION_DAYS", "forever"),
        ("HOOKLINE_RETENTION_INTERVAL", "0"),
        ("HOOKLINE_RECOVER_RATE", "0"),
        ("HOOKLINE_RECOVER_RATE", "fast"),
    ],
)
def test_bad_retention_and_recover_values_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
