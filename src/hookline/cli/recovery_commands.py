"""`hookline recover` and `hookline replay`: background tasks on an endpoint, followed with a
progress display until the task ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hookline.cli.app_commands import AppId
from hookline.cli.client_session import (
    ClientSession,
    Output,
    Profile,
    Server,
    Token,
    client_session,
)
from hookline.cli.endpoint_commands import EndpointId
from hookline.cli.failures import REFUSED, UNREACHABLE, CommandFailure
from hookline.cli.output import OutputFormat
from hookline.cli.time_input import parse_time

if TYPE_CHECKING:
    from svix.api import BackgroundTaskOut, Svix

POLL_SECONDS = 0.5

task_app = typer.Typer(help="Background tasks: recover, replay, expunge.", no_args_is_help=True)

Since = Annotated[
    str,
    typer.Option(help="ISO 8601 time, or a span back from now: 30m, 6h, 2d", show_default=False),
]
Until = Annotated[str | None, typer.Option(help="the window's end (default: now)")]
Wait = Annotated[
    float, typer.Option(help="follow the task this many seconds at most; 0: do not follow")
]


def _window(since: str, until: str | None) -> tuple[datetime, datetime | None]:
    now = datetime.now(UTC)
    try:
        return parse_time(since, now), None if until is None else parse_time(until, now)
    except ValueError as exc:
        raise CommandFailure(f"--since/--until: {exc}") from None


def _follow(svix: Svix, task_id: str, label: str, wait: float) -> BackgroundTaskOut:
    """Poll the task until it is no longer running, with a spinner on stderr (stdout stays
    for the result, so `--output json` can be piped)."""
    from svix.api import BackgroundTaskStatus

    deadline = time.monotonic() + wait
    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a log file gets the outcome, not the animation
    ) as progress:
        bar = progress.add_task(f"{label} {task_id}: running", total=None)
        while True:
            task = svix.background_task.get(task_id)
            if task.status != BackgroundTaskStatus.RUNNING:
                progress.update(bar, description=f"{label} {task_id}: {task.status.value}")
                return task
            if time.monotonic() >= deadline:
                raise CommandFailure(
                    f"{label} {task_id} still running after {wait:g} s; see "
                    f"`hookline task get {task_id}`",
                    UNREACHABLE,
                )
            time.sleep(POLL_SECONDS)


def _run_task(s: ClientSession, start: Callable[[], Any], label: str, wait: float) -> None:
    from svix.api import BackgroundTaskStatus

    started = start()
    if wait <= 0:
        s.printer.one(started)
        return
    task = _follow(s.svix, started.id, label, wait)
    if s.printer.output is OutputFormat.json:
        s.printer.json(task)
    else:
        queued = task.data.get("messagesQueued", task.data.get("messagesSent"))
        count = "" if queued is None else f": {queued} message(s) queued"
        s.printer.console.print(f"{label} {task.id} {task.status.value}{count}")
    if task.status != BackgroundTaskStatus.FINISHED:
        raise typer.Exit(REFUSED)


def recover(
    app_id: AppId,
    endpoint_id: EndpointId,
    since: Since,
    until: Until = None,
    wait: Wait = 600,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Send again every message that failed for good to this endpoint since --since."""
    from svix.api import RecoverIn

    with client_session(server, token, profile, output) as s:
        start, end = _window(since, until)
        _run_task(
            s,
            lambda: s.svix.endpoint.recover(app_id, endpoint_id, RecoverIn(since=start, until=end)),
            "recover",
            wait,
        )


def replay(
    app_id: AppId,
    endpoint_id: EndpointId,
    since: Since,
    until: Until = None,
    wait: Wait = 600,
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Send the endpoint the messages since --since that it never got (e.g. while disabled)."""
    from svix.api import ReplayIn

    with client_session(server, token, profile, output) as s:
        start, end = _window(since, until)
        _run_task(
            s,
            lambda: s.svix.endpoint.replay_missing(
                app_id, endpoint_id, ReplayIn(since=start, until=end)
            ),
            "replay",
            wait,
        )


@task_app.command("get")
def task_get(
    task_id: Annotated[str, typer.Argument(help="the task's id (qtask_…)")],
    server: Server = None,
    token: Token = None,
    profile: Profile = None,
    output: Output = OutputFormat.table,
) -> None:
    """Show a background task (recover, replay, expunge…) and its result."""
    with client_session(server, token, profile, output) as s:
        s.printer.one(s.svix.background_task.get(task_id))
