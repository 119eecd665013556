"""`hookline endpoint list | get | create | update | delete | secret`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hookline.cli.app_commands import AppId, Iterator, Limit, Metadata
from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.inputs import key_values
from hookline.cli.output import OutputFormat

app = typer.Typer(help="Endpoints: the URLs an application's webhooks go to.", no_args_is_help=True)

COLUMNS = [
    ("ID", "id"),
    ("URL", "url"),
    ("EVENT TYPES", "eventTypes"),
    ("DISABLED", "disabled"),
    ("DESCRIPTION", "description"),
]
DETAIL = [
    ("ID", "id"),
    ("UID", "uid"),
    ("URL", "url"),
    ("DESCRIPTION", "description"),
    ("EVENT TYPES", "eventTypes"),
    ("CHANNELS", "channels"),
    ("DISABLED", "disabled"),
    ("THROTTLE RATE", "throttleRate"),
    ("METADATA", "metadata"),
    ("CREATED", "createdAt"),
    ("UPDATED", "updatedAt"),
]

EndpointId = Annotated[str, typer.Argument(help="the endpoint's id (ep_…) or uid")]
EventTypes = Annotated[
    list[str] | None, typer.Option("--event-type", help="only these event types (repeatable)")
]
Channels = Annotated[
    list[str] | None, typer.Option("--channel", help="only these channels (repeatable)")
]
Description = Annotated[str | None, typer.Option(help="a note for people")]
Uid = Annotated[str | None, typer.Option(help="your own id for it")]


@app.command("list")
def list_endpoints(
    app_id: AppId,
    limit: Limit = None,
    iterator: Iterator = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """List an application's endpoints."""
    from svix.api import EndpointListOptions

    with client_session(server, token, profile, output) as s:
        page = s.svix.endpoint.list(app_id, EndpointListOptions(limit=limit, iterator=iterator))
        s.printer.page(page, COLUMNS, "endpoints")


@app.command("get")
def get_endpoint(
    app_id: AppId,
    endpoint_id: EndpointId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show one endpoint."""
    with client_session(server, token, profile, output) as s:
        s.printer.one(s.svix.endpoint.get(app_id, endpoint_id), DETAIL)


@app.command("create")
def create_endpoint(
    app_id: AppId,
    url: Annotated[str, typer.Argument(help="where to POST the webhooks")],
    event_type: EventTypes = None,
    channel: Channels = None,
    description: Description = None,
    uid: Uid = None,
    secret: Annotated[
        str | None, typer.Option(help="a whsec_… signing secret (default: generated)")
    ] = None,
    metadata: Metadata = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="create it disabled")] = False,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Add an endpoint to an application."""
    from svix.api import EndpointIn

    with client_session(server, token, profile, output) as s:
        body = EndpointIn(
            url=url,
            event_types=event_type,
            channels=channel,
            description=description or "",
            uid=uid,
            secret=secret,
            metadata=key_values(metadata, "--metadata"),
            disabled=disabled,
        )
        s.printer.one(s.svix.endpoint.create(app_id, body), DETAIL)


@app.command("update")
def update_endpoint(
    app_id: AppId,
    endpoint_id: EndpointId,
    url: Annotated[str | None, typer.Option(help="a new URL")] = None,
    event_type: EventTypes = None,
    channel: Channels = None,
    description: Description = None,
    uid: Uid = None,
    metadata: Metadata = None,
    disabled: Annotated[
        bool | None, typer.Option("--disabled/--enabled", help="stop or resume deliveries")
    ] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Change the fields given; the others stay as they are."""
    from svix.api import EndpointPatch

    with client_session(server, token, profile, output) as s:
        fields: dict[str, Any] = {
            "url": url,
            "event_types": event_type,
            "channels": channel,
            "description": description,
            "uid": uid,
            "metadata": key_values(metadata, "--metadata"),
            "disabled": disabled,
        }
        patch = EndpointPatch(**{k: v for k, v in fields.items() if v is not None})
        s.printer.one(s.svix.endpoint.patch(app_id, endpoint_id, patch), DETAIL)


@app.command("delete")
def delete_endpoint(
    app_id: AppId,
    endpoint_id: EndpointId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Delete an endpoint."""
    with client_session(server, token, profile, output) as s:
        s.svix.endpoint.delete(app_id, endpoint_id)
        s.printer.note(f"deleted endpoint {endpoint_id}")


@app.command("secret")
def endpoint_secret(
    app_id: AppId,
    endpoint_id: EndpointId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Print the endpoint's signing secret (what `hookline verify --secret` takes)."""
    with client_session(server, token, profile, output) as s:
        secret = s.svix.endpoint.get_secret(app_id, endpoint_id)
        if output is OutputFormat.json:
            s.printer.json(secret)
        else:
            print(secret.key)
