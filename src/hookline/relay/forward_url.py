"""Where `hookline listen` may forward to, and the session name it picks. Pure functions.

Only loopback URLs unless `--allow-remote`: the listener POSTs signed webhooks with whatever
the server sends, and a typo should not send them to another machine.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit


class ForwardUrlError(ValueError):
    pass


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_forward_url(url: str, allow_remote: bool = False) -> str:
    """`url` if the listener may POST to it: http(s) with a host, and a loopback host
    (localhost, 127.0.0.0/8, ::1) unless `allow_remote`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ForwardUrlError(f"not a URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForwardUrlError(f"the local URL must be http:// or https:// with a host: {url!r}")
    del port  # parsed only to refuse a bad one
    if not allow_remote and not _is_loopback(parts.hostname):
        raise ForwardUrlError(
            f"{parts.hostname} is not a loopback address (localhost, 127.0.0.0/8, ::1); "
            "give --allow-remote to forward elsewhere"
        )
    return url


def default_name(url: str) -> str:
    """A stable session name from the local URL, so that a listener started again resumes
    its relay endpoint (and its secret): http://localhost:3000/webhooks gives
    localhost-3000-webhooks."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    raw = f"{parts.hostname}-{port}{parts.path}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-")
    return name[:100] or "listen"


def websocket_url(server: str) -> str:
    """The relay route of the API at `server` (http → ws, https → wss)."""
    base = server.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + "/api/v1/relay/listen"
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + "/api/v1/relay/listen"
    raise ForwardUrlError(f"the server must be an http:// or https:// URL: {server!r}")
