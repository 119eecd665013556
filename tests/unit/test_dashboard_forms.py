"""The pure parts of the dashboard's views: the endpoint form, time fields, the messages
search, the failed-deliveries filter, a message's destinations, the catalog's examples."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hookline.operations.errors import InvalidInput
from hookline.operations.partial import UNSET
from hookline.store.rows import EndpointRow
from hookline.types import DeliveryStatus, EndpointTls
from hookline.ui.endpoint_form import (
    endpoint_input,
    field_errors,
    form_values,
    parse_headers,
    split_list,
)
from hookline.ui.message_search import SearchProblem, read_search
from hookline.ui.time_inputs import BadTime, parse_time, time_input_value
from hookline.ui.views.dead_letters import read_filter
from hookline.ui.views.event_types import example_of

STORED = EndpointRow.from_row(
    {
        "id": "ep_1",
        "app_id": "app_1",
        "uid": None,
        "url": "https://e.com",
        "description": "",
        "disabled": False,
        "event_types": None,
        "channels": None,
        "metadata": {},
        "headers": {},
        "throttle_rate": None,
        "fifo": False,
        "created_at": 1,
        "updated_at": 1,
        "failure_streak": 0,
        "failing_since": None,
        "circuit_until": None,
        "circuit_failures": 0,
        "disabled_reason": None,
        "next_send_at": None,
        "keep_messages_while_disabled": None,
        "secret": "sealed",
        "previous_secrets": None,
        "tls_client_cert": None,
        "tls_client_key": None,
        "tls_ca_cert": None,
    }
)


def test_lists_split_on_commas_and_lines_without_blanks_or_repeats() -> None:
    assert split_list(" a, b\nc,,a ") == ["a", "b", "c"]
    assert split_list(" , \n") is None


def test_headers_one_a_line_checked_by_the_api_rule() -> None:
    assert parse_headers("X-Team: billing\n\nX-Empty:") == {"X-Team": "billing", "X-Empty": ""}
    with pytest.raises(InvalidInput) as bad:
        parse_headers("no colon")
    assert bad.value.field == "headers" and "line 1" in bad.value.detail
    with pytest.raises(InvalidInput) as reserved:
        parse_headers("webhook-id: mine")
    assert reserved.value.field == "headers"


def test_endpoint_form_fields_become_the_operation_input() -> None:
    given = endpoint_input(
        {
            "url": " https://example.com/h ",
            "uid": "",
            "description": "d",
            "event_types": "a, b",
            "channels": "",
            "headers": "X-A: 1",
            "throttle_rate": "5",
            "fifo": "on",
        },
        creating=True,
    )
    assert given.url == "https://example.com/h" and given.uid is None
    assert given.event_types == ["a", "b"] and given.channels is None
    assert given.headers == {"X-A": "1"} and given.throttle_rate == 5 and given.fifo is True
    assert given.tls is UNSET  # empty TLS fields keep what is stored
    edited = endpoint_input({"url": "https://e.com", "tls_ca_cert": "PEM"}, creating=False)
    assert edited.uid is UNSET and edited.tls == EndpointTls(ca_cert="PEM")
    cleared = endpoint_input({"url": "https://e.com", "tls_clear": "on"}, creating=False)
    assert cleared.tls is None


@pytest.mark.parametrize(("choice", "keeps"), [("", None), ("keep", True), ("skip", False)])
def test_the_while_disabled_choice_round_trips(choice: str, keeps: bool | None) -> None:
    given = endpoint_input({"url": "https://e.com", "while_disabled": choice}, creating=False)
    assert given.keep_messages_while_disabled is keeps
    stored = replace(STORED, keep_messages_while_disabled=keeps)
    assert form_values(stored)["while_disabled"] == choice


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": ""}, "url"),
        ({"url": "https://e.com", "throttle_rate": "0"}, "throttle_rate"),
        ({"url": "https://e.com", "throttle_rate": "fast"}, "throttle_rate"),
        ({"url": "https://e.com", "while_disabled": "sometimes"}, "while_disabled"),
    ],
    ids=["no-url", "zero-rate", "word-rate", "unknown-while-disabled"],
)
def test_endpoint_form_refusals_name_their_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        endpoint_input(fields, creating=True)
    assert field_errors(refused.value) == {field: refused.value.detail}


def test_operation_errors_land_beside_the_form_field() -> None:
    assert field_errors(InvalidInput("bad", "tls.client_key")) == {"tls_client_key": "bad"}
    assert field_errors(InvalidInput("bad", "secret")) == {"_form": "bad"}
    assert field_errors(InvalidInput("bad")) == {"_form": "bad"}


def test_time_fields_are_utc() -> None:
    assert parse_time("1970-01-01T00:01", "x") == 60_000
    assert parse_time("1970-01-02", "x") == 86_400_000
    assert parse_time("  ", "x") is None
    assert time_input_value(60_000) == "1970-01-01T00:01" and time_input_value(None) == ""
    with pytest.raises(BadTime, match="From"):
        parse_time("yesterday", "From")


def test_message_search_reads_its_fields() -> None:
    search = read_search({"app": " shop ", "q": "msg_x", "status": "fail", "since": "1970-01-01"})
    assert search.app == "shop" and search.key_is_message_id
    assert search.status is DeliveryStatus.FAIL and search.since_ms == 0 and search.filtered
    assert not read_search({}).filtered
    with pytest.raises(SearchProblem, match="choose one of"):
        read_search({"status": "lost"})
    with pytest.raises(SearchProblem, match="ends before it starts"):
        read_search({"since": "1970-01-02", "until": "1970-01-01"})


def test_failed_filter_needs_the_application_of_an_endpoint() -> None:
    assert read_filter({"app": "a", "since": "1970-01-01T00:00:01"}).since_ms == 1000
    with pytest.raises(BadTime, match="application"):
        read_filter({"endpoint": "ep_x"})


def test_the_catalog_shows_the_example_a_test_send_uses() -> None:
    assert example_of({"1": {"examples": [{"a": 1}]}}) == {"a": 1}
    assert example_of({"1": {"examples": ["not an object"]}}) is None
    assert example_of(None) is None
