"""What a client command prints when it fails: one line on stderr and an exit status, never a
traceback. The statuses are part of the CLI's contract (docs/cli.md):

  1  the server refused the request (4xx/5xx: not found, bad token, invalid input…), or a
     check failed (`verify`)
  2  the command line or the connection settings are unusable
  3  the server could not be reached (refused, timed out, TLS)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import pydantic
import typer

from hookline.cli.profiles import ConnectionSettingError

if TYPE_CHECKING:
    from svix.exceptions import HTTPValidationError

REFUSED, USAGE, UNREACHABLE = 1, 2, 3


class CommandFailure(Exception):
    """A failure a command found itself (bad input, a task that failed): message + status."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int) -> typer.Exit:
    # One line: a detail from the server may hold line breaks, a script greps this.
    print(f"hookline: {' '.join(message.split())}", file=sys.stderr)
    return typer.Exit(exit_code)


def _validation_detail(exc: HTTPValidationError) -> str:
    parts = []
    for item in exc.detail:
        loc = ".".join(str(p) for p in getattr(item, "loc", []) if p != "body")
        parts.append(f"{loc}: {getattr(item, 'msg', item)}" if loc else str(item.msg))
    return "; ".join(parts) or "invalid request"


@contextmanager
def reporting_failures(server: str = "") -> Iterator[None]:
    """Turn what a request can raise into `fail(...)`; anything else is a bug and surfaces."""
    # The SDK is imported by the client commands only: `serve` and `worker` start without it.
    from svix.exceptions import HttpError, HTTPValidationError

    where = f" {server}" if server else ""
    try:
        yield
    except CommandFailure as exc:
        raise fail(str(exc), exc.exit_code) from None
    except ConnectionSettingError as exc:
        raise fail(str(exc), USAGE) from None
    except HTTPValidationError as exc:
        raise fail(
            f"{exc.status_code} invalid request: {_validation_detail(exc)}", REFUSED
        ) from None
    except HttpError as exc:
        hint = " (check --token / HOOKLINE_TOKEN)" if exc.status_code in (401, 403) else ""
        raise fail(f"{exc.status_code} {exc.code}: {exc.detail}{hint}", REFUSED) from None
    except httpx.TimeoutException:
        raise fail(f"the server{where} did not answer in time", UNREACHABLE) from None
    except httpx.TransportError as exc:
        raise fail(f"cannot reach the server{where}: {exc}", UNREACHABLE) from None
    except (json.JSONDecodeError, pydantic.ValidationError):
        raise fail(
            f"the server{where} did not answer with the API's JSON: is it the Hookline (or "
            "Svix) API's base URL?",
            REFUSED,
        ) from None
