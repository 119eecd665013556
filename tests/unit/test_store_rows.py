"""The store's typed rows, built from real rows of the real schema (SQLite in memory)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hookline.store import rows, schema
from hookline.types import DeliveryStatus, FailureKind, TriggerType

SEALED = "enc1:k1:c2VhbGVkLXNpZ25pbmctc2VjcmV0"
SEALED_PREVIOUS = "enc1:k1:cHJldmlvdXMtc2VjcmV0"
SEALED_KEY = "enc1:k1:dGxzLWNsaWVudC1rZXk="


@pytest.fixture
def conn() -> Iterator[sa.Connection]:
    engine = sa.create_engine("sqlite://")
    schema.metadata.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def _insert_endpoint(conn: sa.Connection) -> None:
    conn.execute(
        schema.applications.insert().values(
            id="app_1",
            uid=None,
            name="a",
            throttle_rate=None,
            metadata={},
            created_at=1,
            updated_at=1,
        )
    )
    conn.execute(
        schema.endpoints.insert().values(
            id="ep_1",
            app_id="app_1",
            uid="ep-one",
            url="https://127.0.0.1/hook",
            description="",
            disabled=False,
            event_types=["invoice.paid"],
            channels=None,
            secret=SEALED,
            metadata={"team": "billing"},
            headers={},
            throttle_rate=None,
            created_at=10,
            updated_at=20,
            previous_secrets=[{"secret": SEALED_PREVIOUS, "expiresAt": 99}],
            tls_client_cert="-----BEGIN CERTIFICATE-----",
            tls_client_key=SEALED_KEY,
            tls_ca_cert=None,
        )
    )


# Each row type and the table it is read from: the row has one field per column, so a
# column added to the schema must be added to its row (and so to whatever shows it).
WHOLE_TABLE_ROWS = [
    (rows.ApplicationRow, schema.applications),
    (rows.EventTypeRow, schema.event_types),
    (rows.EndpointRow, schema.endpoints),
    (rows.MessageRow, schema.messages),
    (rows.DeliveryRow, schema.deliveries),
    (rows.AppTokenRow, schema.app_tokens),
]


@pytest.mark.parametrize(("row_type", "table"), WHOLE_TABLE_ROWS)
def test_a_row_has_one_field_per_column(row_type: type, table: sa.Table) -> None:
    assert {f.name for f in dataclasses.fields(row_type)} == {c.name for c in table.columns}


def test_attempt_row_has_the_attempt_columns_and_its_message() -> None:
    fields = {f.name for f in dataclasses.fields(rows.AttemptRow)}
    assert fields == {c.name for c in schema.attempts.columns} | {"msg"}


def test_endpoint_row_is_typed_and_keeps_secrets_out_of_repr(conn: sa.Connection) -> None:
    _insert_endpoint(conn)
    row = rows.EndpointRow.from_row(conn.execute(sa.select(schema.endpoints)).one())
    assert row.event_types == ("invoice.paid",)
    assert row.channels is None
    assert row.metadata == {"team": "billing"}
    assert (row.failure_streak, row.circuit_until, row.fifo) == (0, None, False)
    assert row.secret == SEALED
    text = repr(row)
    assert "ep-one" in text
    for material in (SEALED, SEALED_PREVIOUS, SEALED_KEY, "secret=", "tls_client_key="):
        assert material not in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.url = "https://127.0.0.1/other"  # type: ignore[misc]


def test_attempt_rows_carry_enums_and_optionally_their_message(conn: sa.Connection) -> None:
    conn.execute(
        schema.messages.insert().values(
            id="msg_1",
            app_id="app_1",
            event_type="invoice.paid",
            event_id=None,
            payload=b"{}",
            channels=["eu"],
            tags=None,
            created_at=5,
        )
    )
    conn.execute(
        schema.attempts.insert().values(
            id="atmpt_1",
            app_id="app_1",
            msg_id="msg_1",
            endpoint_id="ep_1",
            delivery_id=1,
            url="https://127.0.0.1/hook",
            status=int(DeliveryStatus.FAIL),
            trigger=int(TriggerType.MANUAL),
            response_status_code=0,
            response="timed out",
            response_duration_ms=30,
            failure_kind="timeout",
            created_at=6,
        )
    )
    a, m = schema.attempts, schema.messages
    plain = rows.AttemptRow.from_row(conn.execute(sa.select(a)).one())
    assert plain.status is DeliveryStatus.FAIL
    assert plain.trigger is TriggerType.MANUAL
    assert plain.failure_kind is FailureKind.TIMEOUT
    assert plain.msg is None
    joined = sa.select(
        a,
        m.c.event_type.label("msg_event_type"),
        m.c.event_id.label("msg_event_id"),
        m.c.channels.label("msg_channels"),
        m.c.tags.label("msg_tags"),
        m.c.created_at.label("msg_created_at"),
        m.c.deliver_at.label("msg_deliver_at"),
    ).join(m, m.c.id == a.c.msg_id)
    with_msg = rows.AttemptRow.with_message(conn.execute(joined).one())
    assert with_msg.msg == rows.AttemptMessage(
        id="msg_1",
        event_type="invoice.paid",
        event_id=None,
        channels=("eu",),
        tags=None,
        created_at=5,
    )
    assert dataclasses.replace(with_msg, msg=None) == plain
