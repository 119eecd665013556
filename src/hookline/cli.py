"""The `hookline` command: serve | worker | migrate | stats rebuild."""

from __future__ import annotations

import argparse
import logging
import sys

from hookline import __version__
from hookline.config import ConfigError, Settings, load_settings
from hookline.observability.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hookline", description="Webhook delivery service")
    parser.add_argument("--version", action="version", version=f"hookline {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (and, by default, a delivery worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8071)
    serve.add_argument(
        "--no-worker", action="store_true", help="API only; run `hookline worker` elsewhere"
    )
    worker = commands.add_parser("worker", help="run a delivery worker only")
    worker.add_argument(
        "--host", default="127.0.0.1", help="address of the HOOKLINE_METRICS_PORT listener"
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    stats = commands.add_parser("stats", help="delivery statistics upkeep")
    stats_commands = stats.add_subparsers(dest="stats_command", required=True)
    rebuild = stats_commands.add_parser(
        "rebuild", help="rebuild the attempt counters from the attempt log (idempotent)"
    )
    rebuild.add_argument(
        "--since",
        help="ISO 8601 date or date-time (UTC): rebuild from that day on (default: all attempts)",
    )

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"hookline: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings)

    from hookline import server
    from hookline.secrets_at_rest import WrongSecretKey
    from hookline.store import StoreUnavailable

    try:
        if args.command == "serve":
            server.serve(settings, args.host, args.port, with_worker=not args.no_worker)
        elif args.command == "worker":
            server.work(settings, args.host)
        elif args.command == "migrate":
            server.migrate(settings)
            print("database is up to date")
        elif args.command == "stats":
            return _rebuild_stats(settings, args.since)
    except StoreUnavailable as exc:
        print(f"hookline: cannot reach the database: {exc}", file=sys.stderr)
        return 1
    except (ConfigError, WrongSecretKey) as exc:
        print(f"hookline: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


def _rebuild_stats(settings: Settings, since: str | None) -> int:
    from hookline import stats_rebuild

    try:
        since_ms = None if since is None else stats_rebuild.parse_since(since)
    except ValueError as exc:
        print(f"hookline: {exc}", file=sys.stderr)
        return 2
    summary = stats_rebuild.rebuild(settings, since_ms)
    print(f"attempt counters rebuilt: {summary.days} days, {summary.hours} hours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
