"""`hookline portal APP`: a link that opens the application's consumer portal."""

from __future__ import annotations

from typing import Annotated

import typer

from hookline.cli.app_commands import AppId
from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.output import OutputFormat


def portal(
    app_id: AppId,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="a portal that only views")
    ] = False,
    expiry: Annotated[
        int | None, typer.Option(help="the session's lifetime in seconds (3600 to 604800)")
    ] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Print a link that opens the application's portal (Hookline's links work once)."""
    from svix.api import AppPortalAccessIn

    with client_session(server, token, profile, output) as s:
        access = s.svix.authentication.app_portal_access(
            app_id, AppPortalAccessIn(read_only=read_only or None, expiry=expiry)
        )
        if output is OutputFormat.json:
            s.printer.json(access)
        else:
            # The bare URL alone on stdout: `open "$(hookline portal app_x)"` works.
            print(access.url)
