"""Prefixed, time-sortable identifiers (`app_…`, `ep_…`, `msg_…`, `atmpt_…`).

An id is a prefix and 22 base62 characters encoding 48 bits of milliseconds and 80 random
bits. Ids of one kind sort by creation time as plain strings, which is what list pagination
(`iterator` = the last id seen) relies on.
"""

from __future__ import annotations

import re
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order
_WIDTH = 22  # 62**22 > 2**128

APPLICATION = "app"
ENDPOINT = "ep"
MESSAGE = "msg"
ATTEMPT = "atmpt"
TASK = "qtask"  # a background task's summary (endpoint recovery)
# Every prefix Hookline issues. A key of one of these shapes is only ever an id: callers may
# not choose it as a uid or eventId, so a chosen key can never pass for another object's id.
ISSUED_PREFIXES = (APPLICATION, ENDPOINT, MESSAGE, ATTEMPT, TASK)
_ID_SHAPE = re.compile(rf"(?:{'|'.join(ISSUED_PREFIXES)})_[0-9A-Za-z]{{{_WIDTH}}}")


def _base62(number: int) -> str:
    chars = []
    for _ in range(_WIDTH):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = ((millis & 0xFFFFFFFFFFFF) << 80) | secrets.randbits(80)
    return f"{prefix}_{_base62(value)}"


def has_prefix(value: str, prefix: str) -> bool:
    return value.startswith(prefix + "_") and looks_like_id(value)


def looks_like_id(key: str) -> bool:
    """Whether `key` has the shape of an id Hookline issues (any prefix, `_`, 22 base62
    characters). Lookups match such a key against the id column only, and a uid or eventId
    of this shape is refused."""
    return _ID_SHAPE.fullmatch(key) is not None


def created_ms(value: str) -> int:
    """The creation time (ms) encoded in an id made by `new_id`."""
    number = 0
    for char in value.rpartition("_")[2]:
        number = number * 62 + _ALPHABET.index(char)
    return number >> 80


def lowest_id(prefix: str, millis: int) -> str:
    """The smallest id of this kind created at `millis`: every id created earlier sorts below
    it, so "created before T" is a primary-key range (used by retention)."""
    return f"{prefix}_{_base62((max(millis, 0) & 0xFFFFFFFFFFFF) << 80)}"


def pattern(prefix: str) -> str:
    """A regular expression matching exactly the ids of this kind."""
    return f"^{prefix}_[0-9A-Za-z]{{{_WIDTH}}}$"
