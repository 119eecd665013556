"""Reading the urlencoded forms the pages post (the guard has checked their CSRF token)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request


async def form_fields(request: Request) -> dict[str, str]:
    """The form's fields (the last value of a repeated name)."""
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
