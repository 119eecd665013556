"""A receiver in a process of its own, for high-volume tests: answers 204 to every POST and
counts (webhook-id, path) pairs. GET /_pairs returns them all as JSON lines of [id, path, n].

Run: python fast_receiver.py PORT
"""

from __future__ import annotations

import collections
import sys

from aiohttp import web

pairs: collections.Counter[tuple[str, str]] = collections.Counter()


async def receive(request: web.Request) -> web.Response:
    await request.read()
    pairs[(request.headers.get("webhook-id", ""), request.path)] += 1
    return web.Response(status=204)


async def dump(_: web.Request) -> web.Response:
    return web.json_response({"pairs": [[i, p, n] for (i, p), n in pairs.items()]})


async def count(_: web.Request) -> web.Response:
    return web.json_response({"unique": len(pairs), "total": sum(pairs.values())})


def main() -> None:
    app = web.Application()
    app.router.add_get("/_pairs", dump)
    app.router.add_get("/_count", count)
    app.router.add_post("/{tail:.*}", receive)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
