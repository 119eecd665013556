from dataclasses import dataclass

import pytest

from hookline.routing import endpoint_accepts, recipients


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
