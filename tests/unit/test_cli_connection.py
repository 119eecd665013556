"""Where a client command connects to (flags, profile, environment), and `--since` values."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hookline.cli.profiles import Connection, ConnectionSettingError, resolve_connection
from hookline.cli.time_input import parse_time
from hookline.config import load_client_environment

PROFILES = """
default = "local"

[profiles.local]
server = "http://127.0.0.1:8071/"
token = "local-token"

[profiles.staging]
server = "https://127.0.0.1:9443"
token = "staging-token"

[profiles.half]
server = "http://[::1]:8071"
"""


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(PROFILES)
    return path


ENV = ("http://127.0.0.1:1111", "env-token")
CASES = [
    # (flags server/token, --profile, env server/token, expected)
    ((None, None), None, (None, None), ("http://127.0.0.1:8071", "local-token")),
    ((None, None), None, ENV, ENV),
    ((None, None), "staging", ENV, ("https://127.0.0.1:9443", "staging-token")),
    (("http://127.0.0.1:2222", None), "staging", ENV, ("http://127.0.0.1:2222", "staging-token")),
    ((None, "flag-token"), None, ENV, ("http://127.0.0.1:1111", "flag-token")),
    ((None, None), "half", ENV, ("http://[::1]:8071", "env-token")),
]


@pytest.mark.parametrize(("flags", "profile", "env", "expected"), CASES)
def test_flags_then_named_profile_then_environment_then_default_profile(  # type: ignore[no-untyped-def]
    profiles, flags, profile, env, expected
):
    got = resolve_connection(
        server_flag=flags[0],
        token_flag=flags[1],
        profile_name=profile,
        env_server=env[0],
        env_token=env[1],
        profiles_path=profiles,
    )
    assert got == Connection(*expected)


@pytest.mark.parametrize(
    ("profile", "env", "text", "message"),
    [
        ("nope", ENV, PROFILES, "no profile 'nope'"),
        (None, (None, None), "", "no server"),
        (None, ("http://127.0.0.1:1", None), "", "no token"),
        (None, ("127.0.0.1:8071", "t"), "", "http:// or https://"),
        (None, ENV, "default = [", "not valid TOML"),
    ],
    ids=["unknown profile", "nothing", "no token", "not a URL", "broken file"],
)
def test_what_cannot_connect_is_refused_with_why(tmp_path, profile, env, text, message):  # type: ignore[no-untyped-def]
    path = tmp_path / "profiles.toml"
    if text:
        path.write_text(text)
    with pytest.raises(ConnectionSettingError, match=message):
        resolve_connection(
            server_flag=None,
            token_flag=None,
            profile_name=profile,
            env_server=env[0],
            env_token=env[1],
            profiles_path=path,
        )


def test_the_client_reads_only_its_own_variables():
    # A shell that also runs a server: its settings (even unusable ones) are not the client's.
    env = {
        "HOOKLINE_URL": " http://127.0.0.1:8071 ",
        "HOOKLINE_TOKEN": "t",
        "HOOKLINE_RETRY_SCHEDULE": "not numbers",
        "XDG_CONFIG_HOME": "/etc/xdg-test",
    }
    client = load_client_environment(env)
    assert (client.url, client.token) == ("http://127.0.0.1:8071", "t")
    assert client.profiles_path == Path("/etc/xdg-test/hookline/profiles.toml")
    assert load_client_environment({"HOME": "/home/u"}).profiles_path == Path(
        "/home/u/.config/hookline/profiles.toml"
    )


NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", datetime(2026, 12, 2, 11, 30, tzinfo=UTC)),
        ("6h", datetime(2026, 12, 2, 6, 0, tzinfo=UTC)),
        ("2d", datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        ("1w", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        ("45s", datetime(2026, 12, 2, 11, 59, 15, tzinfo=UTC)),
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:00+01:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
    ],
)
def test_since_is_a_time_or_a_span_back(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "-2h", "2 fortnights", ""])
def test_other_since_values_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="neither an ISO 8601 time"):
        parse_time(text, NOW)


def test_the_server_commands_start_without_the_sdk():
    # `serve` and `worker` load the command line too: the SDK (a second or so of imports on a
    # busy machine) is for the client commands alone.
    probe = "import sys, hookline.cli; hookline.cli.build(); print('svix' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
