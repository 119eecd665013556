import pytest

from hookline.routing import endpoint_accepts


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
