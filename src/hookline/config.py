"""Settings: the one place that reads the environment.

Every `HOOKLINE_*` variable is parsed here into a frozen `Settings`; the rest of the code
receives that object and never looks at `os.environ`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from hookline import portal_settings, serve_layout
from hookline.portal_settings import PortalBranding

DEFAULT_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# HOOKLINE_DATABASE_POOLER: what sits between Hookline and PostgreSQL (docs/deployment.md).
POOLER_MODES = ("auto", "none", "session", "transaction")
# A FiveMinutes series spans up to a week, so five-minute counters live at least that long.
MIN_FIVE_MINUTE_DAYS = 7.0


class ConfigError(ValueError):
    """A `HOOKLINE_*` variable has a value Hookline cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("hookline-data")
    database_url: str = ""
    # PostgreSQL behind a pooler: its mode ("auto" probes at start), and a direct connection
    # for the LISTEN wake-ups, which need a session of their own.
    database_pooler: str = "auto"
    database_listen_url: str = field(default="", repr=False)
    # How long a starting process waits for an unreachable database before it gives up.
    database_startup_wait: float = 30.0
    admin_token: str | None = field(default=None, repr=False)
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    request_timeout: float = 15.0
    allow_private_networks: tuple[IPNetwork, ...] = ()
    max_payload_bytes: int = 512 * 1024
    # Every payload must match its event type's current JSON Schema, whatever the event
    # type's own `validate` says (docs/api.md#payload-validation).
    validate_payloads: bool = False
    # A claim is held this long; a worker that dies gives its deliveries back when it expires.
    lease_seconds: float = 0.0
    # An idempotency key claimed by a request that has not answered after this long is taken
    # to be abandoned (its API process died on PostgreSQL) and a repeat runs (docs/delivery.md).
    idempotency_lease_seconds: float = 60.0
    worker_concurrency: int = 512
    worker_batch_size: int = 256
    poll_interval: float = 0.5
    # `hookline serve`: 1 (API and worker in one process), 2 (worker in a child) or auto.
    serve_processes: str = "1"
    # A publish in a process that runs a worker hands the deliveries it can send now straight
    # to it, leased in the publish transaction (hookline.handoff): no claim before the POST.
    handoff: bool = True
    response_body_limit: int = 4096
    # Message payloads (and attempts' response bodies) older than this are removed; 0 keeps them.
    retention_days: float = 90.0
    retention_interval: float = 3600.0
    # Five-minute attempt counters older than this are pruned; 0 keeps them (docs/statistics.md).
    stats_five_minute_days: float = 30.0
    # A recover makes at most this many failed deliveries of one endpoint due per second, so
    # that a receiver coming back is not flooded with its whole backlog at once.
    recover_rate: float = 50.0
    # Messages published while an endpoint is disabled are kept for it (parked) and sent once
    # it is enabled again, unless the endpoint says otherwise. Off, as in Svix: they are
    # skipped, and `replay-missing` can still send them later.
    keep_messages_for_disabled_endpoints: bool = False

    # Delivery control (docs/delivery.md): per-endpoint concurrency, circuit breaker,
    # automatic disabling, Retry-After, operational webhooks.
    # At most this many requests in flight to one endpoint per worker; by default as many as
    # the worker has (the fair share between busy endpoints still applies).
    endpoint_concurrency: int = 512
    breaker_threshold: int = 10
    breaker_cooldown: float = 30.0
    disable_after: float = 5 * 24 * 3600.0
    max_retry_after: float = 3600.0
    operational_webhook_url: str | None = None
    # Send the attempt span's `traceparent` to receivers (observability.tracing).
    propagate_trace: bool = False
    operational_webhook_secret: str | None = None

    # Security (docs/security.md). Plain http endpoints outside the allowed networks need
    # allow_http. The secret key seals secrets at rest; repr=False keeps it out of logs.
    allow_http: bool = False
    secret_key: str | None = field(default=None, repr=False)
    secret_key_previous: str | None = field(default=None, repr=False)
    # The address clients use to reach the API, the one source of every absolute URL the server
    # builds (never the request's Host header). Empty: `http://HOST:PORT` of `hookline serve`.
    public_url: str = ""
    # Only connections from these addresses may set X-Forwarded-For / X-Forwarded-Proto.
    trusted_proxies: tuple[IPNetwork, ...] = ()

    # Observability (docs/observability.md). The metrics token may read /metrics and nothing
    # else; the metrics port serves /metrics, /healthz and /readyz without a token (0: none).
    metrics_enabled: bool = True
    metrics_token: str | None = field(default=None, repr=False)
    metrics_port: int = 0
    metrics_per_app: bool = False
    log_format: str = "text"
    log_level: str = "WARNING"
    access_log: bool = False

    # The dashboard (docs/dashboard.md): how long a browser session lasts after sign-in.
    ui_session_hours: float = 12.0
    # The portal (docs/dashboard.md#portal): the CSP frame-ancestors of its pages, and its
    # branding (server-wide).
    portal_frame_ancestors: str = "'self'"
    portal_branding: PortalBranding = field(default_factory=PortalBranding)

    def __post_init__(self) -> None:
        if not self.database_url:
            path = (self.data_dir / "hookline.db").resolve()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        if self.lease_seconds <= 0:
            object.__setattr__(self, "lease_seconds", self.request_timeout + 30.0)
        elif self.lease_seconds <= self.request_timeout:
            # A lease that can expire while its request is still running lets a second
            # worker send the same delivery concurrently.
            raise ConfigError(
                f"HOOKLINE_LEASE_SECONDS ({self.lease_seconds:g}) must exceed "
                f"HOOKLINE_REQUEST_TIMEOUT ({self.request_timeout:g})"
            )
        scheme = _scheme(self.database_url)
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ConfigError(
                f"HOOKLINE_DATABASE_URL must start with sqlite:// or postgresql://, got {scheme!r}"
            )
        if self.database_pooler not in POOLER_MODES:
            raise ConfigError(
                f"HOOKLINE_DATABASE_POOLER must be one of {', '.join(POOLER_MODES)}, "
                f"got {self.database_pooler!r}"
            )
        if self.database_listen_url and (
            scheme == "sqlite"
            or _scheme(self.database_listen_url) not in ("postgresql", "postgres")
        ):
            raise ConfigError(
                "HOOKLINE_DATABASE_LISTEN_URL must be a postgresql:// URL, and only goes with "
                "a PostgreSQL HOOKLINE_DATABASE_URL"
            )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _scheme(url: str) -> str:
    return url.partition(":")[0].partition("+")[0]


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _five_minute_days(env: Mapping[str, str]) -> float:
    name = "HOOKLINE_STATS_FIVE_MINUTE_DAYS"
    days = _float(env, name, 30.0)
    if 0 < days < MIN_FIVE_MINUTE_DAYS:
        # The FiveMinutes series answers up to a week: a shorter keep would cut it off.
        raise ConfigError(f"{name} must be 0 (keep) or at least {MIN_FIVE_MINUTE_DAYS:g} days")
    return days


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {env.get(name)!r}")


MIN_SECRET_KEY_CHARS = 32


def _secret_key(env: Mapping[str, str], name: str) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if len(raw) < MIN_SECRET_KEY_CHARS:
        # Not the value itself in the message: it is a secret, however bad.
        raise ConfigError(
            f"{name} must be at least {MIN_SECRET_KEY_CHARS} characters, got {len(raw)}"
        )
    return raw


def parse_retry_schedule(raw: str) -> tuple[float, ...]:
    """`"5,300,1800"` → `(5.0, 300.0, 1800.0)`; an empty string means no retries."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    try:
        delays = tuple(float(p) for p in parts)
    except ValueError as exc:
        raise ConfigError(
            f"HOOKLINE_RETRY_SCHEDULE must be comma-separated seconds, got {raw!r}"
        ) from exc
    if any(d < 0 for d in delays):
        raise ConfigError("HOOKLINE_RETRY_SCHEDULE delays must not be negative")
    return delays


def parse_networks(
    raw: str, name: str = "HOOKLINE_ALLOW_PRIVATE_NETWORKS"
) -> tuple[IPNetwork, ...]:
    """`"127.0.0.0/8, ::1"` → networks; a bare address is a single-host network."""
    networks = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{name}: {part!r} is not a CIDR network") from exc
    return tuple(networks)


def parse_public_url(raw: str) -> str:
    """An absolute http(s) URL without query, fragment or credentials; returned without its
    trailing slash, so that paths are appended to it as they are (`…/api/v1/app/…`)."""
    name = "HOOKLINE_PUBLIC_URL"
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid URL: {raw!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an absolute http:// or https:// URL, got {raw!r}")
    if parts.query or parts.fragment or raw.rstrip().endswith(("?", "#")):
        raise ConfigError(f"{name} must not have a query or fragment, got {raw!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{name} must not carry credentials")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    value = raw.upper() if choices == LOG_LEVELS else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def _port(env: Mapping[str, str], name: str) -> int:
    port = _int(env, name, 0, minimum=0)
    if port > 65535:
        raise ConfigError(f"{name} must be a TCP port (1-65535), got {port}")
    return port


def default_public_url(host: str, port: int) -> str:
    """`http://HOST:PORT` of the listening server (IPv6 literals in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("HOOKLINE_DATA_DIR") or "hookline-data")
    schedule_raw = env.get("HOOKLINE_RETRY_SCHEDULE")
    frame_ancestors, branding = _portal(env)
    return Settings(
        data_dir=data_dir,
        database_url=env.get("HOOKLINE_DATABASE_URL", "").strip(),
        database_pooler=(env.get("HOOKLINE_DATABASE_POOLER") or "auto").strip().lower(),
        database_listen_url=env.get("HOOKLINE_DATABASE_LISTEN_URL", "").strip(),
        database_startup_wait=_float(env, "HOOKLINE_DATABASE_STARTUP_WAIT", 30.0, minimum=0),
        admin_token=(env.get("HOOKLINE_ADMIN_TOKEN") or "").strip() or None,
        retry_schedule=(
            DEFAULT_RETRY_SCHEDULE if schedule_raw is None else parse_retry_schedule(schedule_raw)
        ),
        request_timeout=_float(env, "HOOKLINE_REQUEST_TIMEOUT", 15.0, minimum=0.001),
        allow_private_networks=parse_networks(env.get("HOOKLINE_ALLOW_PRIVATE_NETWORKS", "")),
        max_payload_bytes=_int(env, "HOOKLINE_MAX_PAYLOAD_BYTES", 512 * 1024),
        validate_payloads=_bool(env, "HOOKLINE_VALIDATE_PAYLOADS"),
        lease_seconds=_float(env, "HOOKLINE_LEASE_SECONDS", 0.0),
        idempotency_lease_seconds=_float(
            env, "HOOKLINE_IDEMPOTENCY_LEASE_SECONDS", 60.0, minimum=1.0
        ),
        worker_concurrency=_int(env, "HOOKLINE_WORKER_CONCURRENCY", 512),
        worker_batch_size=_int(env, "HOOKLINE_WORKER_BATCH_SIZE", 256),
        poll_interval=_float(env, "HOOKLINE_POLL_INTERVAL", 0.5, minimum=0.01),
        serve_processes=_choice(env, "HOOKLINE_SERVE_PROCESSES", "1", serve_layout.CHOICES),
        handoff=_bool(env, "HOOKLINE_HANDOFF", True),
        endpoint_concurrency=_int(env, "HOOKLINE_ENDPOINT_CONCURRENCY", 512),
        breaker_threshold=_int(env, "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD", 10),
        breaker_cooldown=_float(env, "HOOKLINE_CIRCUIT_BREAKER_COOLDOWN", 30.0, minimum=0.01),
        disable_after=_float(env, "HOOKLINE_DISABLE_AFTER", 5 * 24 * 3600.0, minimum=1.0),
        max_retry_after=_float(env, "HOOKLINE_MAX_RETRY_AFTER", 3600.0),
        propagate_trace=_bool(env, "HOOKLINE_PROPAGATE_TRACE"),
        operational_webhook_url=(env.get("HOOKLINE_OPERATIONAL_WEBHOOK_URL") or "").strip() or None,
        operational_webhook_secret=(
            (env.get("HOOKLINE_OPERATIONAL_WEBHOOK_SECRET") or "").strip() or None
        ),
        retention_days=_float(env, "HOOKLINE_RETENTION_DAYS", 90.0),
        retention_interval=_float(env, "HOOKLINE_RETENTION_INTERVAL", 3600.0, minimum=0.1),
        stats_five_minute_days=_five_minute_days(env),
        recover_rate=_float(env, "HOOKLINE_RECOVER_RATE", 50.0, minimum=0.01),
        keep_messages_for_disabled_endpoints=_bool(
            env, "HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS"
        ),
        allow_http=_bool(env, "HOOKLINE_ALLOW_HTTP"),
        secret_key=_secret_key(env, "HOOKLINE_SECRET_KEY"),
        secret_key_previous=_secret_key(env, "HOOKLINE_SECRET_KEY_PREVIOUS"),
        public_url=(
            parse_public_url(env["HOOKLINE_PUBLIC_URL"])
            if (env.get("HOOKLINE_PUBLIC_URL") or "").strip()
            else ""
        ),
        trusted_proxies=parse_networks(
            env.get("HOOKLINE_TRUSTED_PROXIES", ""), "HOOKLINE_TRUSTED_PROXIES"
        ),
        metrics_enabled=_bool(env, "HOOKLINE_METRICS_ENABLED", default=True),
        metrics_token=(env.get("HOOKLINE_METRICS_TOKEN") or "").strip() or None,
        metrics_port=_port(env, "HOOKLINE_METRICS_PORT"),
        metrics_per_app=_bool(env, "HOOKLINE_METRICS_PER_APP"),
        log_format=_choice(env, "HOOKLINE_LOG_FORMAT", "text", LOG_FORMATS),
        log_level=_choice(env, "HOOKLINE_LOG_LEVEL", "WARNING", LOG_LEVELS),
        access_log=_bool(env, "HOOKLINE_ACCESS_LOG"),
        ui_session_hours=_float(env, "HOOKLINE_UI_SESSION_HOURS", 12.0, minimum=0.01),
        portal_frame_ancestors=frame_ancestors,
        portal_branding=branding,
    )


def _portal(env: Mapping[str, str]) -> tuple[str, PortalBranding]:
    try:
        return (
            portal_settings.parse_frame_ancestors(env.get("HOOKLINE_PORTAL_FRAME_ANCESTORS", "")),
            PortalBranding(
                name=portal_settings.parse_name(env.get("HOOKLINE_PORTAL_NAME", "")),
                logo_url=portal_settings.parse_logo_url(env.get("HOOKLINE_PORTAL_LOGO_URL", "")),
                accent_colour=portal_settings.parse_accent_colour(
                    env.get("HOOKLINE_PORTAL_ACCENT_COLOR", "")
                ),
                theme=portal_settings.parse_theme(env.get("HOOKLINE_PORTAL_THEME", "")),
            ),
        )
    except portal_settings.PortalSettingError as exc:
        raise ConfigError(str(exc)) from exc


@dataclass(frozen=True)
class ClientEnvironment:
    """What the CLI's client commands take from the environment: the server to talk to and the
    token to talk with. Deliberately apart from `Settings`: a client command never parses the
    server's variables, so a shell that also runs a server (with a setting the client has no
    use for, or one it would refuse) does not break `hookline app list`."""

    url: str | None = None
    token: str | None = field(default=None, repr=False)
    # Where named profiles live: $XDG_CONFIG_HOME/hookline/profiles.toml (~/.config by default).
    profiles_path: Path = Path("~/.config/hookline/profiles.toml")


def load_client_environment(env: Mapping[str, str] | None = None) -> ClientEnvironment:
    env = os.environ if env is None else env
    config_home = (env.get("XDG_CONFIG_HOME") or "").strip()
    base = Path(config_home) if config_home else Path(env.get("HOME") or "~") / ".config"
    return ClientEnvironment(
        url=(env.get("HOOKLINE_URL") or "").strip() or None,
        token=(env.get("HOOKLINE_TOKEN") or "").strip() or None,
        profiles_path=base / "hookline" / "profiles.toml",
    )
