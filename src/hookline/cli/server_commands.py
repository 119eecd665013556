"""`hookline serve | worker | migrate | stats rebuild`: the commands that run the service
itself. They read the server's settings (`HOOKLINE_*`, config.py); the client commands never do.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from hookline.config import ConfigError, Settings, load_settings
from hookline.serve_layout import CHOICES

stats_app = typer.Typer(help="Delivery statistics upkeep.", no_args_is_help=True)


def _fail(message: str, code: int) -> typer.Exit:
    print(f"hookline: {message}", file=sys.stderr)
    return typer.Exit(code)


def _run(action: Callable[[Settings], int | None]) -> None:
    """Load the settings, set up logging, run `action`; the known failures become a one-line
    message and an exit status (1: the database cannot be reached, 2: configuration)."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise _fail(f"configuration error: {exc}", 2) from None
    from hookline.observability.logs import setup_logging

    setup_logging(settings)

    from hookline.secrets_at_rest import WrongSecretKey
    from hookline.store import StoreUnavailable

    try:
        code = action(settings)
    except StoreUnavailable as exc:
        raise _fail(f"cannot reach the database: {exc}", 1) from None
    except (ConfigError, WrongSecretKey) as exc:
        raise _fail(f"configuration error: {exc}", 2) from None
    if code:
        raise typer.Exit(code)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8071,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="API only; run `hookline worker` elsewhere")
    ] = False,
    processes: Annotated[
        str | None,
        typer.Option(
            help="1: API and worker in one process; 2: the worker in a child process "
            "(a core each); auto: 2 on a host with two cores or more "
            "(default: HOOKLINE_SERVE_PROCESSES, else 1)"
        ),
    ] = None,
) -> None:
    """Run the API (and, by default, a delivery worker)."""
    from hookline import server

    def run(settings: Settings) -> int:
        if processes is not None:
            if processes.strip().lower() not in CHOICES:
                raise ConfigError(f"--processes must be one of {', '.join(CHOICES)}")
            settings = settings.with_overrides(serve_processes=processes.strip().lower())
        return server.serve(settings, host, port, with_worker=not no_worker)

    _run(run)


def worker(
    host: Annotated[
        str, typer.Option(help="address of the HOOKLINE_METRICS_PORT listener")
    ] = "127.0.0.1",
    # The worker child of a two-process `hookline serve` (worker_process.py): its end of
    # the link to the API, and the API's pid, whose death stops it.
    link_fd: Annotated[int | None, typer.Option(hidden=True)] = None,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Run a delivery worker only."""
    from hookline import server

    _run(lambda settings: server.work(settings, host, link_fd, parent_pid))


def migrate() -> None:
    """Apply database migrations and exit (a line per revision applied, and a progress bar on a
    terminal)."""
    from hookline import server
    from hookline.cli.migration_progress import MigrationProgress

    def apply(settings: Settings) -> None:
        with MigrationProgress() as progress:
            server.migrate(settings, progress.applied)
        print(progress.summary())

    _run(apply)


@stats_app.command()
def rebuild(
    since: Annotated[
        str | None,
        typer.Option(
            help="ISO 8601 date or date-time (UTC): rebuild from that day on "
            "(default: all attempts)"
        ),
    ] = None,
) -> None:
    """Rebuild the attempt counters from the attempt log (idempotent)."""
    from hookline import stats_rebuild

    def run(settings: Settings) -> int:
        try:
            since_ms = None if since is None else stats_rebuild.parse_since(since)
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        summary = stats_rebuild.rebuild(settings, since_ms)
        print(f"attempt counters rebuilt: {summary.days} days, {summary.hours} hours")
        return 0

    _run(run)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(migrate)
    app.add_typer(stats_app, name="stats")
