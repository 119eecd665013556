"""Templates and their helpers: the Jinja2 environment (autoescape on for everything), the
filters the templates use, and `render`, which gives every page its common context.

Filters: `reltime` ("3 minutes ago"), `isotime` and `exacttime` (for `<time>`'s `datetime`
and `title`), `pretty_json`, `percent`, `ms`. Globals: `static_url(name)`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hookline import __version__
from hookline.recorded_headers import REDACTED
from hookline.ui.request_state import area_of, web_session
from hookline.ui.static_files import StaticAssets

_UNITS = (("day", 86_400), ("hour", 3600), ("minute", 60), ("second", 1))


def relative_time(at_ms: int | None, now: int | None = None) -> str:
    """`at_ms` from now in words: "just now", "5 minutes ago", "in 2 hours"."""
    if at_ms is None:
        return "never"
    delta = ((int(time.time() * 1000) if now is None else now) - at_ms) // 1000
    seconds = abs(delta)
    if seconds < 5:
        return "just now"
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"{words} ago" if delta > 0 else f"in {words}"
    return "just now"  # pragma: no cover - seconds >= 5 always matches a unit


def iso_time(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="milliseconds")


def exact_time(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def pretty_json(value: Any) -> str:
    """JSON (a parsed value, or bytes/text holding JSON) indented for reading; text that is
    not JSON comes back as it is."""
    if isinstance(value, bytes | bytearray):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        text: str = value
        try:
            value = json.loads(text)
        except ValueError:
            return text
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@jinja2.pass_context
def _page_relative_time(context: jinja2.runtime.Context, at_ms: int | None) -> str:
    # Against the store's clock (`now_ms` from `render`), the one the times were written with.
    return relative_time(at_ms, context.get("now_ms"))


def percent(part: float, whole: float) -> str:
    """`part` of `whole` with one decimal; only a whole counts as 100% (99.99% of successes
    is not shown as a perfect score)."""
    if not whole:
        return "–"
    if part == whole:
        return "100%"
    return f"{min(100 * part / whole, 99.9):.1f}%"


def milliseconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def environment(assets: StaticAssets) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hookline.ui", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        reltime=_page_relative_time,
        isotime=iso_time,
        exacttime=exact_time,
        pretty_json=pretty_json,
        percent=percent,
        ms=milliseconds,
    )
    env.globals.update(static_url=assets.url, version=__version__, redacted=REDACTED)
    return env


def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page `template` with the common context: `area` and `session` (None on public
    pages), `csrf_token` for forms, `path` for the navigation."""
    env: jinja2.Environment = request.app.state.templates
    session = web_session(request)
    db = getattr(request.app.state, "db", None)
    page = env.get_template(template).render(
        {
            "area": area_of(request),
            "session": session,
            "csrf_token": session.csrf_token if session else "",
            "path": request.url.path,
            "query": request.query_params,
            "now_ms": db.clock.now_ms() if db is not None else None,
            **(context or {}),
        }
    )
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})
