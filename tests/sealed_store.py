"""A store opened in-process as a server opens it: migrated, with endpoint secrets sealed under a
key of the test's own. For tests of the store's own code paths (publishing, the hand-off)."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from hookline.config import load_settings
from hookline.secret_key import open_secret_box
from hookline.store import Database, open_database


@contextlib.asynccontextmanager
async def sealed_store(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """`database_url` (PostgreSQL), or a fresh SQLite file under `tmp_path` when it is empty."""
    settings = load_settings(
        {
            "HOOKLINE_DATA_DIR": str(tmp_path),
            "HOOKLINE_SECRET_KEY": "store-test-secret-key-0123456789abcdef",
        }
    )
    box, _ = open_secret_box(settings)
    store = await open_database(database_url or f"sqlite:///{tmp_path}/store.db", secret_box=box)
    try:
        yield store
    finally:
        await store.close()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()
