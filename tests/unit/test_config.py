import ipaddress
from pathlib import Path

import pytest

from hookline.config import DEFAULT_RETRY_SCHEDULE, ConfigError, default_public_url, load_settings


def test_defaults():
    s = load_settings({})
    assert s.retry_schedule == DEFAULT_RETRY_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert s.request_timeout == 15
    assert s.allow_private_networks == ()
    assert s.max_payload_bytes == 512 * 1024
    assert s.database_url == f"sqlite:///{(Path('hookline-data') / 'hookline.db').resolve()}"
    assert s.lease_seconds > s.request_timeout
    assert s.idempotency_lease_seconds == 60


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


def test_idempotency_lease_is_parsed():
    s = load_settings({"HOOKLINE_IDEMPOTENCY_LEASE_SECONDS": "2.5"})
    assert s.idempotency_lease_seconds == 2.5


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
        ("HOOKLINE_STATS_FIVE_MINUTE_DAYS", "3"),
        ("HOOKLINE_STATS_FIVE_MINUTE_DAYS", "-1"),
        ("HOOKLINE_IDEMPOTENCY_LEASE_SECONDS", "0.5"),
        ("HOOKLINE_IDEMPOTENCY_LEASE_SECONDS", "soon"),
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


# Public URL and trusted proxies


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://hooks.example.com", "https://hooks.example.com"),
        ("https://hooks.example.com/", "https://hooks.example.com"),
        ("  http://10.0.0.5:8071  ", "http://10.0.0.5:8071"),
        ("https://example.com/hookline/", "https://example.com/hookline"),
        ("http://[2001:db8::1]:8071", "http://[2001:db8::1]:8071"),
    ],
)
def test_public_url_is_normalised(raw, expected):
    assert load_settings({"HOOKLINE_PUBLIC_URL": raw}).public_url == expected


@pytest.mark.parametrize(
    "raw",
    [
        "hooks.example.com",  # not absolute
        "/api",
        "ftp://hooks.example.com",
        "https://",
        "https://hooks.example.com/?a=1",
        "https://hooks.example.com/?",
        "https://hooks.example.com/#x",
        "https://user:pw@hooks.example.com",
        "https://hooks.example.com:99999",
        "https://hooks.example.com:port",
    ],
)
def test_bad_public_urls_are_refused(raw):
    with pytest.raises(ConfigError, match="HOOKLINE_PUBLIC_URL"):
        load_settings({"HOOKLINE_PUBLIC_URL": raw})


def test_public_url_default_is_left_to_serve():
    assert load_settings({}).public_url == ""
    assert default_public_url("127.0.0.1", 8071) == "http://127.0.0.1:8071"
    assert default_public_url("::1", 8071) == "http://[::1]:8071"


def test_trusted_proxies():
    assert load_settings({}).trusted_proxies == ()
    s = load_settings({"HOOKLINE_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
    assert s.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.1/32"),
    )
    with pytest.raises(ConfigError, match="HOOKLINE_TRUSTED_PROXIES: 'nope'"):
        load_settings({"HOOKLINE_TRUSTED_PROXIES": "nope"})


def test_observability_defaults():
    s = load_settings({})
    assert s.metrics_token is None
    assert s.metrics_port == 0
    assert s.metrics_per_app is False
    assert (s.log_format, s.log_level, s.access_log) == ("text", "WARNING", False)


def test_observability_settings_are_parsed():
    s = load_settings(
        {
            "HOOKLINE_METRICS_TOKEN": " scrape-me ",
            "HOOKLINE_METRICS_PORT": "9464",
            "HOOKLINE_METRICS_PER_APP": "true",
            "HOOKLINE_LOG_FORMAT": "JSON",
            "HOOKLINE_LOG_LEVEL": "info",
            "HOOKLINE_ACCESS_LOG": "on",
        }
    )
    assert s.metrics_token == "scrape-me"
    assert s.metrics_port == 9464
    assert s.metrics_per_app is True
    assert (s.log_format, s.log_level, s.access_log) == ("json", "INFO", True)
    assert "scrape-me" not in repr(s)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOOKLINE_METRICS_PORT", "http"),
        ("HOOKLINE_METRICS_PORT", "-1"),
        ("HOOKLINE_METRICS_PORT", "65536"),
        ("HOOKLINE_METRICS_PER_APP", "maybe"),
        ("HOOKLINE_LOG_FORMAT", "xml"),
        ("HOOKLINE_LOG_LEVEL", "loud"),
        ("HOOKLINE_ACCESS_LOG", "2"),
    ],
)
def test_bad_observability_values_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_five_minute_counters_keep():
    assert load_settings({}).stats_five_minute_days == 30.0
    assert load_settings({"HOOKLINE_STATS_FIVE_MINUTE_DAYS": "0"}).stats_five_minute_days == 0.0
    assert load_settings({"HOOKLINE_STATS_FIVE_MINUTE_DAYS": "7"}).stats_five_minute_days == 7.0


def test_keeping_messages_for_disabled_endpoints_is_off_unless_asked():
    assert load_settings({}).keep_messages_for_disabled_endpoints is False
    on = load_settings({"HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS": "true"})
    assert on.keep_messages_for_disabled_endpoints is True
    with pytest.raises(ConfigError, match="HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS"):
        load_settings({"HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS": "sometimes"})
