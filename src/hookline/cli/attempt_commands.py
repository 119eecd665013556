"""`hookline attempt list | get`: every HTTP POST made, with its answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hookline.cli.app_commands import AppId, Iterator, Limit
from hookline.cli.client_session import Output, Profile, Server, Token, client_session
from hookline.cli.failures import CommandFailure
from hookline.cli.message_commands import MessageId
from hookline.cli.output import STATUS_NAMES, OutputFormat

if TYPE_CHECKING:
    from svix.api import MessageStatus

app = typer.Typer(help="Attempts: each delivery try and its answer.", no_args_is_help=True)

COLUMNS = [
    ("ID", "id"),
    ("MESSAGE", "msgId"),
    ("ENDPOINT", "endpointId"),
    ("STATUS", "status"),
    ("HTTP", "responseStatusCode"),
    ("MS", "responseDurationMs"),
    ("TIME", "timestamp"),
]
DETAIL = [*COLUMNS, ("URL", "url"), ("TRIGGER", "triggerType"), ("RESPONSE", "response")]
STATUS_BY_NAME = {name: number for number, name in STATUS_NAMES.items()}


def _status(name: str | None) -> MessageStatus | None:
    from svix.api import MessageStatus

    if name is None:
        return None
    if name not in STATUS_BY_NAME:
        raise CommandFailure(f"--status must be one of {', '.join(STATUS_BY_NAME)}, got {name!r}")
    return MessageStatus(STATUS_BY_NAME[name])


@app.command("list")
def list_attempts(
    app_id: AppId,
    msg: Annotated[str | None, typer.Option("--msg", help="the attempts of this message")] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="the attempts made to this endpoint")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="success, pending, failed, sending or canceled")
    ] = None,
    limit: Limit = None,
    iterator: Iterator = None,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """List the attempts of a message (--msg) or to an endpoint (--endpoint), newest first."""
    from svix.api import MessageAttemptListByEndpointOptions, MessageAttemptListByMsgOptions

    with client_session(server, token, profile, output) as s:
        wanted = _status(status)
        if msg is not None:
            page = s.svix.message_attempt.list_by_msg(
                app_id,
                msg,
                MessageAttemptListByMsgOptions(
                    limit=limit, iterator=iterator, status=wanted, endpoint_id=endpoint
                ),
            )
        elif endpoint is not None:
            page = s.svix.message_attempt.list_by_endpoint(
                app_id,
                endpoint,
                MessageAttemptListByEndpointOptions(limit=limit, iterator=iterator, status=wanted),
            )
        else:
            raise CommandFailure("give --msg MSG_ID or --endpoint ENDPOINT_ID (or both)")
        s.printer.page(page, COLUMNS, "attempts")


@app.command("get")
def get_attempt(
    app_id: AppId,
    msg_id: MessageId,
    attempt_id: Annotated[str, typer.Argument(help="the attempt's id (atmpt_…)")],
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show one attempt with the answer the endpoint gave."""
    with client_session(server, token, profile, output) as s:
        s.printer.one(s.svix.message_attempt.get(app_id, msg_id, attempt_id), DETAIL)
