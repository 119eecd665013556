"""Logging setup from the settings: text for people, JSON lines for log pipelines.

Only named fields reach a JSON line (`LOG_FIELDS`, passed as `extra=`): a secret, a payload or
a request body cannot slip into the logs through an unexpected attribute.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from hookline.config import Settings

# The context a record may carry, by name (`log.info(..., extra={"msg_id": ...})`).
LOG_FIELDS = (
    "app_id",
    "msg_id",
    "endpoint_id",
    "attempt_id",
    "status",
    "duration_ms",
    "failure_kind",
    "method",
    "route",
    "worker_id",
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in LOG_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Libraries stay at WARNING unless asked for DEBUG: their INFO lines are not Hookline's.
    library_level = logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
    for name in ("uvicorn", "sqlalchemy", "aiohttp", "alembic", "asyncio"):
        logging.getLogger(name).setLevel(max(library_level, root.level))
    access = logging.getLogger("hookline.access")
    # The access log has its own switch; it is written at INFO whatever the level is.
    access.setLevel(logging.INFO if settings.access_log else logging.CRITICAL + 1)
