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
    new.add("app_1", "msg_1", 10, routes)
    new.add("app_2", "msg_2", 20, routes[1:])
    new.add("app_3", "msg_3", 30, [])
    assert len(new) == 3
    assert new.app_ids == ["app_1", "app_1", "app_2"]
    assert new.msg_ids == ["msg_1", "msg_1", "msg_2"]
    assert new.endpoint_ids == ["ep_1", "ep_2", "ep_2"]
    assert new.due_at == [10, 10, 20]
    assert new.fifo == [False, True, True]
