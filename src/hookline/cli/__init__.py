"""The `hookline` command.

Two kinds of commands share it:

* the service itself, `serve | worker | migrate | stats rebuild` (server_commands.py), which
  read the server's `HOOKLINE_*` settings;
* the client commands, which talk to a running server through its API with the official `svix`
  SDK, and so work against Svix too: `app`, `endpoint`, `event-type`, `message`, `attempt`,
  `task`, `send`, `resend`, `recover`, `replay`, `portal`; and `verify`, which needs no server;
* `listen` (listen_command.py), which forwards an application's webhooks to a local URL through
  a WebSocket to the server (a Hookline extension: it needs a Hookline server, not Svix).

One module per command group.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hookline import __version__
from hookline.cli import (
    app_commands,
    attempt_commands,
    endpoint_commands,
    event_type_commands,
    listen_command,
    message_commands,
    portal_command,
    recovery_commands,
    server_commands,
    verify_command,
)


def _version(value: bool) -> None:
    if value:
        print(f"hookline {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Hookline: webhook delivery service. Run it (serve, worker, migrate) or drive a running
    one (app, endpoint, send, recover…; server and token from --server/--token, HOOKLINE_URL /
    HOOKLINE_TOKEN or a profile)."""


def build() -> typer.Typer:
    # Tracebacks are for bugs: every expected failure is a one-line message (failures.py).
    root = typer.Typer(
        name="hookline",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    server_commands.register(root)
    root.add_typer(app_commands.app, name="app")
    root.add_typer(endpoint_commands.app, name="endpoint")
    root.add_typer(event_type_commands.app, name="event-type")
    root.add_typer(message_commands.app, name="message")
    root.add_typer(attempt_commands.app, name="attempt")
    root.add_typer(recovery_commands.task_app, name="task")
    root.command()(message_commands.send)
    root.command()(message_commands.resend)
    root.command()(recovery_commands.recover)
    root.command()(recovery_commands.replay)
    root.command()(portal_command.portal)
    root.command()(verify_command.verify)
    root.command(name="listen")(listen_command.listen_command)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit status is returned (and `sys.exit`ed by the script)."""
    try:
        build()(args=argv, prog_name="hookline")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    return 0
