"""Where a client command connects to: flags, then the environment, then a profile file.

Profiles live in TOML (`$XDG_CONFIG_HOME/hookline/profiles.toml`):

    default = "local"          # the profile used when no --profile is given (optional)

    [profiles.local]
    server = "http://127.0.0.1:8071"
    token = "hl_admin_…"

Pure apart from reading the one file it is pointed at.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConnectionSettingError(ValueError):
    """No server or token could be found, or the profile file is unusable."""


@dataclass(frozen=True)
class Connection:
    server: str
    token: str = field(repr=False)


def read_profiles(path: Path) -> dict[str, Any]:
    """The parsed file, or {} when there is none."""
    try:
        with path.expanduser().open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConnectionSettingError(f"{path}: not valid TOML: {exc}") from None


def pick_profile(document: dict[str, Any], name: str | None, path: Path) -> dict[str, Any]:
    """The named profile (an error if it is missing), else the file's default one, else {}."""
    profiles = document.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConnectionSettingError(f"{path}: `profiles` must be a table")
    chosen = name or document.get("default")
    if chosen is None:
        return {}
    profile = profiles.get(chosen)
    if not isinstance(profile, dict):
        known = ", ".join(sorted(profiles)) or "none"
        raise ConnectionSettingError(f"no profile {chosen!r} in {path} (profiles: {known})")
    return profile


def resolve_connection(
    *,
    server_flag: str | None,
    token_flag: str | None,
    profile_name: str | None,
    env_server: str | None,
    env_token: str | None,
    profiles_path: Path,
) -> Connection:
    """Each of server and token from the first that gives it: its flag; the profile named
    with --profile; HOOKLINE_URL / HOOKLINE_TOKEN; the file's default profile. A profile asked
    for by name beats the environment (it was asked for on this command line); a default
    profile does not (an exported variable is the more specific wish)."""
    profile = pick_profile(read_profiles(profiles_path), profile_name, profiles_path)
    named = profile if profile_name else {}
    fallback = {} if profile_name else profile
    server = server_flag or named.get("server") or env_server or fallback.get("server")
    token = token_flag or named.get("token") or env_token or fallback.get("token")
    if not server:
        raise ConnectionSettingError(
            f"no server: give --server URL, set HOOKLINE_URL, or add a profile to {profiles_path}"
        )
    if not token:
        raise ConnectionSettingError(
            f"no token: give --token TOKEN, set HOOKLINE_TOKEN, or add a profile to {profiles_path}"
        )
    if not isinstance(server, str) or not server.startswith(("http://", "https://")):
        raise ConnectionSettingError(f"the server must be an http:// or https:// URL: {server!r}")
    if not isinstance(token, str):
        raise ConnectionSettingError("the token must be a string")
    return Connection(server.rstrip("/"), token)
