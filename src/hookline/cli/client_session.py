"""The options every client command takes (where to connect, how to print) and the session
they open: an official `svix` SDK client pointed at the server, and a printer.

The SDK is the client on purpose: what the CLI can do against Hookline it can do against Svix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from hookline.cli.failures import reporting_failures
from hookline.cli.output import OutputFormat, Printer
from hookline.cli.profiles import Connection, resolve_connection
from hookline.config import load_client_environment

if TYPE_CHECKING:
    from svix.api import Svix

PANEL = "Connection and output"

Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="the API's base URL (default: HOOKLINE_URL, or the profile's)",
        rich_help_panel=PANEL,
        show_default=False,
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="an admin or application token (default: HOOKLINE_TOKEN, or the profile's)",
        rich_help_panel=PANEL,
        show_default=False,
    ),
]
Profile = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="a named profile of ~/.config/hookline/profiles.toml",
        rich_help_panel=PANEL,
        show_default=False,
    ),
]
Output = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-o", help="table for people, json for scripts", rich_help_panel=PANEL
    ),
]


@dataclass
class ClientSession:
    svix: Svix
    printer: Printer
    server: str


def connection_from(server: str | None, token: str | None, profile: str | None) -> Connection:
    """The server and token a client command uses: its flags, else HOOKLINE_URL /
    HOOKLINE_TOKEN, else the profile; a failure is reported as one line (failures.py)."""
    env = load_client_environment()
    with reporting_failures():
        return resolve_connection(
            server_flag=server,
            token_flag=token,
            profile_name=profile,
            env_server=env.url,
            env_token=env.token,
            profiles_path=env.profiles_path,
        )


@contextmanager
def client_session(
    server: str | None, token: str | None, profile: str | None, output: OutputFormat
) -> Iterator[ClientSession]:
    """Resolve the connection, open the SDK client, and report any failure inside as one line
    and an exit status (failures.py)."""
    from svix.api import Svix, SvixOptions

    connection = connection_from(server, token, profile)
    # No client-side retries: a command reports the answer it got, at once; a person or a
    # script decides whether to try again.
    svix = Svix(connection.token, SvixOptions(server_url=connection.server, retry_schedule=[]))
    try:
        with reporting_failures(connection.server):
            yield ClientSession(svix, Printer(output), connection.server)
    finally:
        svix._httpx_client.close()  # the SDK leaves its connection pool open
