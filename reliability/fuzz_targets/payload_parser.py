"""The request-body parser and the JSON checks every payload goes through: for any bytes, a
value or a ValueError (a 4xx), never another exception; and what passes the checks can be
written back out exactly (orjson, as the store does) and reads back as the same value."""

from __future__ import annotations

import sys

import atheris

# Coverage is followed in the code under test only: Hookline's modules and the standard json
# parser (orjson is compiled). Instrumenting everything they import as well (FastAPI,
# pydantic, asyncio, OpenTelemetry...) took over 10 s of CPU at each start, longer than the
# quick run's fuzzing itself, and none of it runs for an input.
with atheris.instrument_imports(include=["hookline", "json"]):
    import orjson

    from hookline.api.json_body import loads
    from hookline.api.models import check_json


def one_input(data: bytes) -> None:
    try:
        value = loads(data)
        check_json(value, allow_nul=True)
    except (ValueError, RecursionError):
        return  # a 400/422 to the client (RecursionError: the API answers 400 for depth)
    again = orjson.loads(orjson.dumps(value))
    if again != value and value == value:  # NaN never passes check_json
        raise AssertionError(f"{value!r} came back as {again!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
