"""JSON responses rendered with orjson (fast, and exact about what it emits)."""

from typing import Any

import orjson
from starlette.responses import JSONResponse


class OrjsonResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(
    status_code: int, code: str, detail: Any, headers: dict[str, str] | None = None
) -> OrjsonResponse:
    """Svix's error body: `{"code": …, "detail": …}`."""
    return OrjsonResponse(
        {"code": code, "detail": detail}, status_code=status_code, headers=headers
    )


# For answers that carry a secret: no cache may keep them, and neither may the idempotency
# store (api/idempotency.py), which would put the secret in the database in plaintext.
NO_STORE = {"Cache-Control": "no-store"}
