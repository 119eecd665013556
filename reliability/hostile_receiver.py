"""Receivers that misbehave, one per path, as a process of its own
(`python -m reliability.hostile_receiver --port P --max-seconds S`):

- `/trickle`: answers 200 and then sends its body one byte a second, for ever;
- `/silent`: reads the request and never answers, never closes;
- `/huge`: answers 200 with a body of 100 MB, as fast as the socket takes it;
- `/malformed`: answers bytes that are not HTTP;
- `/slow-head`: sends its status line and headers one byte a second.

A raw asyncio server: a well-behaved HTTP library would not misbehave this way."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

HUGE_BYTES = 100 * 1024 * 1024


async def _read_request(reader: asyncio.StreamReader) -> str:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return head.split(b" ", 2)[1].decode(errors="replace")


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        path = await _read_request(reader)
        if path.startswith("/trickle"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
            while True:
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(1)
        elif path.startswith("/silent"):
            await asyncio.sleep(3600)
        elif path.startswith("/huge"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % HUGE_BYTES)
            chunk = b"\0" * (1 << 16)
            for _ in range(HUGE_BYTES // len(chunk)):
                writer.write(chunk)
                await writer.drain()
        elif path.startswith("/malformed"):
            writer.write(b"HTTP/1.1 2OO NOT QUITE\r\n\x00\x01garbage\r\n\r\n")
            await writer.drain()
        elif path.startswith("/slow-head"):
            for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nx-slow: " + b"y" * 120:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass  # the client gave up: that is what it should do
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _serve(port: int, max_seconds: float) -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", port, backlog=1024)
    print(f"hostile receiver listening on 127.0.0.1:{port}", flush=True)
    async with server:
        # The lifetime bound makes a forgotten receiver stop by itself.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.serve_forever(), timeout=max_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.max_seconds))


if __name__ == "__main__":
    main()
