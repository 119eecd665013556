"""`hookline verify --secret whsec_… < request.txt`: check a saved request's signature offline
and say why it fails (signature_check.py decides)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from hookline.cli.failures import REFUSED, USAGE, fail
from hookline.cli.output import OutputFormat, Printer
from hookline.cli.saved_request import UnreadableRequest, parse_saved_request
from hookline.cli.signature_check import check_request
from hookline.verify import DEFAULT_TOLERANCE_SECONDS


def verify(
    secret: Annotated[
        str,
        typer.Option(
            help="the endpoint's whsec_… secret, or its whpk_… key (see `hookline endpoint "
            "secret`)",
            show_default=False,
        ),
    ],
    request: Annotated[
        Path | None,
        typer.Argument(help="the saved HTTP request (headers, blank line, body); default stdin"),
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="seconds the timestamp may differ from now")
    ] = DEFAULT_TOLERANCE_SECONDS,
    at: Annotated[
        int | None,
        typer.Option(help="check as of this unix time instead of now (an old capture)"),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--output", "-o", help="table for people, json for scripts")
    ] = OutputFormat.table,
) -> None:
    """Check a saved webhook request's signature; exit 0 if genuine, 1 if not (with why)."""
    if request is None and sys.stdin.isatty():
        # Waiting for a request typed by hand is never what was meant.
        raise fail("give the saved request as a file, or on stdin: < request.txt", USAGE)
    try:
        raw = sys.stdin.buffer.read() if request is None else request.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {request}: {exc.strerror}", USAGE) from None
    try:
        saved = parse_saved_request(raw)
    except UnreadableRequest as exc:
        raise fail(f"not an HTTP request: {exc}", USAGE) from None
    now = time.time() if at is None else float(at)
    verdict = check_request(saved.headers, saved.body, secret, now, tolerance)
    if output is OutputFormat.json:
        Printer(output).json(
            {"valid": verdict.ok, "reason": verdict.reason, "detail": verdict.message}
        )
        if not verdict.ok:
            raise typer.Exit(REFUSED)
        return
    if not verdict.ok:
        raise fail(f"invalid: {verdict.message}", REFUSED)
    print(f"valid: {verdict.message}")
