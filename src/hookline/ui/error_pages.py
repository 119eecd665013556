"""Error pages: a clear message in the layout, with the status it is about."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from hookline.ui.templating import render


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status
    )
