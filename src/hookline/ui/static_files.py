"""The pages' static files, served under content-hashed URLs.

Every file under `static/` is read once at start and gets the URL
`/assets/<first 16 hex digits of its SHA-256>/<path>`. A new release changes the URL of every
file that changed, so browsers may keep each one for a year (`immutable`) and never see a
stale copy. A URL with an old hash answers 404 rather than a different file.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

PREFIX = "/assets/"
STATIC_DIR = Path(__file__).parent / "static"
CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    digest: str
    body: bytes
    media_type: str


# Fixed here rather than guessed from the system's mime.types, which differ between hosts.
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def _media_type(path: Path) -> str:
    return (
        MEDIA_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


class StaticAssets:
    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.assets: dict[str, Asset] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix not in (".md", ".txt"):
                body = path.read_bytes()
                name = path.relative_to(root).as_posix()
                digest = hashlib.sha256(body).hexdigest()[:16]
                self.assets[name] = Asset(digest, body, _media_type(path))

    def url(self, name: str) -> str:
        """The URL of `static/<name>`; an unknown name is a bug in a template, so it raises."""
        return f"{PREFIX}{self.assets[name].digest}/{name}"

    async def serve(self, request: Request) -> Response:
        digest = request.path_params["digest"]
        asset = self.assets.get(request.path_params["name"])
        if asset is None or asset.digest != digest:
            return PlainTextResponse("no such file", status_code=404)
        headers = {"cache-control": CACHE_FOREVER}
        return Response(asset.body, media_type=asset.media_type, headers=headers)
