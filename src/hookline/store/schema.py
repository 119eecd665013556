"""Table definitions. Times are integer milliseconds since the epoch (UTC), portable and cheap
to compare; JSON columns hold small lists and maps; message payloads are the exact bytes that
are signed and sent."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hookline.stat_buckets import LATENCY_BUCKETS

metadata = sa.MetaData()

Json = sa.JSON().with_variant(JSONB(), "postgresql")
# None is SQL NULL here (plain Json stores None as a JSON null), so IS NULL finds it.
NullableJson = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("uid", sa.String(256), nullable=True, unique=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("throttle_rate", sa.Integer, nullable=True),
    sa.Column("metadata", Json, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    # Throttling all of the application's endpoints together: the earliest time the next
    # message may be sent (shared by all workers, as the endpoints' `next_send_at`).
    sa.Column("next_send_at", sa.BigInteger, nullable=True),
)

event_types = sa.Table(
    "event_types",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("deprecated", sa.Boolean, nullable=False),
    sa.Column("schemas", Json, nullable=True),
    sa.Column("group_name", sa.String(256), nullable=True),
    sa.Column("feature_flags", Json, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    # Seconds between the attempts of this type's messages, replacing HOOKLINE_RETRY_SCHEDULE
    # for them; NULL: the server's schedule.
    sa.Column("retry_schedule", NullableJson, nullable=True),
    # Payloads must match the current schema to be published (HOOKLINE_VALIDATE_PAYLOADS: all).
    sa.Column("validate", sa.Boolean, nullable=False, server_default=sa.false()),
)

endpoints = sa.Table(
    "endpoints",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "app_id",
        sa.String(40),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("uid", sa.String(256), nullable=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("event_types", Json, nullable=True),
    sa.Column("channels", Json, nullable=True),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("metadata", Json, nullable=False),
    sa.Column("headers", Json, nullable=False),
    sa.Column("throttle_rate", sa.Integer, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    # Health, kept by the workers (store/endpoint_health.py): consecutive failed attempts,
    # since when it has failed without a success, and the circuit breaker (NULL = closed;
    # in the future = open; in the past = a probe may go).
    sa.Column("failure_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failing_since", sa.BigInteger, nullable=True),
    sa.Column("circuit_until", sa.BigInteger, nullable=True),
    sa.Column("circuit_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("disabled_reason", sa.Text, nullable=True),
    # One message at a time, in publish order (a Hookline extension).
    sa.Column("fifo", sa.Boolean, nullable=False, server_default=sa.false()),
    # Throttling: the earliest time the next message may be sent (shared by all workers).
    sa.Column("next_send_at", sa.BigInteger, nullable=True),
    # Messages published while disabled are kept (parked) for it; NULL: the server's setting.
    sa.Column("keep_messages_while_disabled", sa.Boolean, nullable=True),
    # Secrets at rest are sealed (hookline.secrets_at_rest): `secret`, each previous secret
    # ([{"secret", "expiresAt"}], newest first, signing until expiresAt after a rotation) and
    # the TLS client key. The certificates are public and stored as PEM text.
    sa.Column("previous_secrets", NullableJson, nullable=True),
    sa.Column("tls_client_cert", sa.Text, nullable=True),
    sa.Column("tls_client_key", sa.Text, nullable=True),
    sa.Column("tls_ca_cert", sa.Text, nullable=True),
    # 'http', or 'relay': created by `hookline listen`, delivered through the listener's
    # WebSocket by the worker whose process holds it (`relay_owner`, while `relay_owner_until`
    # is in the future; renewed while the socket is open). A relay's `url` is never dialled.
    sa.Column("kind", sa.String(16), nullable=False, server_default="http"),
    sa.Column("relay_owner", sa.String(80), nullable=True),
    sa.Column("relay_owner_until", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("app_id", "uid", name="uq_endpoints_app_uid"),
    sa.Index("ix_endpoints_app", "app_id", "id"),
    sa.Index(
        "ix_endpoints_relay",
        "id",
        sqlite_where=sa.text("kind = 'relay'"),
        postgresql_where=sa.text("kind = 'relay'"),
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "app_id",
        sa.String(40),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_type", sa.String(256), nullable=False),
    sa.Column("event_id", sa.String(256), nullable=True),
    sa.Column("payload", sa.LargeBinary, nullable=True),
    sa.Column("channels", Json, nullable=True),
    sa.Column("tags", Json, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # When the message was scheduled for (`deliverAt`); NULL: delivered as soon as published.
    sa.Column("deliver_at", sa.BigInteger, nullable=True),
    # The publish request's W3C trace context (`traceparent`), when tracing is on, so that
    # each attempt's span links to the publish even in another process.
    sa.Column("trace_context", sa.String(128), nullable=True),
    # The message's place in its application's stream, in commit order (polling; see
    # app_message_sequences). NULL never after migration 0012.
    sa.Column("seq", sa.BigInteger, nullable=True),
    # When this message's payload is removed, if it asked for a shorter keep than
    # HOOKLINE_RETENTION_DAYS (`payloadRetentionPeriod` / `payloadRetentionHours`).
    sa.Column("payload_expires_at", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("app_id", "event_id", name="uq_messages_app_event_id"),
    sa.Index("ix_messages_app", "app_id", "id"),
    # Message lists filtered by event type, newest first, without reading other types.
    sa.Index("ix_messages_app_type", "app_id", "event_type", "id"),
    sa.Index("ux_messages_app_seq", "app_id", "seq", unique=True),
    # The retention pass finds the payloads due by this index alone: only messages that
    # asked for their own keep and still hold a payload are in it.
    sa.Index(
        "ix_messages_payload_expiry",
        "payload_expires_at",
        sqlite_where=sa.text("payload_expires_at IS NOT NULL AND payload IS NOT NULL"),
        postgresql_where=sa.text("payload_expires_at IS NOT NULL AND payload IS NOT NULL"),
    ),
)

# The last `messages.seq` given out per application. A publish takes its numbers by updating
# this row, which it holds locked until it commits: numbers are therefore committed in order,
# and a reader that has seen number n will never see a lower one appear later.
app_message_sequences = sa.Table(
    "app_message_sequences",
    metadata,
    sa.Column(
        "app_id",
        sa.String(40),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

# A polling endpoint's consumers (Svix's poller): each one's durable cursor, the `seq` of the
# last message it was given (0: none yet).
poller_consumers = sa.Table(
    "poller_consumers",
    metadata,
    sa.Column(
        "endpoint_id",
        sa.String(40),
        sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("consumer_id", sa.String(256), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# One row per tag of a message: what the `tag` filters of message and attempt lists look up,
# by index on both stores (a JSON column cannot be indexed on SQLite). `messages.tags` keeps
# the tags in the order given, for the answers.
message_tags = sa.Table(
    "message_tags",
    metadata,
    sa.Column("app_id", sa.String(40), primary_key=True),
    sa.Column("tag", sa.String(128), primary_key=True),
    sa.Column(
        "msg_id",
        sa.String(40),
        sa.ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Index("ix_message_tags_msg", "msg_id"),
)

# One row per (message, endpoint): the state of delivering that message there.
# `due_at` is when a worker should next look at it: the next attempt while pending, the lease
# expiry while a worker holds it (status SENDING), NULL while parked (endpoint disabled).
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("app_id", sa.String(40), nullable=False),
    sa.Column(
        "msg_id", sa.String(40), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "endpoint_id",
        sa.String(40),
        sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("trigger", sa.SmallInteger, nullable=False),
    sa.Column("attempt_count", sa.Integer, nullable=False),
    sa.Column("due_at", sa.BigInteger, nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    # Copied from the endpoint at publish time: only the oldest unfinished delivery of a FIFO
    # endpoint may be claimed.
    sa.Column("fifo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_deliveries_fifo_head", "endpoint_id", "status", "id"),
    sa.Index(
        "ix_deliveries_due",
        "due_at",
        sqlite_where=sa.text("status IN (1, 3)"),
        postgresql_where=sa.text("status IN (1, 3)"),
    ),
    sa.Index("ix_deliveries_msg", "msg_id"),
    # (endpoint_id, status) lookups use ix_deliveries_fifo_head, of which they are a prefix: a
    # second index on the same columns cost every claim and record its upkeep.
    # The FIFO endpoints with unfinished deliveries, one seek each (the claim's FIFO branch):
    # small however long the non-FIFO backlog. The predicates are as each dialect renders
    # the claim's condition, so that SQLite sees that the query implies them.
    sa.Index(
        "ix_deliveries_fifo_waiting",
        "endpoint_id",
        sqlite_where=sa.text("fifo = 1 AND status IN (1, 3)"),
        postgresql_where=sa.text("fifo AND status IN (1, 3)"),
    ),
)

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("app_id", sa.String(40), nullable=False),
    sa.Column("msg_id", sa.String(40), nullable=False),
    sa.Column("endpoint_id", sa.String(40), nullable=False),
    sa.Column("delivery_id", sa.BigInteger, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("trigger", sa.SmallInteger, nullable=False),
    sa.Column("response_status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.Text, nullable=False),
    sa.Column("response_duration_ms", sa.Integer, nullable=False),
    sa.Column("failure_kind", sa.String(32), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # The headers sent and received, as [[name, value], …] with secrets redacted and the
    # receiver's bounded (hookline.recorded_headers); NULL: not recorded, or removed with the
    # response body by retention or expunge.
    sa.Column("request_headers", NullableJson, nullable=True),
    sa.Column("response_headers", NullableJson, nullable=True),
    sa.Index("ix_attempts_msg", "app_id", "msg_id", "id"),
    sa.Index("ix_attempts_endpoint", "app_id", "endpoint_id", "id"),
    # An endpoint's attempts of one status, newest first (the `status` filter).
    sa.Index("ix_attempts_endpoint_status", "app_id", "endpoint_id", "status", "id"),
)

# Lists a message's deliveries to one endpoint newest first (the endpoint's message log) and
# finds an endpoint's failures in a time range (recover) without sorting all its deliveries.
sa.Index("ix_deliveries_endpoint_msg", deliveries.c.endpoint_id, deliveries.c.msg_id)

# Finds an endpoint's deliveries created in a window by state (endpoint statistics) from the
# index alone.
sa.Index(
    "ix_deliveries_endpoint_created",
    deliveries.c.endpoint_id,
    deliveries.c.created_at,
    deliveries.c.status,
)

# The failed deliveries, newest first, of all applications and of one (the dashboard's failed
# deliveries), without reading the others or sorting.
sa.Index(
    "ix_deliveries_failed",
    deliveries.c.id,
    sqlite_where=sa.text("status = 2"),
    postgresql_where=sa.text("status = 2"),
)
sa.Index(
    "ix_deliveries_app_failed",
    deliveries.c.app_id,
    deliveries.c.id,
    sqlite_where=sa.text("status = 2"),
    postgresql_where=sa.text("status = 2"),
)

# Delivery statistics, pre-aggregated by the workers in the same transaction as the attempts
# they count (store.statistics): per application, endpoint, period (stat_buckets.Period) and
# bucket start, the attempts by outcome and a latency histogram (`latency_<i>` counts the
# attempts in stat_buckets.LATENCY_BOUNDS_MS[i]; the last one, anything slower).
attempt_stats = sa.Table(
    "attempt_stats",
    metadata,
    sa.Column("app_id", sa.String(40), primary_key=True),
    sa.Column("period", sa.SmallInteger, primary_key=True),
    sa.Column("bucket_start", sa.BigInteger, primary_key=True),
    sa.Column("endpoint_id", sa.String(40), primary_key=True),
    sa.Column("success", sa.BigInteger, nullable=False),
    sa.Column("failure", sa.BigInteger, nullable=False),
    *(sa.Column(f"latency_{i}", sa.BigInteger, nullable=False) for i in range(LATENCY_BUCKETS)),
    sa.Index("ix_attempt_stats_endpoint", "endpoint_id", "period", "bucket_start"),
    # Every application's buckets of a period in a window (the dashboard's Overview).
    sa.Index("ix_attempt_stats_period", "period", "bucket_start"),
)

# One row per idempotency key seen in the last 24 hours (see store.idempotency). The key itself
# is never stored: `key_hash` (128 bits of SHA-256; short keys keep the random-order primary
# key index small, which is most of an insert's cost) covers the caller's token, the method,
# the path and the key. `status_code` is NULL while the first request is still running.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key_hash", sa.LargeBinary(16), primary_key=True),
    sa.Column("fingerprint", sa.LargeBinary(16), nullable=False),
    sa.Column("status_code", sa.SmallInteger, nullable=True),
    sa.Column("content_type", sa.String(128), nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Index("ix_idempotency_keys_expires", "expires_at"),
)

# Application tokens (Svix's app-portal access): only the SHA-256 of each token is stored.
app_tokens = sa.Table(
    "app_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "app_id",
        sa.String(40),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("read_only", sa.Boolean, nullable=False),
    sa.Column("capabilities", NullableJson, nullable=True),
    sa.Column("session_id", sa.String(256), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    # A token that may only read this polling endpoint (a Hookline extension); NULL: none.
    sa.Column("polling_endpoint_id", sa.String(40), nullable=True),
    sa.Index("ix_app_tokens_app", "app_id", "expires_at"),
)

# Browser sessions of the dashboard (`kind` "operator", signed in with the admin token) and of
# the portal ("portal", one application, opened by a portal link). Only the SHA-256 of the
# cookie value is stored; a session is revocable server-side (`revoked_at`). A portal session
# belongs to the application token its link was issued with and ends with it.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column(
        "app_id",
        sa.String(40),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column(
        "token_hash",
        sa.String(64),
        sa.ForeignKey("app_tokens.token_hash", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
    sa.Index("ix_web_sessions_expires", "expires_at"),
)

# Single-use portal links: the code in a link returned by app-portal-access (only its SHA-256
# is stored). Opening the link consumes the code (`used_at`) and starts a portal session bound
# to the application token issued with it.
portal_links = sa.Table(
    "portal_links",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column(
        "token_hash",
        sa.String(64),
        sa.ForeignKey("app_tokens.token_hash", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("used_at", sa.BigInteger, nullable=True),
    sa.Index("ix_portal_links_token", "token_hash"),
)

# Long operations (recover, replay, expunge all, statistics aggregation): Svix's background
# tasks (`qtask_…`). `heartbeat_at` is moved on while the process running it lives; a task
# still `running` whose heartbeat stopped is marked failed (store.background_tasks).
background_tasks = sa.Table(
    "background_tasks",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("task", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # The application it concerns, if one (kept when the application is deleted).
    sa.Column("app_id", sa.String(40), nullable=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("heartbeat_at", sa.BigInteger, nullable=False),
    sa.Index("ix_background_tasks_status", "status", "id"),
    sa.Index("ix_background_tasks_task", "task", "id"),
)
