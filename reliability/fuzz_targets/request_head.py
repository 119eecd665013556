"""The API server's bound on request heads (api/request_head_limit.py), fed any bytes in any
chunks: no exception escapes the protocol, no request whose line and headers exceed the bound
reaches the application, and the bytes buffered while a head is incomplete never exceed the
bound by more than one chunk."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import atheris

# Coverage is followed in the code under test only: Hookline's protocol and uvicorn's, which
# it extends (not everything they import, whose instrumenting costs seconds at each start).
with atheris.instrument_imports(include=["hookline", "uvicorn"]):
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from hookline.api.request_head_limit import MAX_REQUEST_HEAD_BYTES, BoundedHeadHttpToolsProtocol

SEEN: list[int] = []


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    head = len(scope["raw_path"]) + sum(len(k) + len(v) + 4 for k, v in scope["headers"])
    SEEN.append(head)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def abort(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


LOOP = asyncio.new_event_loop()
CONFIG = Config(app=app, http="httptools", lifespan="off", log_level="critical")
CONFIG.load()


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    protocol = BoundedHeadHttpToolsProtocol(CONFIG, ServerState(), {}, _loop=LOOP)
    transport = Transport()
    protocol.connection_made(transport)
    SEEN.clear()
    biggest_chunk = 0
    while fdp.remaining_bytes():
        size = fdp.ConsumeIntInRange(1, 70_000)
        chunk = fdp.ConsumeBytes(size)
        # A long run of header bytes tests the bound better than random bytes can reach it.
        if fdp.ConsumeBool():
            chunk += b"x-filler: " + b"a" * fdp.ConsumeIntInRange(0, 40_000) + b"\r\n"
        biggest_chunk = max(biggest_chunk, len(chunk))
        protocol.data_received(chunk)
        if protocol._head_bytes > MAX_REQUEST_HEAD_BYTES + biggest_chunk:
            raise AssertionError(f"{protocol._head_bytes} head bytes buffered")
        LOOP.run_until_complete(asyncio.sleep(0))
    protocol.connection_lost(None)
    LOOP.run_until_complete(asyncio.sleep(0))
    if any(head > MAX_REQUEST_HEAD_BYTES for head in SEEN):
        raise AssertionError(f"a head of {max(SEEN)} bytes reached the application")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
