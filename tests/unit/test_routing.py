from dataclasses import dataclass

import pytest

from hookline.routing import endpoint_accepts, reaches_endpoint, recipients


@pytest.mark.parametrize(
    ("types", "channels", "event", "msg_channels", "accepted"),
    [
        (None, None, "a.b", None, True),
        ([], [], "a.b", ["x"], True),
        (["a.b"], None, "a.b", None, True),
        (["a.b"], None, "c.d", None, False),
        (None, ["eu"], "a.b", ["eu", "us"], True),
        (None, ["eu"], "a.b", ["us"], False),
        (None, ["eu"], "a.b", None, False),
        (["a.b"], ["eu"], "a.b", ["eu"], True),
        (["a.b"], ["eu"], "c.d", ["eu"], False),
    ],
)
def test_endpoint_filters(types, channels, event, msg_channels, accepted):
    assert endpoint_accepts(types, channels, event, msg_channels) is accepted


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    event_types: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    disabled: bool = False
    keeps_while_disabled: bool | None = None


ENDPOINTS = [
    Endpoint("ep_all"),
    Endpoint("ep_paid", event_types=("invoice.paid",)),
    Endpoint("ep_eu", channels=("eu",)),
    Endpoint("ep_paid_eu", event_types=("invoice.paid",), channels=("eu",)),
    Endpoint("ep_empty", event_types=(), channels=()),
]


@pytest.mark.parametrize(
    ("event", "msg_channels", "only", "expected"),
    [
        ("invoice.paid", None, None, ["ep_all", "ep_paid", "ep_empty"]),
        ("invoice.paid", ["eu"], None, ["ep_all", "ep_paid", "ep_eu", "ep_paid_eu", "ep_empty"]),
        ("invoice.paid", ["us"], None, ["ep_all", "ep_paid", "ep_empty"]),
        ("user.created", ["eu", "us"], None, ["ep_all", "ep_eu", "ep_empty"]),
        ("user.created", None, None, ["ep_all", "ep_empty"]),
        # An example sent to one endpoint goes there whatever its filters, and nowhere else.
        ("user.created", None, "ep_paid_eu", ["ep_paid_eu"]),
        ("user.created", None, "ep_unknown", []),
    ],
)
def test_recipients_in_endpoint_order(event, msg_channels, only, expected):
    chosen = recipients(ENDPOINTS, event, msg_channels, only)
    assert [e.endpoint_id for e in chosen] == expected


def test_recipients_agree_with_endpoint_accepts():
    for event in ("invoice.paid", "user.created"):
        for msg_channels in (None, [], ["eu"], ["us"], ["eu", "us"]):
            chosen = {e.endpoint_id for e in recipients(ENDPOINTS, event, msg_channels)}
            accepted = {
                e.endpoint_id
                for e in ENDPOINTS
                if endpoint_accepts(e.event_types, e.channels, event, msg_channels)
            }
            assert chosen == accepted


@pytest.mark.parametrize(
    ("disabled", "endpoint_keeps", "server_keeps", "reached"),
    [
        (False, None, False, True),  # enabled: always
        (False, False, False, True),
        (False, None, True, True),
        (True, None, False, False),  # disabled, no choice of its own: the server's (off)
        (True, None, True, True),  # … (on)
        (True, True, False, True),  # its own choice wins over the server's
        (True, False, True, False),
        (True, True, True, True),
        (True, False, False, False),
    ],
)
def test_disabled_endpoints_get_messages_only_if_they_keep_them(
    disabled, endpoint_keeps, server_keeps, reached
):
    assert reaches_endpoint(disabled, endpoint_keeps, server_keeps) is reached


DISABLED = [
    Endpoint("ep_on"),
    Endpoint("ep_off", disabled=True),  # as the server's setting says
    Endpoint("ep_off_keeps", disabled=True, keeps_while_disabled=True),
    Endpoint("ep_off_drops", disabled=True, keeps_while_disabled=False),
]


@pytest.mark.parametrize(
    ("server_keeps", "expected"),
    [
        (False, ["ep_on", "ep_off_keeps"]),
        (True, ["ep_on", "ep_off", "ep_off_keeps"]),
    ],
)
def test_recipients_include_disabled_endpoints_that_keep_messages(server_keeps, expected):
    chosen = recipients(DISABLED, "a.b", None, server_keeps=server_keeps)
    assert [e.endpoint_id for e in chosen] == expected


def test_an_example_is_never_sent_to_a_disabled_endpoint():
    assert recipients(DISABLED, "a.b", None, "ep_off_keeps", server_keeps=True) == []
