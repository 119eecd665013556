"""`hookline message list | get`, and the two verbs people use most: `hookline send` (publish)
and `hookline resend` (one message to one endpoint once more)."""

from __future__ import annotations

from typing import Annotated

import typer

from hookline.cli.app_commands import AppId, Iterator, Limit
from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.endpoint_commands import Channels, EndpointId, EventTypes
from hookline.cli.inputs import json_object
from hookline.cli.output import OutputFormat

app = typer.Typer(help="Messages: the events an application published.", no_args_is_help=True)

COLUMNS = [
    ("ID", "id"),
    ("EVENT TYPE", "eventType"),
    ("EVENT ID", "eventId"),
    ("CHANNELS", "channels"),
    ("PUBLISHED", "timestamp"),
]
DETAIL = [*COLUMNS, ("TAGS", "tags"), ("PAYLOAD", "payload")]

MessageId = Annotated[str, typer.Argument(help="the message's id (msg_…) or eventId")]


@app.command("list")
def list_messages(
    app_id: AppId,
    event_type: EventTypes = None,
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    limit: Limit = None,
    iterator: Iterator = None,
    with_content: Annotated[bool, typer.Option(help="include the payloads")] = False,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """List an application's messages, newest first."""
    from svix.api import MessageListOptions

    with client_session(server, token, profile, output) as s:
        options = MessageListOptions(
            limit=limit,
            iterator=iterator,
            event_types=event_type,
            channel=channel,
            with_content=with_content,
        )
        s.printer.page(s.svix.message.list(app_id, options), COLUMNS, "messages")


@app.command("get")
def get_message(
    app_id: AppId,
    msg_id: MessageId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show one message with its payload."""
    from svix.api import MessageGetOptions

    with client_session(server, token, profile, output) as s:
        message = s.svix.message.get(app_id, msg_id, MessageGetOptions(with_content=True))
        s.printer.one(message, DETAIL)


def send(
    app_id: AppId,
    event_type: Annotated[str, typer.Argument(help="e.g. invoice.paid")],
    payload: Annotated[str, typer.Argument(help="a JSON object; @file reads a file, - stdin")],
    event_id: Annotated[
        str | None, typer.Option(help="your id for the event (duplicates are refused)")
    ] = None,
    channel: Channels = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="repeatable")] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="sending again with the same key publishes once")
    ] = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Publish a message: every endpoint subscribed to EVENT_TYPE gets it."""
    from svix.api import MessageCreateOptions, MessageIn

    with client_session(server, token, profile, output) as s:
        body = MessageIn(
            event_type=event_type,
            payload=json_object(payload, "the payload"),
            event_id=event_id,
            channels=channel,
            tags=tag,
        )
        options = MessageCreateOptions(with_content=True, idempotency_key=idempotency_key)
        s.printer.one(s.svix.message.create(app_id, body, options), DETAIL)


def resend(
    app_id: AppId,
    msg_id: MessageId,
    endpoint_id: EndpointId,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Send one message to one endpoint once more (a new attempt, now)."""
    with client_session(server, token, profile, output) as s:
        s.svix.message_attempt.resend(app_id, msg_id, endpoint_id)
        s.printer.note(f"resending {msg_id} to {endpoint_id}")
