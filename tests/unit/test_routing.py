import pytest

from hookline.routing import endpoint_accepts, reaches_endpoint


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
