"""What an application token may do (a pure function of method, path and grant)."""

import pytest

from hookline.api.app_token_scope import app_key, refusal

APP, UID = "app_AAAAAAAAAAAAAAAAAAAAAA", "a-uid"
OTHER = "app_BBBBBBBBBBBBBBBBBBBBBB"
EP = "/api/v1/app/{app}/endpoint/ep_1"

ALLOWED = [
    ("GET", "/api/v1/app/{app}"),
    ("GET", "/api/v1/app/{app}/endpoint"),
    ("POST", "/api/v1/app/{app}/endpoint"),
    ("GET", EP),
    ("PUT", EP),
    ("PATCH", EP),
    ("DELETE", EP),
    ("GET", EP + "/secret"),
    ("POST", EP + "/secret/rotate"),
    ("POST", EP + "/recover"),
    ("GET", "/api/v1/app/{app}/msg"),
    ("GET", "/api/v1/app/{app}/msg/msg_1"),
    ("GET", "/api/v1/app/{app}/msg/msg_1/attempt/atmpt_1"),
    ("POST", "/api/v1/app/{app}/msg/msg_1/endpoint/ep_1/resend"),
    ("GET", "/api/v1/app/{app}/attempt/msg/msg_1"),
    ("GET", "/api/v1/app/{app}/attempt/endpoint/ep_1"),
    ("GET", "/api/v1/event-type"),
    ("GET", "/api/v1/event-type/invoice.paid"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", EP + "/stats"),
    ("GET", EP + "/attempt-stats"),
    ("GET", "/api/v1/stats/app/{app}/attempt"),
    ("GET", "/api/v1/stats/app/{app}/ep/ep_1/attempt"),
    ("GET", "/api/v1/app/{app}/events"),
    ("GET", "/api/v1/app/{app}/poller/ep_1"),
    ("GET", "/api/v1/app/{app}/poller/ep_1/consumer/c"),
    ("POST", "/api/v1/app/{app}/poller/ep_1/consumer/c/seek"),
]

ADMIN_ONLY = [
    ("GET", "/api/v1/app"),
    ("POST", "/api/v1/app"),
    ("PUT", "/api/v1/app/{app}"),
    ("PATCH", "/api/v1/app/{app}"),
    ("DELETE", "/api/v1/app/{app}"),
    ("POST", "/api/v1/app/{app}/msg"),  # publishing is the publisher's
    ("DELETE", "/api/v1/app/{app}/msg/msg_1/content"),
    ("PUT", EP + "/secret"),
    ("GET", EP + "/secret/rotate"),
    ("POST", "/api/v1/event-type"),
    ("PUT", "/api/v1/event-type/x"),
    ("PATCH", "/api/v1/event-type/x"),
    ("DELETE", "/api/v1/event-type/x"),
    ("POST", "/api/v1/auth/app-portal-access/{app}"),
    ("POST", "/api/v1/auth/app/{app}/expire-all"),
    ("GET", "/api/v1/auth/logout"),
    ("GET", "/api/v1/app/{app}/something-new"),  # unknown routes fail closed
    ("GET", "/api/v1/stats"),
    ("POST", "/api/v1/stats/app/{app}/attempt"),
    ("GET", "/api/v1/stats/app/{app}/other"),
    ("POST", "/api/v1/stats/usage/app"),
    ("POST", "/api/v1/app/{app}/events"),
    ("DELETE", "/api/v1/app/{app}/poller/ep_1/consumer/c"),
    ("GET", "/api/v1/app/{app}/poller/ep_1/consumer/c/seek"),
]


def check(method, template, app=APP, resolved=APP, read_only=False, capabilities=None):
    path = template.format(app=app)
    return refusal(method, path, APP, resolved if app_key(path) else None, read_only, capabilities)


@pytest.mark.parametrize(("method", "path"), ALLOWED)
@pytest.mark.parametrize("address", [APP, UID])
def test_own_application_routes_are_allowed_by_id_and_uid(method, path, address):
    assert check(method, path, app=address) is None


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v1/app/a-uid", "a-uid"),
        ("/api/v1/app/a-uid/endpoint/ep_1/secret", "a-uid"),
        (f"/api/v1/app/{APP}/msg", APP),
        ("/api/v1/app", None),
        ("/api/v1/app/", None),
        ("/api/v1/event-type/x", None),
        ("/api/v1/auth/app-portal-access/a-uid", None),
        ("/api/v1/stats/app/a-uid/attempt", "a-uid"),
        ("/api/v1/stats/app/a-uid/ep/ep_1/attempt", "a-uid"),
    ],
)
def test_app_key_is_the_application_segment(path, key):
    assert app_key(path) == key


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_admin_routes_are_refused(method, path):
    refused = check(method, path)
    assert refused is not None and refused.status == 403


@pytest.mark.parametrize(("method", "path"), [r for r in ALLOWED if "{app}" in r[1]])
@pytest.mark.parametrize("resolved", [OTHER, None])
@pytest.mark.parametrize("key", [OTHER, "b-uid", APP, UID])
def test_what_the_key_resolves_to_decides(method, path, resolved, key):
    """However the key is spelled (even as the token's own id or uid), a key that resolves
    to another application, or to none, is refused, with the same answer either way."""
    refused = check(method, path, app=key, resolved=resolved)
    assert refused is not None and refused.status == 403
    assert refused.detail == f"this token only grants access to application {APP}"


@pytest.mark.parametrize(("method", "path"), ALLOWED)
def test_read_only_tokens_only_read(method, path):
    refused = check(method, path, read_only=True)
    assert (refused is None) == (method == "GET" or path.endswith("/logout"))


@pytest.mark.parametrize(
    ("capabilities", "method", "path", "allowed"),
    [
        (["ViewBase"], "GET", EP, True),
        (["ViewBase"], "GET", EP + "/secret", False),
        (["ViewBase", "ViewEndpointSecret"], "GET", EP + "/secret", True),
        (["ViewBase", "ViewEndpointSecret"], "POST", EP + "/secret/rotate", False),
        (["ViewBase", "ManageEndpointSecret"], "POST", EP + "/secret/rotate", True),
        (["ViewBase", "ManageEndpointSecret"], "PATCH", EP, False),
        (["ViewBase", "ManageEndpoint"], "PATCH", EP, True),
        (["ViewBase", "ManageEndpoint"], "GET", EP + "/secret", True),
        (["ViewBase"], "POST", "/api/v1/app/{app}/msg/m/endpoint/e/resend", False),
        (["ViewBase", "CreateAttempts"], "POST", "/api/v1/app/{app}/msg/m/endpoint/e/resend", True),
        (["ViewBase", "CreateAttempts"], "POST", EP + "/recover", True),
    ],
)
def test_capabilities_narrow_a_token(capabilities, method, path, allowed):
    assert (check(method, path, capabilities=tuple(capabilities)) is None) is allowed


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/app/a-uid/endpoint", f"/api/v1/app/{APP}/endpoint"),
        ("/api/v1/stats/app/a-uid/attempt", f"/api/v1/stats/app/{APP}/attempt"),
        ("/api/v1/stats/app/a-uid/ep/ep_1/attempt", f"/api/v1/stats/app/{APP}/ep/ep_1/attempt"),
    ],
)
def test_the_resolved_id_replaces_the_key(path, expected):
    from hookline.api.app_token_scope import with_app_id

    assert with_app_id(path, "a-uid", APP) == expected


POLLING = [
    ("GET", "/api/v1/app/{app}/poller/ep_1", True),
    ("GET", "/api/v1/app/{app}/poller/ep_1/consumer/c", True),
    ("POST", "/api/v1/app/{app}/poller/ep_1/consumer/c/seek", True),
    ("POST", "/api/v1/auth/logout", True),
    ("GET", "/api/v1/app/{app}/poller/ep_2", False),  # another polling endpoint
    ("GET", "/api/v1/app/{app}/poller/ep_2/consumer/c", False),
    ("GET", "/api/v1/app/{app}/events", False),  # the whole stream
    ("GET", "/api/v1/app/{app}", False),
    ("GET", EP, False),
    ("GET", "/api/v1/app/{app}/msg", False),
    ("POST", "/api/v1/app/{app}/poller/ep_1/consumer/c", False),
    ("GET", "/api/v1/event-type", False),
    ("GET", "/api/v1/stats/app/{app}/attempt", False),
]


@pytest.mark.parametrize(("method", "path", "allowed"), POLLING)
def test_a_polling_token_reads_only_its_polling_endpoint(method, path, allowed):
    full = path.format(app=APP)
    resolved = APP if app_key(full) else None
    refused = refusal(method, full, APP, resolved, False, None, "ep_1")
    assert (refused is None) is allowed
    if not allowed:
        assert refused is not None and refused.status == 403


def test_a_polling_token_is_kept_to_its_application():
    path = f"/api/v1/app/{OTHER}/poller/ep_1"
    refused = refusal("GET", path, APP, OTHER, False, None, "ep_1")
    assert refused is not None and refused.status == 403


def test_a_read_only_polling_token_does_not_seek():
    path = f"/api/v1/app/{APP}/poller/ep_1/consumer/c/seek"
    refused = refusal("POST", path, APP, APP, True, None, "ep_1")
    assert refused is not None and refused.detail == "this token is read-only"
    assert refusal("GET", f"/api/v1/app/{APP}/poller/ep_1", APP, APP, True, None, "ep_1") is None
