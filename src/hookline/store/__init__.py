"""All SQL lives here. The API and the worker talk to `Database` and its repositories."""

from hookline.store.database import Database, open_database
from hookline.store.errors import (
    Conflict,
    InvalidKey,
    NotFound,
    PayloadRemoved,
    StoreFull,
    StoreUnavailable,
)

__all__ = [
    "Conflict",
    "Database",
    "InvalidKey",
    "NotFound",
    "PayloadRemoved",
    "StoreFull",
    "StoreUnavailable",
    "open_database",
]
