"""`hookline event-type list | get | create | update | delete`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hookline.cli.app_commands import Iterator, Limit
from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.inputs import json_object
from hookline.cli.output import OutputFormat

app = typer.Typer(
    help="Event types: the kinds of event endpoints subscribe to.", no_args_is_help=True
)

COLUMNS = [
    ("NAME", "name"),
    ("DESCRIPTION", "description"),
    ("ARCHIVED", "archived"),
    ("DEPRECATED", "deprecated"),
    ("GROUP", "groupName"),
]
DETAIL = [*COLUMNS, ("SCHEMAS", "schemas"), ("CREATED", "createdAt"), ("UPDATED", "updatedAt")]

Name = Annotated[str, typer.Argument(help="the event type's name, e.g. invoice.paid")]
Description = Annotated[str | None, typer.Option(help="what the event means")]
Schema = Annotated[
    str | None,
    typer.Option(help='JSON Schema of the payload, version "1": JSON text, @file or - (stdin)'),
]
Group = Annotated[str | None, typer.Option("--group", help="a group name for the catalog")]


@app.command("list")
def list_event_types(
    limit: Limit = None,
    iterator: Iterator = None,
    include_archived: Annotated[bool, typer.Option(help="archived ones too")] = False,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """List event types."""
    from svix.api import EventTypeListOptions

    with client_session(server, token, profile, output) as s:
        options = EventTypeListOptions(
            limit=limit, iterator=iterator, include_archived=include_archived or None
        )
        s.printer.page(s.svix.event_type.list(options), COLUMNS, "event types")


@app.command("get")
def get_event_type(
    name: Name,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show one event type."""
    with client_session(server, token, profile, output) as s:
        s.printer.one(s.svix.event_type.get(name), DETAIL)


@app.command("create")
def create_event_type(
    name: Name,
    description: Description = None,
    schema: Schema = None,
    group: Group = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Create an event type."""
    from svix.api import EventTypeIn

    with client_session(server, token, profile, output) as s:
        body = EventTypeIn(
            name=name,
            description=description or "",
            schemas={"1": json_object(schema, "--schema")} if schema else None,
            group_name=group,
        )
        s.printer.one(s.svix.event_type.create(body), DETAIL)


@app.command("update")
def update_event_type(
    name: Name,
    description: Description = None,
    schema: Schema = None,
    group: Group = None,
    archived: Annotated[
        bool | None, typer.Option("--archived/--unarchived", help="hide it from the catalog")
    ] = None,
    deprecated: Annotated[
        bool | None, typer.Option("--deprecated/--undeprecated", help="mark it deprecated")
    ] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Change the fields given; the others stay as they are."""
    from svix.api import EventTypePatch

    with client_session(server, token, profile, output) as s:
        fields: dict[str, Any] = {
            "description": description,
            "schemas": {"1": json_object(schema, "--schema")} if schema else None,
            "group_name": group,
            "archived": archived,
            "deprecated": deprecated,
        }
        patch = EventTypePatch(**{k: v for k, v in fields.items() if v is not None})
        s.printer.one(s.svix.event_type.patch(name, patch), DETAIL)


@app.command("delete")
def delete_event_type(
    name: Name,
    expunge: Annotated[bool, typer.Option(help="remove it for good instead of archiving")] = False,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Archive an event type (as the API's DELETE does), or remove it with --expunge."""
    from svix.api import EventTypeDeleteOptions

    with client_session(server, token, profile, output) as s:
        s.svix.event_type.delete(name, EventTypeDeleteOptions(expunge=expunge or None))
        s.printer.note(f"{'deleted' if expunge else 'archived'} event type {name}")
