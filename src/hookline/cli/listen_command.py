"""`hookline listen URL`: webhooks to a machine with no public address.

Opens an outbound WebSocket to the server, which gives it a relay endpoint in the application
(kind `relay`, named by `--name`, by default from the local URL, so that a listener started
again resumes it); each message routed there is POSTed to URL with the headers and bytes a
direct delivery would have, and the local answer is recorded as the attempt. One line per
delivery; `--output json` prints one JSON object per line instead.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from hookline.cli.client_session import Output, Profile, Server, Token, connection_from
from hookline.cli.failures import REFUSED, USAGE, fail
from hookline.cli.output import OutputFormat
from hookline.relay.forward_url import ForwardUrlError, checked_forward_url, default_name
from hookline.relay.listener import (
    Connected,
    Disconnected,
    Event,
    Forwarded,
    ListenOptions,
    ListenRefused,
    listen,
)


def listen_command(
    url: Annotated[
        str | None,
        typer.Argument(help="the local URL to POST each webhook to", show_default=False),
    ] = None,
    forward_to: Annotated[
        str | None,
        typer.Option("--forward-to", help="the local URL (instead of the argument)"),
    ] = None,
    app: Annotated[
        str | None,
        typer.Option(
            "--app", help="the application (id or uid); optional with an application token"
        ),
    ] = None,
    event_types: Annotated[
        str,
        typer.Option("--event-types", help="only these event types, comma-separated"),
    ] = "",
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="the session's name: the same name resumes the same relay endpoint"
        ),
    ] = None,
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="allow a local URL that is not a loopback address"),
    ] = False,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Forward an application's webhooks to a local URL, through an outbound WebSocket."""
    target = forward_to or url
    if target is None:
        raise fail("give the local URL: hookline listen http://localhost:3000/webhooks", USAGE)
    if forward_to and url and forward_to != url:
        raise fail("give the local URL once (argument or --forward-to)", USAGE)
    try:
        target = checked_forward_url(target, allow_remote)
    except ForwardUrlError as exc:
        raise fail(str(exc), USAGE) from None
    connection = connection_from(server, token, profile)
    options = ListenOptions(
        server=connection.server,
        token=connection.token,
        forward_to=target,
        name=name or default_name(target),
        app=app,
        event_types=tuple(t.strip() for t in event_types.split(",") if t.strip()),
    )
    printer = ListenPrinter(output, target)
    try:
        asyncio.run(_run(options, printer))
    except ListenRefused as exc:
        hint = " (check --token / HOOKLINE_TOKEN)" if exc.status in (401, 403) else ""
        raise fail(f"{exc.status}: {exc.detail}{hint}", REFUSED) from None


async def _run(options: ListenOptions, printer: ListenPrinter) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await listen(options, printer.report, stop)


class ListenPrinter:
    """Lines for people (rich) or JSON lines for scripts, flushed as they come."""

    def __init__(self, output: OutputFormat, target: str) -> None:
        self.json = output is OutputFormat.json
        self.target = target
        self.console = Console(highlight=False, soft_wrap=True)
        self.secret: str | None = None

    def report(self, event: Event) -> None:
        if self.json:
            print(json.dumps(self._as_json(event), separators=(",", ":")), flush=True)
            return
        if isinstance(event, Connected):
            ready = event.ready
            if self.secret != ready.secret:
                self.secret = ready.secret
                self.console.print(
                    f"Relay endpoint [bold]{escape(ready.endpoint_id)}[/bold] "
                    f"(app {escape(ready.app_id)}, name {escape(ready.name)}) "
                    f"→ {escape(self.target)}"
                )
                self.console.print(f"Signing secret: [bold]{escape(ready.secret)}[/bold]")
            self.console.print("[green]Connected[/green]; waiting for webhooks (Ctrl-C stops)")
        elif isinstance(event, Disconnected):
            self.console.print(
                f"[yellow]Disconnected[/yellow] ({escape(event.reason)}); "
                f"reconnecting in {event.retry_in:g} s",
                style=None,
            )
        else:
            self.console.print(_line(event))
        sys.stdout.flush()

    @staticmethod
    def _as_json(event: Event) -> dict[str, object]:
        if isinstance(event, Connected):
            r = event.ready
            return {
                "type": "connected",
                "endpointId": r.endpoint_id,
                "appId": r.app_id,
                "name": r.name,
                "secret": r.secret,
            }
        if isinstance(event, Disconnected):
            return {"type": "disconnected", "reason": event.reason, "retryIn": event.retry_in}
        return {
            "type": "delivery",
            "time": _iso(event.at),
            "eventType": event.event_type,
            "msgId": event.msg_id,
            "attempt": event.attempt,
            "status": event.status or None,
            "durationMs": event.duration_ms,
            "failure": event.failure,
            "error": event.error or None,
        }


def _line(event: Forwarded) -> str:
    """`12:00:01  invoice.paid  msg_…  200  12 ms` (the status coloured by its class)."""
    when = time.strftime("%H:%M:%S", time.localtime(event.at))
    if event.failure is not None:
        result = f"[red]{escape(event.failure)}[/red] {escape(event.error)}"
    else:
        style = "green" if 200 <= event.status <= 299 else "red"
        result = f"[{style}]{event.status}[/{style}]"
    retry = f" (attempt {event.attempt})" if event.attempt > 1 else ""
    return (
        f"{when}  {escape(event.event_type)}  {escape(event.msg_id)}{retry}  {result}  "
        f"{event.duration_ms} ms"
    )


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1000):03d}Z"
