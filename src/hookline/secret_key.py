"""Where the key for secrets at rest comes from: `HOOKLINE_SECRET_KEY`, or on SQLite a key
generated once into the data directory (`secret-key`, mode 0600), next to the database it
protects. PostgreSQL deployments run several processes, often on several hosts, which must all
use the same key: there Hookline cannot pick one by itself and refuses to start without it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from hookline.config import MIN_SECRET_KEY_CHARS, ConfigError, Settings
from hookline.secrets_at_rest import SecretBox, generate_secret_key

SECRET_KEY_FILE = "secret-key"
POSTGRES_NEEDS_KEY = (
    "HOOKLINE_SECRET_KEY must be set when the database is PostgreSQL (every process of the "
    "installation needs the same one; it encrypts endpoint secrets in the database). "
    "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
)


def _is_sqlite(settings: Settings) -> bool:
    return settings.database_url.startswith("sqlite")


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_CHARS:
        raise ConfigError(f"{path} must hold at least {MIN_SECRET_KEY_CHARS} characters")
    return key


def _create(path: Path) -> str | None:
    """Write a new key to `path` unless another process got there first (then None). The key
    is written to a private temporary file and linked into place, so no process ever reads a
    half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_secret_key()
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return key


def load_secret_key(settings: Settings, required: bool = True) -> tuple[str | None, Path | None]:
    """Returns (key, path of a key generated just now). With `required` false (`hookline
    migrate`), a missing key is not an error and nothing is generated: (None, None)."""
    if settings.secret_key:
        return settings.secret_key, None
    if not _is_sqlite(settings):
        if required:
            raise ConfigError(POSTGRES_NEEDS_KEY)
        return None, None
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    if path.exists():
        return _read(path), None
    if not required:
        return None, None
    key = _create(path)
    if key is None:
        return _read(path), None
    return key, path


def open_secret_box(settings: Settings, required: bool = True) -> tuple[SecretBox | None, str]:
    """The SecretBox for these settings and a line for the start-up banner ("" if none)."""
    key, generated = load_secret_key(settings, required)
    if key is None:
        return None, ""
    previous = (settings.secret_key_previous,) if settings.secret_key_previous else ()
    note = ""
    if generated is not None:
        note = (
            f"Secret key for secrets at rest generated into {generated}: back it up with the "
            "database; without it the endpoint secrets cannot be read"
        )
    return SecretBox(key, previous), note
