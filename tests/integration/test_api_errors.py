"""Health, OpenAPI, authentication and bad input: every refusal is a 4xx JSON body, never a 500.

Each refusal is followed by checks that the server is still healthy and stored nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn, EventTypeIn, MessageIn, Svix, SvixOptions
from svix.exceptions import HttpError

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"content-type": "application/json"}
DEFAULT_MAX_BODY = 512 * 1024


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def world(svix) -> dict[str, str]:
    """One application with an endpoint, an event type and a message, to aim bad input at."""
    app = svix.application.create(ApplicationIn(name="Target", uid="target"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook", uid="target-ep"))
    svix.event_type.create(EventTypeIn(name="target.happened", description="d"))
    msg = svix.message.create(app.id, MessageIn(event_type="target.happened", payload={"n": 1}))
    return {"app": app.id, "endpoint": ep.id, "msg": msg.id}


@pytest.fixture
def unchanged(http, world) -> Iterator[None]:
    """The test's bad requests must leave the server healthy and every list as it was."""
    before = snapshot(http, world)
    yield
    assert http.get("/api/v1/health").status_code == 204
    assert snapshot(http, world) == before


def snapshot(http: httpx.Client, world: dict[str, str]) -> dict[str, Any]:
    lists = {
        "apps": "/api/v1/app",
        "event types": "/api/v1/event-type?include_archived=true",
        "endpoints": f"/api/v1/app/{world['app']}/endpoint",
        "messages": f"/api/v1/app/{world['app']}/msg",
    }
    out = {}
    for name, path in lists.items():
        r = http.get(path, params={"limit": 250})
        assert r.status_code == 200, r.text
        # An endpoint's delivery health moves with the worker, not with these requests.
        out[name] = [{k: v for k, v in item.items() if k != "health"} for item in r.json()["data"]]
    return out


def assert_refused(r: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """A 4xx answer with Svix's error body; a 422's detail is a list of {loc, msg, type}."""
    assert 400 <= r.status_code < 500, f"{r.status_code}: {r.text[:500]}"
    if status is not None:
        assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body, dict)
    assert isinstance(body["code"], str) and body["code"]
    if r.status_code == 422:
        assert isinstance(body["detail"], list) and body["detail"]
        for problem in body["detail"]:
            assert isinstance(problem["loc"], list) and problem["loc"]
            assert all(isinstance(part, str | int) for part in problem["loc"])
            assert isinstance(problem["msg"], str) and problem["msg"]
            assert isinstance(problem["type"], str) and problem["type"]
    else:
        assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture(scope="module")
def openapi(shared_hookline) -> dict[str, Any]:
    r = httpx.get(f"{shared_hookline.url}/openapi.json")
    assert r.status_code == 200
    return r.json()


@pytest.fixture
def stranger(shared_hookline) -> Iterator[Svix]:
    """An SDK client with a token that is not the admin token."""
    client = Svix("not-the-token", SvixOptions(server_url=shared_hookline.url, retry_schedule=[]))
    yield client
    client._httpx_client.close()


def routes(openapi: dict[str, Any], world: dict[str, str]) -> list[tuple[str, str]]:
    """(method, path) of every authenticated route, with real ids filled in."""
    values = {
        "app_id": world["app"],
        "endpoint_id": world["endpoint"],
        "msg_id": world["msg"],
        "event_type_name": "target.happened",
        "attempt_id": "atmpt_0000000000000000000000",
        "sink_id": world["endpoint"],
        "consumer_id": "walker",
        "task_id": "qtask_" + "0" * 22,
    }
    out = []
    for path, methods in openapi["paths"].items():
        for method in methods:
            if path != "/api/v1/health":
                out.append((method.upper(), re.sub(r"{(\w+)}", lambda m: values[m[1]], path)))
    return out


# Health and OpenAPI


def test_health_needs_no_token(shared_hookline, stranger):
    assert httpx.get(f"{shared_hookline.url}/api/v1/health").status_code == 204
    assert stranger.health.get() is None


def test_openapi_lists_the_api_routes(openapi):
    assert openapi["openapi"].startswith("3.")
    paths = openapi["paths"]
    for path, methods in {
        "/api/v1/health": {"get"},
        "/api/v1/app": {"get", "post"},
        "/api/v1/app/{app_id}": {"get", "put", "patch", "delete"},
        "/api/v1/event-type": {"get", "post"},
        "/api/v1/event-type/{event_type_name}": {"get", "put", "patch", "delete"},
        "/api/v1/app/{app_id}/endpoint": {"get", "post"},
        "/api/v1/app/{app_id}/endpoint/{endpoint_id}": {"get", "put", "patch", "delete"},
        "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret": {"get"},
        "/api/v1/app/{app_id}/msg": {"get", "post"},
        "/api/v1/app/{app_id}/msg/{msg_id}": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    assert all(p.startswith("/api/v1/") for p in paths)


# Authentication


BAD_AUTH = {
    "missing": {},
    "wrong token": {"Authorization": "Bearer not-the-token"},
    "token of another length": {"Authorization": f"Bearer {TOKEN}x"},
    "wrong scheme": {"Authorization": f"Basic {TOKEN}"},
    "token scheme": {"Authorization": f"Token {TOKEN}"},
    "no scheme": {"Authorization": TOKEN},
    "bearer without token": {"Authorization": "Bearer"},
    "non-ascii token": {"Authorization": "Bearer t\u00f6ken".encode()},
}


@pytest.mark.parametrize("how", BAD_AUTH)
def test_every_route_refuses_a_missing_or_wrong_token(
    shared_hookline, openapi, world, how, unchanged
):
    checked = 0
    with httpx.Client(base_url=shared_hookline.url, timeout=10) as stranger:
        for method, path in routes(openapi, world):
            body = {"name": "x", "url": "http://127.0.0.1:9/", "eventType": "a", "payload": {}}
            r = stranger.request(
                method,
                path,
                headers=BAD_AUTH[how],
                json=body if method in ("POST", "PUT", "PATCH") else None,
            )
            assert_refused(r, 401)
            assert r.json()["code"] == "authentication_failed"
            checked += 1
    assert checked >= 20


def test_authentication_comes_before_reading_the_body(shared_hookline, unchanged):
    url = f"{shared_hookline.url}/api/v1/app"
    for content in (b"{not json", b"\xff\xfe", b'{"name": 123}'):
        r = httpx.post(url, content=content, headers=JSON)
        assert_refused(r, 401)


def test_sdk_with_a_wrong_token_gets_401(stranger, unchanged):
    with pytest.raises(HttpError) as err:
        stranger.application.create(ApplicationIn(name="intruder"))
    assert err.value.status_code == 401
    assert err.value.code == "authentication_failed"


def test_scheme_is_case_insensitive(http):
    r = http.get("/api/v1/app", headers={"Authorization": f"bearer {TOKEN}"})
    assert r.status_code == 200


# Malformed bodies

BODY_ROUTES = [
    ("POST", "/api/v1/app"),
    ("PUT", "/api/v1/app/{app}"),
    ("PATCH", "/api/v1/app/{app}"),
    ("POST", "/api/v1/event-type"),
    ("PUT", "/api/v1/event-type/target.happened"),
    ("PATCH", "/api/v1/event-type/target.happened"),
    ("POST", "/api/v1/app/{app}/endpoint"),
    ("PUT", "/api/v1/app/{app}/endpoint/{endpoint}"),
    ("PATCH", "/api/v1/app/{app}/endpoint/{endpoint}"),
    ("POST", "/api/v1/app/{app}/msg"),
]

MALFORMED = {
    "invalid JSON": b'{"name": "x",',
    "trailing garbage": b'{"name": "x"} nope',
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "empty": b"",
    "array": b'[{"name": "x"}]',
    "string": b'"name"',
    "number": b"42",
    "null": b"null",
    "deep nesting": b'{"payload": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}",
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_bodies_are_refused_on_every_route(http, world, kind, unchanged):
    for method, template in BODY_ROUTES:
        path = template.format(**world)
        r = http.request(method, path, content=MALFORMED[kind], headers=JSON)
        body = assert_refused(r)
        assert r.status_code in (400, 422), (method, path, r.status_code)
        if kind == "invalid JSON":
            assert r.status_code == 422
            assert body["detail"][0]["type"] == "json_invalid"


def test_non_json_content_type_is_refused(http, world, unchanged):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        r = http.post(
            f"/api/v1/app/{world['app']}/msg",
            content=b'{"eventType": "a", "payload": {}}',
            headers={"content-type": content_type},
        )
        assert_refused(r)


WRONG = {
    "app name not a string": ("POST", "/api/v1/app", {"name": 123}, ["body", "name"]),
    "app name missing": ("POST", "/api/v1/app", {"uid": "x"}, ["body", "name"]),
    "app name null": ("POST", "/api/v1/app", {"name": None}, ["body", "name"]),
    "metadata not strings": ("POST", "/api/v1/app", {"name": "x", "metadata": {"a": 1}}, None),
    "metadata a list": ("POST", "/api/v1/app", {"name": "x", "metadata": ["a"]}, None),
    "throttle not a number": ("POST", "/api/v1/app", {"name": "x", "throttleRate": "lots"}, None),
    "throttle beyond uint16": ("POST", "/api/v1/app", {"name": "x", "throttleRate": 2**40}, None),
    "throttle beyond 64 bits": ("POST", "/api/v1/app", {"name": "x", "throttleRate": 10**30}, None),
    "put without name": ("PUT", "/api/v1/app/{app}", {}, ["body", "name"]),
    "patch name wrong type": ("PATCH", "/api/v1/app/{app}", {"name": ["x"]}, ["body", "name"]),
    "payload a string": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"eventType": "a.b", "payload": "string"},
        ["body", "payload"],
    ),
    "payload a list": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"eventType": "a.b", "payload": [1]},
        ["body", "payload"],
    ),
    "payload missing": ("POST", "/api/v1/app/{app}/msg", {"eventType": "a.b"}, ["body", "payload"]),
    "event type missing": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"payload": {}},
        ["body", "eventType"],
    ),
    "event type a number": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"eventType": 5, "payload": {}},
        ["body", "eventType"],
    ),
    "channels a string": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"eventType": "a", "payload": {}, "channels": "c"},
        ["body", "channels"],
    ),
    "application not an object": (
        "POST",
        "/api/v1/app/{app}/msg",
        {"eventType": "a", "payload": {}, "application": "x"},
        ["body", "application"],
    ),
    "eventTypes a string": (
        "POST",
        "/api/v1/app/{app}/endpoint",
        {"url": "http://127.0.0.1:9/", "eventTypes": "x"},
        ["body", "eventTypes"],
    ),
    "eventTypes of numbers": (
        "POST",
        "/api/v1/app/{app}/endpoint",
        {"url": "http://127.0.0.1:9/", "eventTypes": [1]},
        None,
    ),
    "url missing": ("POST", "/api/v1/app/{app}/endpoint", {"description": "d"}, ["body", "url"]),
    "url a number": ("POST", "/api/v1/app/{app}/endpoint", {"url": 80}, ["body", "url"]),
    "url ftp": ("POST", "/api/v1/app/{app}/endpoint", {"url": "ftp://127.0.0.1/"}, ["body", "url"]),
    "secret a number": (
        "POST",
        "/api/v1/app/{app}/endpoint",
        {"url": "http://127.0.0.1:9/", "secret": 12345},
        ["body", "secret"],
    ),
    "disabled an object": (
        "PATCH",
        "/api/v1/app/{app}/endpoint/{endpoint}",
        {"disabled": {"x": 1}},
        ["body", "disabled"],
    ),
    "put url null": ("PUT", "/api/v1/app/{app}/endpoint/{endpoint}", {"url": None}, None),
    "patch url null": ("PATCH", "/api/v1/app/{app}/endpoint/{endpoint}", {"url": None}, None),
    "reserved header": (
        "POST",
        "/api/v1/app/{app}/endpoint",
        {"url": "http://127.0.0.1:9/", "headers": {"Webhook-Signature": "forged"}},
        ["body", "headers"],
    ),
    "event type without description": (
        "POST",
        "/api/v1/event-type",
        {"name": "no.description"},
        ["body", "description"],
    ),
    "event type without name": (
        "POST",
        "/api/v1/event-type",
        {"description": "d"},
        ["body", "name"],
    ),
    "schemas a string": (
        "POST",
        "/api/v1/event-type",
        {"name": "s.x", "description": "d", "schemas": "s"},
        ["body", "schemas"],
    ),
    "archived a list": (
        "PATCH",
        "/api/v1/event-type/target.happened",
        {"archived": [True]},
        ["body", "archived"],
    ),
}


@pytest.mark.parametrize("case", WRONG)
def test_wrong_types_and_missing_fields_are_422(http, world, case, unchanged):
    method, template, body, loc = WRONG[case]
    r = http.request(method, template.format(**world), json=body)
    detail = assert_refused(r, 422)["detail"]
    if loc is not None:
        assert loc in [problem["loc"] for problem in detail], detail


# Unknown resources


@pytest.mark.parametrize(
    "method, template",
    [
        ("GET", "/api/v1/app/{missing}"),
        ("PATCH", "/api/v1/app/{missing}"),
        ("DELETE", "/api/v1/app/{missing}"),
        ("GET", "/api/v1/app/{missing}/endpoint"),
        ("POST", "/api/v1/app/{missing}/endpoint"),
        ("GET", "/api/v1/app/{app}/endpoint/{missing}"),
        ("PATCH", "/api/v1/app/{app}/endpoint/{missing}"),
        ("DELETE", "/api/v1/app/{app}/endpoint/{missing}"),
        ("GET", "/api/v1/app/{app}/endpoint/{missing}/secret"),
        ("GET", "/api/v1/app/{missing}/msg"),
        ("POST", "/api/v1/app/{missing}/msg"),
        ("GET", "/api/v1/app/{app}/msg/{missing}"),
        ("GET", "/api/v1/app/{missing}/msg/{msg}"),
        ("GET", "/api/v1/event-type/{missing}"),
        ("PATCH", "/api/v1/event-type/{missing}"),
        ("DELETE", "/api/v1/event-type/{missing}"),
        ("GET", "/api/v1/app/{missing}/attempt/msg/{msg}"),
        ("GET", "/api/v1/app/{missing}/attempt/endpoint/{endpoint}"),
    ],
)
def test_unknown_resources_are_404(http, world, method, template, unchanged):
    missing = f"missing-{secrets.token_hex(4)}"
    body = {"name": "x", "url": "http://127.0.0.1:9/", "eventType": "a", "payload": {}}
    r = http.request(
        method,
        template.format(missing=missing, **world),
        json=body if method in ("POST", "PATCH") else None,
    )
    detail = assert_refused(r, 404)["detail"]
    assert r.json()["code"] == "not_found"
    assert missing in detail


def test_unknown_route_and_method_are_json(http, unchanged):
    assert_refused(http.get("/api/v1/nothing-here"), 404)
    assert_refused(http.delete("/api/v1/app"), 405)


# Query parameters

LIST_ROUTES = [
    "/api/v1/app",
    "/api/v1/event-type",
    "/api/v1/app/{app}/endpoint",
    "/api/v1/app/{app}/msg",
    "/api/v1/app/{app}/attempt/msg/{msg}",
    "/api/v1/app/{app}/attempt/endpoint/{endpoint}",
]


@pytest.mark.parametrize("limit", ["0", "-1", "251", "1000", "abc", "", "1.5", "1e3", "99" * 40])
def test_invalid_limit_is_422(http, world, limit, unchanged):
    for template in LIST_ROUTES:
        r = http.get(template.format(**world), params={"limit": limit})
        detail = assert_refused(r, 422)["detail"]
        assert detail[0]["loc"] == ["query", "limit"]


def test_limit_bounds_are_accepted(http, world):
    for template in LIST_ROUTES:
        for limit in ("1", "250"):
            r = http.get(template.format(**world), params={"limit": limit})
            assert r.status_code == 200, r.text
            assert len(r.json()["data"]) <= int(limit)


@pytest.mark.parametrize(
    "params",
    [
        {"iterator": "x" * 301},
        {"iterator": "has space"},
        {"iterator": "nul\x00"},
        {"order": "sideways"},
    ],
)
def test_invalid_iterator_or_order_is_422(http, params, unchanged):
    assert_refused(http.get("/api/v1/app", params=params), 422)


@pytest.mark.parametrize(
    "params",
    [
        {"with_content": "perhaps"},
        {"before": "yesterday"},
        {"after": "2024-13-45T99:00:00Z"},
        {"channel": "bad channel"},
        {"channel": "nul\x00"},
        {"event_types": "bad type"},
        {"event_types": "a\x00"},
    ],
)
def test_invalid_message_list_parameters_are_422(http, world, params, unchanged):
    assert_refused(http.get(f"/api/v1/app/{world['app']}/msg", params=params), 422)


@pytest.mark.parametrize("param", ["before", "after"])
@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_extreme_times_in_message_lists_are_answered(http, world, param, when):
    r = http.get(f"/api/v1/app/{world['app']}/msg", params={param: when})
    assert r.status_code == 200, r.text
    early = when.startswith("0001")
    expected = [world["msg"]] if (param == "after") == early else []
    assert [m["id"] for m in r.json()["data"]] == expected


def test_invalid_attempt_list_parameters_are_422(http, world, unchanged):
    base = f"/api/v1/app/{world['app']}/attempt/msg/{world['msg']}"
    assert_refused(http.get(base, params={"status": "99"}), 422)
    assert_refused(http.get(base, params={"status": "failed"}), 422)
    assert_refused(http.get(base, params={"endpoint_id": "bad id"}), 422)


# Keys in the path


@pytest.mark.parametrize(
    "key", ["has space", "nul%00byte", "x" * 257, "%C3%BC", "semi;colon", "quote%22"]
)
def test_invalid_keys_in_the_path_are_422(http, world, key, unchanged):
    for method, template, body in (
        ("GET", "/api/v1/app/{key}", None),
        ("PUT", "/api/v1/app/{key}", {"name": "x"}),
        ("PUT", "/api/v1/event-type/{key}", {"description": "x"}),
        ("PUT", "/api/v1/app/{app}/endpoint/{key}", {"url": "http://127.0.0.1:9/"}),
        ("GET", "/api/v1/app/{app}/msg/{key}", None),
        (
            "POST",
            "/api/v1/app/{key}/msg",
            {"eventType": "a", "payload": {}, "application": {"name": "x"}},
        ),
    ):
        r = http.request(method, template.format(key=key, **world), json=body)
        detail = assert_refused(r, 422)["detail"]
        assert detail[0]["loc"][0] == "path"


# Values no store can keep


STRINGS_WITH_NUL = [
    ("POST", "/api/v1/app", {"name": "a\x00b"}),
    ("POST", "/api/v1/app", {"name": "ok", "metadata": {"k\x00": "v"}}),
    ("POST", "/api/v1/app", {"name": "ok", "metadata": {"k": "v\x00"}}),
    ("PATCH", "/api/v1/app/{app}", {"name": "\x00"}),
    ("POST", "/api/v1/event-type", {"name": "nul.d", "description": "\x00"}),
    ("POST", "/api/v1/event-type", {"name": "nul.s", "description": "", "schemas": {"\x00": 1}}),
    ("POST", "/api/v1/app/{app}/endpoint", {"url": "http://127.0.0.1:9/", "description": "\x00"}),
    ("POST", "/api/v1/app/{app}/endpoint", {"url": "http://127.0.0.1:9/\x00"}),
    ("POST", "/api/v1/app/{app}/endpoint", {"url": "http://127.0.0.1:9/", "secret": "whsec_\x00"}),
    (
        "POST",
        "/api/v1/app/{app}/endpoint",
        {"url": "http://127.0.0.1:9/", "headers": {"X-A": "\x00"}},
    ),
    ("POST", "/api/v1/app/{app}/msg", {"eventType": "a\x00", "payload": {}}),
    (
        "POST",
        "/api/v1/app/{missing}/msg",
        {"eventType": "a", "payload": {}, "application": {"name": "\x00"}},
    ),
]


@pytest.mark.parametrize("case", range(len(STRINGS_WITH_NUL)))
def test_nul_characters_outside_payloads_are_422(http, world, case, unchanged):
    method, template, body = STRINGS_WITH_NUL[case]
    r = http.request(method, template.format(missing="nul-app", **world), json=body)
    assert_refused(r, 422)


def raw(text: str) -> bytes:
    return text.encode()


NOT_STORABLE = {
    "NaN": raw('{"eventType": "a", "payload": {"v": NaN}}'),
    "Infinity": raw('{"eventType": "a", "payload": {"v": [1, Infinity]}}'),
    "-Infinity": raw('{"eventType": "a", "payload": {"v": -Infinity}}'),
    "1e400": raw('{"eventType": "a", "payload": {"v": 1e400}}'),
    "1e-400": raw('{"eventType": "a", "payload": {"v": 1e-400}}'),
    "-2.5E-330 in a list": raw('{"eventType": "a", "payload": {"v": [0, -2.5E-330]}}'),
    "0.00001e-320 nested": raw('{"eventType": "a", "payload": {"v": {"w": 0.00001e-320}}}'),
    "400 leading zeros": raw('{"eventType": "a", "payload": {"v": 0.' + "0" * 400 + "1}}"),
    "integer beyond 64 bits": raw('{"eventType": "a", "payload": {"v": 18446744073709551616}}'),
    "negative integer beyond 64 bits": raw(
        '{"eventType": "a", "payload": {"v": -9223372036854775809}}'
    ),
    "lone surrogate": raw('{"eventType": "a", "payload": {"v": "\\ud800"}}'),
    "lone surrogate key": raw('{"eventType": "a", "payload": {"\\udfff": 1}}'),
    "nested 200 deep": raw('{"eventType": "a", "payload": ' + '{"a": ' * 200 + "1" + "}" * 201),
    "nested 300 deep": raw('{"eventType": "a", "payload": ' + "[" * 300 + "]" * 300 + "}"),
}


@pytest.mark.parametrize("kind", NOT_STORABLE)
def test_payloads_that_cannot_be_stored_faithfully_are_422(http, world, kind, unchanged):
    r = http.post(f"/api/v1/app/{world['app']}/msg", content=NOT_STORABLE[kind], headers=JSON)
    detail = assert_refused(r, 422)["detail"]
    assert detail[0]["loc"] == ["body", "payload"]


@pytest.mark.parametrize("kind", NOT_STORABLE)
def test_schemas_that_cannot_be_stored_faithfully_are_422(http, world, kind, unchanged):
    body = NOT_STORABLE[kind].replace(b'"eventType": "a", "payload"', b'"schemas"')
    body = body.replace(b"{", b'{"name": "bad.schema", "description": "", ', 1)
    r = http.post("/api/v1/event-type", content=body, headers=JSON)
    detail = assert_refused(r, 422)["detail"]
    assert detail[0]["loc"] == ["body", "schemas"]


def test_underflow_is_refused_in_every_body(http, world, unchanged):
    """A number that would silently read as 0 is refused wherever a body has numbers."""
    for path, body in (
        ("/api/v1/app", '{"name": "u", "throttleRate": 1e-400}'),
        ("/api/v1/event-type", '{"name": "u.s", "description": "", "schemas": {"m": 1e-999}}'),
        (
            f"/api/v1/app/{world['app']}/endpoint",
            '{"url": "http://127.0.0.1:9/", "version": 1e-400}',
        ),
    ):
        detail = assert_refused(http.post(path, content=raw(body), headers=JSON), 422)["detail"]
        assert "too small" in detail[0]["msg"], detail


def test_zeros_and_the_smallest_doubles_are_stored_exactly(http, svix):
    app = svix.application.create(ApplicationIn(name="Tiny numbers"))
    body = raw(
        '{"eventType": "tiny", "payload": {"zeros": [0.0, -0.0, 0e-400, 0.000E+5, 0],'
        ' "subnormal": 5e-324, "small": 2.2250738585072014e-308, "big": 1.7976931348623157e308}}'
    )
    r = http.post(f"/api/v1/app/{app.id}/msg", content=body, headers=JSON)
    assert r.status_code == 202, r.text
    got = http.get(f"/api/v1/app/{app.id}/msg/{r.json()['id']}").json()["payload"]
    assert got == {
        "zeros": [0.0, -0.0, 0.0, 0.0, 0],
        "subnormal": 5e-324,
        "small": 2.2250738585072014e-308,
        "big": 1.7976931348623157e308,
    }


def test_deepest_accepted_payload_can_be_read_back_and_listed(http, svix):
    app = svix.application.create(ApplicationIn(name="Deep"))
    depth = 128
    body = raw('{"eventType": "deep", "payload": ' + '{"a": ' * depth + "1" + "}" * (depth + 1))
    r = http.post(f"/api/v1/app/{app.id}/msg", content=body, headers=JSON)
    assert r.status_code == 202, r.text
    assert http.get(f"/api/v1/app/{app.id}/msg/{r.json()['id']}").status_code == 200
    listed = http.get(f"/api/v1/app/{app.id}/msg")
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()["data"]] == [r.json()["id"]]


def test_very_long_strings_are_422(http, world, unchanged):
    for method, template, body, loc in (
        ("POST", "/api/v1/app", {"name": "n" * 257}, ["body", "name"]),
        ("POST", "/api/v1/app", {"name": "ok", "uid": "u" * 257}, ["body", "uid"]),
        ("POST", "/api/v1/app", {"name": "ok", "metadata": {"k" * 257: "v"}}, None),
        ("POST", "/api/v1/app", {"name": "ok", "metadata": {"k": "v" * 4097}}, None),
        ("POST", "/api/v1/event-type", {"name": "e" * 257, "description": ""}, ["body", "name"]),
        (
            "POST",
            "/api/v1/event-type",
            {"name": "long.d", "description": "d" * 4097},
            ["body", "description"],
        ),
        (
            "POST",
            "/api/v1/app/{app}/endpoint",
            {"url": "http://127.0.0.1:9/" + "p" * 2048},
            ["body", "url"],
        ),
        (
            "POST",
            "/api/v1/app/{app}/msg",
            {"eventType": "a", "payload": {}, "eventId": "i" * 257},
            ["body", "eventId"],
        ),
    ):
        r = http.request(method, template.format(**world), json=body)
        detail = assert_refused(r, 422)["detail"]
        if loc is not None:
            assert detail[0]["loc"] == loc


def test_unicode_values_round_trip(http, svix):
    name = "Ωmega 🚀 \u202eRTL\u202c 日本 " + "é" * 200
    r = http.post("/api/v1/app", json={"name": name, "metadata": {"ключ": "значение"}})
    assert r.status_code == 201, r.text
    got = svix.application.get(r.json()["id"])
    assert got.name == name
    assert got.metadata == {"ключ": "значение"}

    et = http.post("/api/v1/event-type", json={"name": "uni.code", "description": "ü" * 4096})
    assert et.status_code == 201, et.text
    assert svix.event_type.get("uni.code").description == "ü" * 4096


# Body size


def test_oversized_body_is_413_with_content_length(http, world, unchanged):
    payload = {"blob": "x" * DEFAULT_MAX_BODY}
    r = http.post(f"/api/v1/app/{world['app']}/msg", json={"eventType": "a", "payload": payload})
    body = assert_refused(r, 413)
    assert body["code"] == "payload_too_large"


def test_oversized_body_is_413_when_chunked(http, world, unchanged):
    def chunks() -> Iterator[bytes]:
        yield b'{"eventType": "a", "payload": {"blob": "'
        for _ in range(DEFAULT_MAX_BODY // 4096 + 2):
            yield b"x" * 4096
        yield b'"}}'

    r = http.post(f"/api/v1/app/{world['app']}/msg", content=chunks(), headers=JSON)
    assert "content-length" not in r.request.headers
    body = assert_refused(r, 413)
    assert body["code"] == "payload_too_large"


def test_smaller_configured_limit(start_hookline):
    server = start_hookline(env={"HOOKLINE_MAX_PAYLOAD_BYTES": "2048"})
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as http:
        app = http.post("/api/v1/app", json={"name": "Small"}).json()["id"]
        path = f"/api/v1/app/{app}/msg"

        def body(size: int) -> bytes:
            frame = b'{"eventType": "a", "payload": {"blob": ""}}'
            return frame.replace(b'""', b'"' + b"x" * (size - len(frame)) + b'"')

        assert http.post(path, content=body(2048), headers=JSON).status_code == 202
        refused = assert_refused(http.post(path, content=body(2049), headers=JSON), 413)
        assert "2048" in refused["detail"]

        def chunked(size: int) -> Iterator[bytes]:
            data = body(size)
            for i in range(0, len(data), 500):
                yield data[i : i + 500]

        assert http.post(path, content=chunked(2048), headers=JSON).status_code == 202
        assert_refused(http.post(path, content=chunked(5000), headers=JSON), 413)
        # Other routes are limited too, and the server carries on.
        assert_refused(http.post("/api/v1/app", content=body(4096), headers=JSON), 413)
        assert http.get("/api/v1/health").status_code == 204
        assert len(http.get(path).json()["data"]) == 2
