"""`hookline app list | get | create | update | delete`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.inputs import key_values
from hookline.cli.output import OutputFormat

app = typer.Typer(help="Applications: one per customer of yours.", no_args_is_help=True)

COLUMNS = [
    ("ID", "id"),
    ("UID", "uid"),
    ("NAME", "name"),
    ("CREATED", "createdAt"),
    ("METADATA", "metadata"),
]
DETAIL = [*COLUMNS, ("UPDATED", "updatedAt"), ("THROTTLE RATE", "throttleRate")]

AppId = Annotated[str, typer.Argument(help="the application's id (app_…) or uid")]
Limit = Annotated[int | None, typer.Option(help="at most this many")]
Iterator = Annotated[str | None, typer.Option(help="continue after a previous page")]
Metadata = Annotated[list[str] | None, typer.Option("--metadata", help="KEY=VALUE, repeatable")]


@app.command("list")
def list_apps(
    limit: Limit = None,
    iterator: Iterator = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """List applications."""
    from svix.api import ApplicationListOptions

    with client_session(server, token, profile, output) as s:
        page = s.svix.application.list(ApplicationListOptions(limit=limit, iterator=iterator))
        s.printer.page(page, COLUMNS, "applications")


@app.command("get")
def get_app(
    app_id: AppId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show one application."""
    with client_session(server, token, profile, output) as s:
        s.printer.one(s.svix.application.get(app_id), DETAIL)


@app.command("create")
def create_app(
    name: Annotated[str, typer.Argument(help="a name for people")],
    uid: Annotated[str | None, typer.Option(help="your own id for it")] = None,
    metadata: Metadata = None,
    throttle_rate: Annotated[int | None, typer.Option(help="messages per second")] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Create an application."""
    from svix.api import ApplicationIn

    with client_session(server, token, profile, output) as s:
        body = ApplicationIn(
            name=name,
            uid=uid,
            metadata=key_values(metadata, "--metadata"),
            throttle_rate=throttle_rate,
        )
        s.printer.one(s.svix.application.create(body), DETAIL)


@app.command("update")
def update_app(
    app_id: AppId,
    name: Annotated[str | None, typer.Option(help="a new name")] = None,
    uid: Annotated[str | None, typer.Option(help="a new uid")] = None,
    metadata: Metadata = None,
    throttle_rate: Annotated[int | None, typer.Option(help="messages per second")] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Change the fields given; the others stay as they are."""
    from svix.api import ApplicationPatch

    with client_session(server, token, profile, output) as s:
        fields: dict[str, Any] = {
            "name": name,
            "uid": uid,
            "metadata": key_values(metadata, "--metadata"),
            "throttle_rate": throttle_rate,
        }
        patch = ApplicationPatch(**{k: v for k, v in fields.items() if v is not None})
        s.printer.one(s.svix.application.patch(app_id, patch), DETAIL)


@app.command("delete")
def delete_app(
    app_id: AppId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Delete an application with its endpoints and messages."""
    with client_session(server, token, profile, output) as s:
        s.svix.application.delete(app_id)
        s.printer.note(f"deleted application {app_id}")
