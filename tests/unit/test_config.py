import ipaddress
from pathlib import Path

import pytest

from hookline.config import DEFAULT_RETRY_SCHEDULE, ConfigError, load_settings


def test_defaults():
    s = load_settings({})
    assert s.retry_schedule == DEFAULT_RETRY_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert s.request_timeout == 15
    assert s.allow_private_networks == ()
    assert s.max_payload_bytes == 512 * 1024
    assert s.database_url == f"sqlite:///{(Path('hookline-data') / 'hookline.db').resolve()}"
    assert s.lease_seconds > s.request_timeout


def test_values_are_parsed():
    s = load_settings(
        {
            "HOOKLINE_DATA_DIR": "/tmp/x",
            "HOOKLINE_RETRY_SCHEDULE": "1, 2.5,10",
            "HOOKLINE_REQUEST_TIMEOUT": "3",
            "HOOKLINE_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8, ::1, 10.1.2.3",
            "HOOKLINE_DATABASE_URL": "postgresql://u@h/db",
            "HOOKLINE_ADMIN_TOKEN": "secret-token",
        }
    )
    assert s.retry_schedule == (1.0, 2.5, 10.0)
    assert s.request_timeout == 3.0
    assert s.allow_private_networks == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("10.1.2.3/32"),
    )
    assert s.database_url == "postgresql://u@h/db"
    assert s.admin_token == "secret-token"
    assert s.data_dir == Path("/tmp/x")


def test_empty_schedule_disables_retries():
    assert load_settings({"HOOKLINE_RETRY_SCHEDULE": ""}).retry_schedule == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOOKLINE_RETRY_SCHEDULE", "5,soon"),
        ("HOOKLINE_RETRY_SCHEDULE", "-1"),
        ("HOOKLINE_REQUEST_TIMEOUT", "fast"),
        ("HOOKLINE_REQUEST_TIMEOUT", "0"),
        ("HOOKLINE_ALLOW_PRIVATE_NETWORKS", "localhost"),
        ("HOOKLINE_MAX_PAYLOAD_BYTES", "1.5"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_security_settings():
    s = load_settings(
        {
            "HOOKLINE_ALLOW_HTTP": "true",
            "HOOKLINE_SECRET_KEY": " " + "k" * 32 + " ",
            "HOOKLINE_SECRET_KEY_PREVIOUS": "p" * 40,
            "HOOKLINE_ADMIN_TOKEN": "admin-token-value",
        }
    )
    assert s.allow_http is True
    assert s.secret_key == "k" * 32
    assert s.secret_key_previous == "p" * 40
    for secret in ("k" * 32, "p" * 40, "admin-token-value"):
        assert secret not in repr(s)  # settings may be logged; secrets must not be
    defaults = load_settings({})
    assert defaults.allow_http is False and defaults.secret_key is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOOKLINE_SECRET_KEY", "k" * 31),
        ("HOOKLINE_SECRET_KEY_PREVIOUS", "short"),
        ("HOOKLINE_ALLOW_HTTP", "maybe"),
    ],
)
def test_bad_security_values_are_refused_without_echoing_secrets(name, value):
    with pytest.raises(ConfigError, match=name) as err:
        load_settings({name: value})
    if "SECRET" in name:
        assert value not in str(err.value)
