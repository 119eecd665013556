import pytest

from hookline.api.redirects import relative_location


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://evil.example/api/v1/app", "/api/v1/app"),
        (
            "https://evil.example:8443/api/v1/app?limit=2&iterator=x",
            "/api/v1/app?limit=2&iterator=x",
        ),
        ("/api/v1/app", "/api/v1/app"),
        ("http://evil.example", "/"),
        # A path starting with two slashes would be read as another host.
        ("http://h//evil.example/x", "/evil.example/x"),
        ("//evil.example/x", "/x"),
    ],
)
def test_relative_location(location, expected):
    assert relative_location(location) == expected
