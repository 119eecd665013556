"""Time as the store keeps it: integer milliseconds since the epoch."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)
