"""The fan-out of a publish batch, built by the database: one `INSERT … SELECT` joins the
batch's messages with their applications' endpoints and keeps the pairs that routing chooses.

It runs inside the publish transaction, so a 202 still means every delivery is stored. It is
written for size: one publish may reach 10,000 endpoints, and reading their routes into
Python and writing a row back per delivery cost several times what the database's own work
does. So the routing rule of hookline.routing (`recipients`: `reaches_endpoint` and
`endpoint_accepts`) is spelled here in each dialect's SQL, with the same meaning: NULL, JSON
`null` and an empty list are no filter; a message without channels reaches only endpoints
without a channel filter; `only_endpoint` (an example) reaches that endpoint if it is
enabled, whatever its filters. tests/integration/test_fan_out_sql.py holds the two to each
other on both stores.

The deliveries are inserted in batch order, then endpoint id order within a message: a FIFO
endpoint's deliveries of one batch get ids in the order of their messages (its claim takes
the lowest id first), and the index entries are appended rather than scattered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.column_arrays import unnest_sql
from hookline.types import DeliveryStatus, TriggerType


@dataclass
class FanOutBatch:
    """A batch's messages as the fan-out statement takes them: one entry per message in each
    list, in batch order."""

    msg_ids: list[str] = field(default_factory=list)
    app_ids: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    channels: list[list[str] | None] = field(default_factory=list)
    deliver_at: list[int | None] = field(default_factory=list)  # ms; None: due now
    only_endpoints: list[str | None] = field(default_factory=list)  # an example's endpoint
    # HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS, as the request carries it.
    keeps: list[bool] = field(default_factory=list)

    def add(
        self,
        msg_id: str,
        app_id: str,
        event_type: str,
        channels: list[str] | None,
        deliver_at: int | None,
        only_endpoint: str | None,
        keeps: bool,
    ) -> None:
        self.msg_ids.append(msg_id)
        self.app_ids.append(app_id)
        self.event_types.append(event_type)
        self.channels.append(channels or None)
        self.deliver_at.append(deliver_at)
        self.only_endpoints.append(only_endpoint)
        self.keeps.append(keeps)

    def __len__(self) -> int:
        return len(self.msg_ids)

    def parameters(self, dialect: str) -> dict[str, Any]:
        """The batch as the parameters of `_BATCH[dialect]`."""
        if dialect == "postgresql":
            return {
                "ord": list(range(len(self))),
                "msg_id": self.msg_ids,
                "app_id": self.app_ids,
                "event_type": self.event_types,
                "channels": [
                    None if c is None else orjson.dumps(c).decode() for c in self.channels
                ],
                "deliver_at": self.deliver_at,
                "only_endpoint": self.only_endpoints,
                "keeps": self.keeps,
            }
        # One JSON parameter, so that the statement's text is the same for every batch size.
        rows = zip(
            self.msg_ids,
            self.app_ids,
            self.event_types,
            self.channels,
            self.deliver_at,
            self.only_endpoints,
            self.keeps,
            strict=True,
        )
        return {"batch": orjson.dumps(list(rows)).decode()}


_BATCH_COLUMNS = (
    sa.Column("ord", sa.Integer),
    sa.Column("msg_id", sa.String),
    sa.Column("app_id", sa.String),
    sa.Column("event_type", sa.String),
    sa.Column("channels", JSONB),
    sa.Column("deliver_at", sa.BigInteger),
    sa.Column("only_endpoint", sa.String),
    sa.Column("keeps", sa.Boolean),
)
# The batch as a relation named `batch`, one row per message. SQLite reads it from one JSON
# array (materialized: decoded once, not once per endpoint it is joined with).
_BATCH = {
    "postgresql": f"WITH batch AS (SELECT * FROM {unnest_sql(_BATCH_COLUMNS, 'b')}) ",
    "sqlite": (
        "WITH batch AS MATERIALIZED (SELECT CAST(key AS INTEGER) AS ord, "
        + ", ".join(
            f"json_extract(value, '$[{i}]') AS {c.name}" for i, c in enumerate(_BATCH_COLUMNS[1:])
        )
        + " FROM json_each(:batch)) "
    ),
}

# endpoint_accepts(e.event_types, e.channels, b.event_type, b.channels). CASE, not OR: SQL
# does not promise to evaluate OR's operands in order, and PostgreSQL's array functions
# raise on a scalar (a filter stored as JSON null).
_ACCEPTS = {
    "postgresql": (
        "CASE WHEN jsonb_typeof(e.event_types) IS DISTINCT FROM 'array' THEN TRUE"
        " WHEN jsonb_array_length(e.event_types) = 0 THEN TRUE"
        " ELSE e.event_types @> jsonb_build_array(b.event_type) END"
        " AND CASE WHEN jsonb_typeof(e.channels) IS DISTINCT FROM 'array' THEN TRUE"
        " WHEN jsonb_array_length(e.channels) = 0 THEN TRUE"
        " ELSE EXISTS (SELECT 1 FROM jsonb_array_elements_text(e.channels) AS c(v)"
        " WHERE c.v IN (SELECT jsonb_array_elements_text(b.channels))) END"
    ),
    # json_array_length is 0 for JSON null and NULL for SQL NULL: both take the ELSE.
    "sqlite": (
        "CASE WHEN json_array_length(e.event_types) > 0"
        " THEN EXISTS (SELECT 1 FROM json_each(e.event_types) AS t WHERE t.value = b.event_type)"
        " ELSE 1 END"
        " AND CASE WHEN json_array_length(e.channels) > 0"
        " THEN EXISTS (SELECT 1 FROM json_each(e.channels) AS c"
        " WHERE c.value IN (SELECT value FROM json_each(b.channels)))"
        " ELSE 1 END"
    ),
}


def _routes(dialect: str, join: str = "") -> str:
    """FROM (with `join` added) and WHERE of the (message, endpoint) pairs that
    routing.recipients chooses."""
    return (
        f"FROM batch AS b JOIN endpoints AS e ON e.app_id = b.app_id{join} "
        "WHERE CASE WHEN b.only_endpoint IS NOT NULL"
        " THEN e.id = b.only_endpoint AND NOT e.disabled"
        # reaches_endpoint: enabled, or disabled and keeping messages (its own choice, else
        # the server's).
        " ELSE (NOT e.disabled OR COALESCE(e.keep_messages_while_disabled, b.keeps))"
        f" AND {_ACCEPTS[dialect]} END"
    )


_COLUMNS = (
    'app_id, msg_id, endpoint_id, status, "trigger", attempt_count, due_at, lease_owner, '
    "created_at, updated_at, fifo"
)
# A disabled endpoint's delivery is parked (no due time) until it is enabled again, as the
# worker parks those it claims (store.deliveries); a scheduled one keeps its time, and is
# parked then if the endpoint is still disabled. `NOT EXISTS`: after a hand-off, the pairs
# already inserted leased (leased_fan_out.py) are not inserted again. The batch's WITH is
# inside the INSERT: Python's sqlite3 counts the rows of a statement that starts with INSERT
# only.
_INSERT = (
    "INSERT INTO deliveries ({columns}) {batch}"
    "SELECT b.app_id, b.msg_id, e.id, :status, :trigger, 0,"
    " CASE WHEN e.disabled THEN b.deliver_at ELSE COALESCE(b.deliver_at, :now) END,"
    " NULL, :now, :now, e.fifo {routes}{not_leased} ORDER BY b.ord, e.id"
)
_NOT_LEASED = (
    " AND NOT EXISTS (SELECT 1 FROM deliveries AS d"
    " WHERE d.endpoint_id = e.id AND d.msg_id = b.msg_id)"
)
_INSERTS = {
    (dialect, after_lease): sa.text(
        _INSERT.format(
            columns=_COLUMNS,
            batch=_BATCH[dialect],
            routes=_routes(dialect),
            not_leased=_NOT_LEASED if after_lease else "",
        )
    )
    for dialect in _BATCH
    for after_lease in (False, True)
}


async def insert_deliveries(
    conn: AsyncConnection, batch: FanOutBatch, now: int, after_lease: bool = False
) -> int:
    """Insert a pending delivery (attempt 0, no lease; parked where its endpoint is disabled)
    for every pair routing chooses, in one statement; returns how many. `after_lease`: some
    pairs of the batch were inserted already (leased), and are left out."""
    if not batch:
        return 0
    dialect = conn.dialect.name
    result = await conn.execute(
        _INSERTS[dialect, after_lease],
        {
            **batch.parameters(dialect),
            "status": int(DeliveryStatus.PENDING),
            "trigger": int(TriggerType.SCHEDULED),
            "now": now,
        },
    )
    return int(result.rowcount)


# What a hand-off needs of an endpoint (store/leased_fan_out.py). The JSON columns come as
# stored; leased_fan_out decodes them for the endpoints that get a handed-off delivery.
_HANDOFF_COLUMNS = (
    "b.msg_id, e.id, e.app_id, e.disabled, e.url, e.secret, e.previous_secrets,"
    " e.tls_client_cert, e.tls_client_key, e.tls_ca_cert, e.headers, e.circuit_until,"
    " e.throttle_rate, e.kind, a.throttle_rate AS app_throttle_rate"
)
# Deliveries that may go now as far as the fan-out knows: not FIFO, not scheduled, endpoint
# enabled (the circuit and throttles are read for the hand-off to decide).
_CANDIDATES = {
    dialect: sa.text(
        _BATCH[dialect]
        + f"SELECT {_HANDOFF_COLUMNS} "
        + _routes(dialect, " JOIN applications AS a ON a.id = e.app_id")
        + " AND NOT e.fifo AND NOT e.disabled AND b.deliver_at IS NULL"
        " ORDER BY b.ord, e.id LIMIT :limit"
    )
    for dialect in _BATCH
}


async def handoff_candidates(
    conn: AsyncConnection, batch: FanOutBatch, limit: int
) -> Sequence[sa.Row[Any]]:
    """The first `limit` routed pairs that could be handed off, in insertion order, each with
    its endpoint's state (the columns of `_HANDOFF_COLUMNS`)."""
    if not batch or limit <= 0:
        return []
    dialect = conn.dialect.name
    rows = await conn.execute(_CANDIDATES[dialect], {**batch.parameters(dialect), "limit": limit})
    return rows.all()
