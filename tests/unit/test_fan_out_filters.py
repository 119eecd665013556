"""An endpoint's filter as the fan-out reads it: text from SQLite (the JSON type writes None
as JSON `null`), text from PostgreSQL's jsonb read as text, or an already decoded list."""

import pytest

from hookline.store.fan_out import NewDeliveries, Route, _filter


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("null", None),
        ("[]", None),
        ('["invoice.paid"]', ("invoice.paid",)),
        ('["eu", "us"]', ("eu", "us")),
        (b'["eu"]', ("eu",)),
        (["x", "y"], ("x", "y")),
        ([], None),
    ],
)
def test_filter_text_decodes_to_a_tuple_or_none(raw, expected):
    assert _filter(raw) == expected


def test_new_deliveries_are_columns_of_equal_length_in_route_order():
    routes = [Route("ep_1", None, None, False), Route("ep_2", ("a",), None, True)]
    new = NewDeliveries()
    new.add("app_1", "msg_1", 10, None, routes)
    new.add("app_2", "msg_2", 5, 20, routes[1:])  # scheduled for 20
    new.add("app_3", "msg_3", 30, None, [])
    assert len(new) == 3
    assert new.app_ids == ["app_1", "app_1", "app_2"]
    assert new.msg_ids == ["msg_1", "msg_1", "msg_2"]
    assert new.endpoint_ids == ["ep_1", "ep_2", "ep_2"]
    assert new.due_at == [10, 10, 20]
    assert new.fifo == [False, True, True]


def test_a_disabled_endpoints_delivery_is_parked_or_keeps_its_schedule():
    routes = [Route("ep_on", None, None, False), Route("ep_off", None, None, False, True, True)]
    new = NewDeliveries()
    new.add("app_1", "msg_1", 10, None, routes)
    new.add("app_1", "msg_2", 10, 50, routes)
    # Parked (no due time) until the endpoint is enabled; a scheduled one keeps its time.
    assert new.due_at == [10, None, 50, 50]
