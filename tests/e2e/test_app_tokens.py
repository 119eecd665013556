"""Application tokens (Svix's app-portal access): limited to one application, expiring.

The central test walks every route of the OpenAPI document with a token for application A:
A's own routes work, admin routes and everything of application B are refused, and no answer
to a refused request carries B's data.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest
from db_access import run_sql
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    ApplicationTokenExpireIn,
    AppPortalAccessIn,
    EndpointIn,
    EventTypeIn,
    MessageIn,
    Svix,
    SvixOptions,
)
from svix.exceptions import HttpError, HTTPValidationError

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Tenant:
    app_id: str
    uid: str
    endpoint_id: str
    msg_id: str
    attempt_id: str
    secret: str


def make_tenant(svix: Svix, uid: str, receiver) -> Tenant:
    app = svix.application.create(ApplicationIn(name=f"Tenant {uid}", uid=uid))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/{uid}"))
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"tenant": uid}))
    deadline = time.monotonic() + 20
    while not (attempts := svix.message_attempt.list_by_msg(app.id, msg.id).data):
        assert time.monotonic() < deadline, "no attempt"
        time.sleep(0.05)
    return Tenant(
        app.id, uid, ep.id, msg.id, attempts[0].id, svix.endpoint.get_secret(app.id, ep.id).key
    )


def token_client(hookline, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=hookline.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.fixture
def world(hookline, receiver):
    """Tenants A and B and a token for A, on a server of the test's own (for the walks over
    every route, which change what all applications share)."""
    svix = hookline.svix()
    a, b = make_tenant(svix, "tenant-a", receiver), make_tenant(svix, "tenant-b", receiver)
    svix.event_type.create(EventTypeIn(name="a.b", description="An event"))
    token = svix.authentication.app_portal_access(a.app_id, AppPortalAccessIn()).token
    return svix, a, b, token


@pytest.fixture
def tenants(shared_hookline, receiver):
    """Tenants A and B (uids of this test's own) and a token for A, on the module's server:
    for tests that touch only these two applications and their tokens."""
    svix = shared_hookline.svix()
    run = uuid.uuid4().hex[:12]
    a = make_tenant(svix, f"tenant-a-{run}", receiver)
    b = make_tenant(svix, f"tenant-b-{run}", receiver)
    token = svix.authentication.app_portal_access(a.app_id, AppPortalAccessIn()).token
    return svix, a, b, token


# Routes outside /api/v1/app/{app_id} that application tokens may use.
SHARED_READS = {
    ("get", "/api/v1/event-type"),
    ("get", "/api/v1/event-type/{event_type_name}"),
    ("get", "/api/v1/event-type/{event_type_name}/retry-schedule"),
}
PUBLIC = {("get", "/api/v1/health")}
# Routes under the application that stay the admin's.
ADMIN_UNDER_APP = {
    ("put", "/api/v1/app/{app_id}"),
    ("patch", "/api/v1/app/{app_id}"),
    ("delete", "/api/v1/app/{app_id}"),
    ("post", "/api/v1/app/{app_id}/msg"),
    # Asked by the publisher before publishing, which is the admin's.
    ("post", "/api/v1/app/{app_id}/msg/precheck/active"),
    # Erasing content in bulk is the publisher's decision (one message: DELETE …/content).
    ("post", "/api/v1/app/{app_id}/msg/bulk-expunge"),
    ("post", "/api/v1/app/{app_id}/msg/expunge-all-contents"),
}
# Routes under the application that a default token must be able to use.
APP_ROUTES = {
    ("get", "/api/v1/app/{app_id}"),
    ("get", "/api/v1/app/{app_id}/endpoint"),
    ("post", "/api/v1/app/{app_id}/endpoint"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
    ("put", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
    ("patch", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
    ("delete", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret"),
    ("post", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
    ("get", "/api/v1/app/{app_id}/msg"),
    ("get", "/api/v1/app/{app_id}/msg/{msg_id}"),
    ("get", "/api/v1/app/{app_id}/attempt/msg/{msg_id}"),
    ("get", "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}"),
    ("get", "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}"),
    ("post", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/attempt-stats"),
    ("get", "/api/v1/stats/app/{app_id}/attempt"),
    ("get", "/api/v1/stats/app/{app_id}/ep/{endpoint_id}/attempt"),
}
METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def fill(path: str, tenant: Tenant, app_key: str) -> str:
    values = {
        "app_id": app_key,
        "endpoint_id": tenant.endpoint_id,
        "msg_id": tenant.msg_id,
        "attempt_id": tenant.attempt_id,
        "event_type_name": "a.b",
        "task_id": "qtask_" + "0" * 22,
        "sink_id": tenant.endpoint_id,
        "consumer_id": "walker",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def body_for(method: str, path: str, receiver_url: str) -> dict | None:
    if method in ("post", "put", "patch") and path.endswith(("/endpoint", "{endpoint_id}")):
        return {"url": f"{receiver_url}/walked"}
    return {} if method in ("post", "put", "patch") else None


def assert_no_data_of(tenant: Tenant, r: httpx.Response) -> None:
    """Nothing of `tenant` in the answer, beyond what the request itself named (a 404 may
    repeat the key it did not find)."""
    asked = str(r.request.url)
    for value in (tenant.app_id, tenant.endpoint_id, tenant.msg_id, tenant.secret, tenant.uid):
        if value not in asked:
            assert value not in r.text, (r.request.method, r.request.url, r.text)


def test_every_route_with_an_application_token(hookline, receiver, world):
    svix, a, b, token = world
    spec = httpx.get(f"{hookline.url}/openapi.json").json()
    routes = sorted(
        ((method, path) for path, ops in spec["paths"].items() for method in ops),
        key=lambda r: (METHOD_ORDER[r[0]], r[1]),
    )
    assert set(routes) >= APP_ROUTES | ADMIN_UNDER_APP
    walked = set()
    with token_client(hookline, token) as http:
        for method, path in routes:
            if (method, path) in PUBLIC or path == "/api/v1/auth/logout":
                continue  # logout would end the token: tested on its own below
            walked.add((method, path))
            body = body_for(method, path, receiver.url)

            # Application B, by id and by uid: refused, and nothing of B in the answer.
            if "{app_id}" in path:
                for key in (b.app_id, b.uid):
                    r = http.request(method, fill(path, b, key), json=body)
                    assert r.status_code in (401, 403, 404), (method, path, r.status_code)
                    assert r.json()["code"] in ("forbidden", "not_found", "authentication_failed")
                    assert_no_data_of(b, r)
                # A's application with B's endpoint, message or attempt: not found (or the
                # body refused before anything is looked up).
                if any(p in path for p in ("{endpoint_id}", "{msg_id}", "{attempt_id}")):
                    r = http.request(method, fill(path, b, a.app_id), json=body)
                    assert r.status_code in (403, 404, 422), (method, path, r.status_code)
                    assert_no_data_of(b, r)

            # Application A (by id or uid), and routes outside any application.
            key = a.uid if method == "get" else a.app_id
            r = http.request(method, fill(path, a, key), json=body)
            assert r.status_code < 500, (method, path, r.text)
            assert_no_data_of(b, r)
            if (method, path) in APP_ROUTES or (method, path) in SHARED_READS:
                assert r.status_code not in (401, 403), (method, path, r.text)
                assert r.status_code < 300 or (method, path) == (
                    "delete",
                    "/api/v1/app/{app_id}/endpoint/{endpoint_id}",
                ), (method, path, r.text)
            elif (method, path) in ADMIN_UNDER_APP or not path.startswith("/api/v1/app/{app_id}"):
                assert r.status_code == 403, (method, path, r.status_code)
                assert r.json()["code"] == "forbidden"
    assert walked == {r for r in routes if r not in PUBLIC and r[1] != "/api/v1/auth/logout"}

    # B is untouched by everything the token tried.
    assert svix.application.get(b.app_id).name == "Tenant tenant-b"
    assert svix.endpoint.get_secret(b.app_id, b.endpoint_id).key == b.secret
    assert [m.id for m in svix.message.list(b.app_id).data] == [b.msg_id]
    assert len(svix.message_attempt.list_by_msg(b.app_id, b.msg_id).data) == 1


def test_the_svix_sdk_works_with_an_application_token(shared_hookline, tenants):
    _, a, b, token = tenants
    consumer = Svix(token, SvixOptions(server_url=shared_hookline.url, retry_schedule=[]))
    try:
        assert [ep.id for ep in consumer.endpoint.list(a.app_id).data] == [a.endpoint_id]
        assert consumer.endpoint.get_secret(a.uid, a.endpoint_id).key == a.secret
        created = consumer.endpoint.create(a.app_id, EndpointIn(url="https://8.8.8.8/mine"))
        assert created.id.startswith("ep_")
        for call in (
            lambda: consumer.application.list(),
            lambda: consumer.endpoint.list(b.app_id),
            lambda: consumer.application.get(b.uid),
            lambda: consumer.message.create(a.app_id, MessageIn(event_type="a.b", payload={})),
            lambda: consumer.authentication.app_portal_access(a.app_id, AppPortalAccessIn()),
        ):
            with pytest.raises(HttpError) as err:
                call()
            assert err.value.status_code == 403
    finally:
        consumer._httpx_client.close()


def test_tokens_expire_and_can_be_expired(shared_hookline, tenants):
    svix, a, _, token = tenants
    second = svix.authentication.app_portal_access(a.uid, AppPortalAccessIn(expiry=3600)).token
    with (
        token_client(shared_hookline, token) as first_http,
        token_client(shared_hookline, second) as second_http,
    ):
        assert first_http.get(f"/api/v1/app/{a.app_id}").status_code == 200
        # Expiring in an hour changes nothing yet; expiring now ends both.
        svix.authentication.expire_all(a.app_id, ApplicationTokenExpireIn(expiry=3600))
        assert second_http.get(f"/api/v1/app/{a.app_id}").status_code == 200
        svix.authentication.expire_all(a.uid, ApplicationTokenExpireIn())
        for http in (first_http, second_http):
            r = http.get(f"/api/v1/app/{a.app_id}")
            assert r.status_code == 401
            assert r.json() == {"code": "authentication_failed", "detail": "invalid token"}


def test_session_ids_expire_only_their_tokens(shared_hookline, tenants):
    svix, a, _, _ = tenants
    one = svix.authentication.app_portal_access(a.app_id, AppPortalAccessIn(session_id="s1"))
    two = svix.authentication.app_portal_access(a.app_id, AppPortalAccessIn(session_id="s2"))
    svix.authentication.expire_all(a.app_id, ApplicationTokenExpireIn(session_ids=["s1"]))
    with (
        token_client(shared_hookline, one.token) as h1,
        token_client(shared_hookline, two.token) as h2,
    ):
        assert h1.get(f"/api/v1/app/{a.app_id}").status_code == 401
        assert h2.get(f"/api/v1/app/{a.app_id}").status_code == 200


def test_logout_ends_the_token_it_is_called_with(shared_hookline, tenants):
    _, a, _, token = tenants
    with token_client(shared_hookline, token) as http:
        assert http.post("/api/v1/auth/logout").status_code == 204
        assert http.get(f"/api/v1/app/{a.app_id}").status_code == 401
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as admin:
        r = admin.post("/api/v1/auth/logout")
        assert r.status_code == 403  # the admin token is configuration, not a session
        assert admin.get("/api/v1/app").status_code == 200


@pytest.mark.parametrize(
    ("grant", "method", "path", "allowed"),
    [
        ({"readOnly": True}, "GET", "/endpoint", True),
        ({"readOnly": True}, "POST", "/endpoint", False),
        ({"capabilities": ["ViewBase"]}, "GET", "/endpoint/{ep}", True),
        ({"capabilities": ["ViewBase"]}, "GET", "/endpoint/{ep}/secret", False),
        ({"capabilities": ["ViewBase", "ViewEndpointSecret"]}, "GET", "/endpoint/{ep}/secret", 1),
        ({"capabilities": ["ViewBase", "ViewEndpointSecret"]}, "POST", "/endpoint", 0),
        ({"capabilities": ["ViewBase", "ManageEndpoint"]}, "POST", "/endpoint", True),
    ],
)
def test_read_only_tokens_and_capabilities(shared_hookline, tenants, grant, method, path, allowed):
    svix, a, _, _ = tenants
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as admin:
        r = admin.post(f"/api/v1/auth/app-portal-access/{a.app_id}", json=grant)
        assert r.status_code == 200, r.text
    with token_client(shared_hookline, r.json()["token"]) as http:
        url = f"/api/v1/app/{a.app_id}" + path.format(ep=a.endpoint_id)
        body = {"url": "https://8.8.8.8/cap"} if method == "POST" else None
        answer = http.request(method, url, json=body)
    assert (answer.status_code < 300) is bool(allowed), answer.text
    if not allowed:
        assert answer.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"expiry": 3599},  # 1 hour to 7 days, as Svix
        {"expiry": 7 * 24 * 3600 + 1},
        {"capabilities": ["ManageEndpoint"]},  # ViewBase is always needed
        {"capabilities": ["Everything"]},
    ],
)
def test_invalid_token_requests_are_422(shared_hookline, tenants, body):
    _, a, _, _ = tenants
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as admin:
        r = admin.post(f"/api/v1/auth/app-portal-access/{a.app_id}", json=body)
    assert r.status_code == 422, r.text


def test_tokens_for_missing_applications(shared_hookline):
    svix = shared_hookline.svix()
    with pytest.raises(HttpError) as err:
        svix.authentication.app_portal_access("no-such-app", AppPortalAccessIn())
    assert err.value.status_code == 404
    out = svix.authentication.app_portal_access(
        "created-for-portal", AppPortalAccessIn(application=ApplicationIn(name="Portal"))
    )
    assert svix.application.get("created-for-portal").name == "Portal"
    # The url is a single-use portal link (its own code, never the token itself).
    assert out.url.startswith(f"{shared_hookline.url}/portal/open#code=")
    assert out.token not in out.url
    with token_client(shared_hookline, out.token) as http:
        assert http.get("/api/v1/app/created-for-portal/endpoint").status_code == 200
    # Both bodies are optional.
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as admin:
        bodiless = admin.post("/api/v1/auth/app-portal-access/created-for-portal")
        assert bodiless.status_code == 200, bodiless.text
        assert admin.post("/api/v1/auth/app/created-for-portal/expire-all").status_code == 204


# Keys with the shape of an id are only ids (a uid or eventId may not pass for one)


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the application itself has, read from the FastAPI app
    (not from a list kept here, nor from the OpenAPI document, which may leave routes out)."""
    import tempfile

    from fastapi import routing

    from hookline.api.app import create_app
    from hookline.config import load_settings
    from hookline.store import Database

    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(
            {"HOOKLINE_DATA_DIR": data, "HOOKLINE_PUBLIC_URL": "http://127.0.0.1:8071"}
        )
        app = create_app(settings, Database(f"sqlite:///{data}/routes.db"), "unused")
        walk = routing.iter_route_contexts
        found = {
            (method.lower(), route.path)
            for route in walk(app.routes)
            for method in getattr(route, "methods", None) or ()
            if method != "HEAD"
        }
    return sorted(found, key=lambda r: (METHOD_ORDER.get(r[0], 9), r[1]))


def test_id_shaped_uids_and_event_ids_are_refused(hookline, receiver):
    svix = hookline.svix()
    b = make_tenant(svix, "tenant-b", receiver)
    x = svix.application.create(ApplicationIn(name="x", uid="tenant-x"))
    ep_x = svix.endpoint.create(x.id, EndpointIn(url=f"{receiver.url}/x", uid="ep-x"))
    before = {a.id for a in svix.application.list().data}
    # The reproducer, through the SDK: an application whose uid is B's id.
    with pytest.raises(HTTPValidationError) as err:
        svix.application.create(ApplicationIn(name="x2", uid=b.app_id))
    assert err.value.detail[0].loc == ["body", "uid"]
    assert "shape of a Hookline id" in err.value.detail[0].msg
    with pytest.raises(HTTPValidationError):
        svix.endpoint.create(x.id, EndpointIn(url=f"{receiver.url}/x", uid=b.endpoint_id))
    with pytest.raises(HTTPValidationError):
        svix.message.create(x.id, MessageIn(event_type="a.b", payload={}, event_id=b.msg_id))
    # And through raw HTTP, on every way a uid or eventId is written.
    other_shapes = ["atmpt_" + "a" * 22, "qtask_" + "Z" * 22, "msg_" + "0" * 22]
    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
        app_url, ep_url = f"/api/v1/app/{x.id}", f"/api/v1/app/{x.id}/endpoint/{ep_x.id}"
        url = f"{receiver.url}/x"
        for shaped in [b.app_id, b.endpoint_id, *other_shapes]:
            attempts = [
                ("POST", "/api/v1/app", {"name": "n", "uid": shaped}, ["body", "uid"]),
                ("PUT", app_url, {"name": "n", "uid": shaped}, ["body", "uid"]),
                ("PATCH", app_url, {"uid": shaped}, ["body", "uid"]),
                ("POST", f"{app_url}/endpoint", {"url": url, "uid": shaped}, ["body", "uid"]),
                ("PUT", ep_url, {"url": url, "uid": shaped}, ["body", "uid"]),
                ("PATCH", ep_url, {"uid": shaped}, ["body", "uid"]),
                (
                    "POST",
                    f"{app_url}/msg",
                    {"eventType": "a.b", "payload": {}, "eventId": shaped},
                    ["body", "eventId"],
                ),  # fmt: skip
                # A PUT creates by uid: an id-shaped key that names nothing cannot become one (404).
                ("PUT", f"/api/v1/app/{shaped}", {"name": "n"}, ["path", "app_id"]),
                ("PUT", f"{app_url}/endpoint/{shaped}", {"url": url}, ["path", "endpoint_id"]),
                (
                    "POST",
                    f"/api/v1/app/{shaped}/msg",
                    {"eventType": "a.b", "payload": {}, "application": {"name": "n"}},
                    ["path", "app_id"],
                ),  # fmt: skip
                (
                    "POST",
                    f"/api/v1/auth/app-portal-access/{shaped}",
                    {"application": {"name": "n"}},
                    ["path", "app_id"],
                ),  # fmt: skip
            ]
            for method, path, body, loc in attempts:
                if shaped == b.app_id and loc[0] == "path" and "app_id" in loc:
                    continue  # that key names B: not a creation
                r = http.request(method, path, json=body)
                if loc[0] == "path":
                    # An id-shaped path key is an id, and nothing has it.
                    assert r.status_code == 404, (method, path, shaped, r.status_code, r.text)
                    assert r.json()["code"] == "not_found"
                    assert shaped in r.json()["detail"]
                    assert "cannot be created" in r.json()["detail"]
                    continue
                assert r.status_code == 422, (method, path, shaped, r.status_code, r.text)
                [problem] = r.json()["detail"]
                assert problem["loc"] == loc, (method, path, r.text)
                assert r.json()["code"] == "validation"
        # Keys that only resemble an id are still fine as uids.
        for fine in ["app_" + "a" * 21, "ep_" + "a" * 23, "evt_" + "a" * 22, "app-" + "a" * 22]:
            assert http.patch(app_url, json={"uid": fine}).status_code == 200
    # Nothing was created or changed by the refused requests.
    assert {a.id for a in svix.application.list().data} == before
    assert svix.endpoint.get(x.id, ep_x.id).uid == "ep-x"
    assert [ep.id for ep in svix.endpoint.list(x.id).data] == [ep_x.id]
    assert svix.message.list(x.id).data == []
    # The admin API is unambiguous: B's id is B.
    assert svix.application.get(b.app_id).name == "Tenant tenant-b"


def test_a_uid_equal_to_another_applications_id_reaches_nothing_of_it(hookline, receiver):
    """The reproducer of the cross-tenant hole, with the rows a database written before the
    fix could hold: application x whose uid is B's id, x's endpoint whose uid is B's endpoint
    id, x's message whose eventId is B's message id. A token for x, on every route of the
    application, with B's keys, gets nothing of B and changes nothing of B."""
    svix = hookline.svix()
    b = make_tenant(svix, "tenant-b", receiver)
    x = make_tenant(svix, "tenant-x", receiver)
    svix.event_type.create(EventTypeIn(name="a.b", description="An event"))
    for sql in (
        f"UPDATE applications SET uid = '{b.app_id}' WHERE id = '{x.app_id}'",
        f"UPDATE endpoints SET uid = '{b.endpoint_id}' WHERE id = '{x.endpoint_id}'",
        f"UPDATE messages SET event_id = '{b.msg_id}' WHERE id = '{x.msg_id}'",
    ):
        run_sql(hookline, sql)
    token = svix.authentication.app_portal_access(x.app_id, AppPortalAccessIn()).token
    routes = app_routes()
    assert ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret") in routes
    tried = 0
    with token_client(hookline, token) as http:
        for method, path in routes:
            if "{app_id}" not in path:
                continue
            body = body_for(method, path, receiver.url)
            # B's id (which is x's uid in these rows) with B's other ids: refused.
            r = http.request(method, fill(path, b, b.app_id), json=body)
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert r.json()["detail"] in (
                f"this token only grants access to application {x.app_id}",
                "this route needs the admin token",  # the token routes under /api/v1/auth
            )
            assert_no_data_of(b, r)
            tried += 1
            # x's own application with B's endpoint, message and attempt ids (which are x's
            # endpoint uid and message eventId): those keys are ids only, and name nothing in x.
            if any(p in path for p in ("{endpoint_id}", "{msg_id}", "{attempt_id}")):
                r = http.request(method, fill(path, b, x.app_id), json=body)
                assert r.status_code in (403, 404, 422), (method, path, r.status_code, r.text)
                assert_no_data_of(b, r)
                assert x.secret not in r.text and f'"id":"{x.endpoint_id}"' not in r.text
                tried += 1
    assert tried > 40
    # The SDK with the same token: B's secret stays out of reach.
    consumer = Svix(token, SvixOptions(server_url=hookline.url, retry_schedule=[]))
    try:
        with pytest.raises(HttpError) as err:
            consumer.endpoint.get_secret(b.app_id, b.endpoint_id)
        assert err.value.status_code == 403
        with pytest.raises(HttpError) as err:
            consumer.endpoint.get_secret(x.app_id, b.endpoint_id)
        assert err.value.status_code == 404
        assert consumer.endpoint.get_secret(x.app_id, x.endpoint_id).key == x.secret
    finally:
        consumer._httpx_client.close()
    # Nothing of B changed, and the admin's view of B's id is B.
    assert svix.application.get(b.app_id).name == "Tenant tenant-b"
    assert svix.application.get(b.app_id).id == b.app_id
    assert svix.endpoint.get_secret(b.app_id, b.endpoint_id).key == b.secret
    assert svix.endpoint.get(b.app_id, b.endpoint_id).url == f"{receiver.url}/tenant-b"
    assert [m.id for m in svix.message.list(b.app_id).data] == [b.msg_id]
    assert len(svix.message_attempt.list_by_msg(b.app_id, b.msg_id).data) == 1


# Every route, with the admin token, an application token and no token

# Routes an application token may use, besides those of APP_ROUTES and SHARED_READS.
MORE_APP_ROUTES = {
    ("get", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint"),
    ("get", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg"),
    ("post", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover"),
    ("post", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/replay-missing"),
    ("post", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/bulk-replay"),
    ("post", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example"),
    ("put", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
    ("patch", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
    ("get", "/api/v1/app/{app_id}/events"),
    ("get", "/api/v1/app/{app_id}/poller/{sink_id}"),
    ("get", "/api/v1/app/{app_id}/poller/{sink_id}/consumer/{consumer_id}"),
    ("post", "/api/v1/app/{app_id}/poller/{sink_id}/consumer/{consumer_id}/seek"),
    ("post", "/api/v1/auth/logout"),
}
RECOVER_BODY = {"since": "2020-01-01T00:00:00Z"}
EXAMPLE_BODY = {"eventType": "invoice.paid"}


def _walk_order(route: tuple[str, str]) -> tuple[bool, bool, bool, str]:
    # Deletions last (the application's own last of all), logout after everything else.
    method, path = route
    deletes_app = route == ("delete", "/api/v1/app/{app_id}")
    return (path == "/api/v1/auth/logout", deletes_app, method == "delete", path)


def test_every_route_with_admin_token_app_token_and_no_token(hookline, receiver, world):
    svix, a, b, token = world
    routes = sorted(app_routes(), key=_walk_order)
    app_token_routes = APP_ROUTES | SHARED_READS | MORE_APP_ROUTES
    assert app_token_routes <= set(routes), app_token_routes - set(routes)

    def request(http: httpx.Client, method: str, path: str, key: str) -> httpx.Response:
        if path.endswith(("/recover", "/replay-missing", "/bulk-replay")):
            body = RECOVER_BODY
        elif path.endswith("/send-example"):
            body = EXAMPLE_BODY
        else:
            body = body_for(method, path, receiver.url)
        return http.request(method, fill(path, a, key), json=body)

    with httpx.Client(base_url=hookline.url, timeout=10) as anonymous:
        for method, path in routes:
            r = request(anonymous, method, path, a.app_id)
            if path == "/metrics":
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.json()["code"] == "authentication_failed"
            elif not path.startswith("/api/"):
                assert r.status_code == 200, (method, path)  # documentation and probes
            elif path == "/api/v1/health":
                assert r.status_code == 204
            else:
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.json()["code"] == "authentication_failed"
                assert_no_data_of(a, r)

    with token_client(hookline, token) as http:
        # An application token may not read the metrics (they tell of every tenant).
        assert http.get("/metrics").status_code == 401
        for method, path in routes:
            if not path.startswith("/api/") or path == "/api/v1/health":
                continue
            key = a.uid if method == "get" else a.app_id  # both spellings resolve to A
            r = request(http, method, path, key)
            assert r.status_code < 500, (method, path, r.text)
            assert_no_data_of(b, r)
            if (method, path) in app_token_routes:
                assert r.status_code not in (401, 403), (method, path, r.text)
            else:
                assert r.status_code == 403, (method, path, r.status_code)
                assert r.json() == {
                    "code": "forbidden",
                    "detail": "this route needs the admin token",
                }

    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as admin:
        for method, path in routes:
            r = request(admin, method, path, a.app_id)
            assert r.status_code < 500, (method, path, r.text)
            if path == "/api/v1/auth/logout":
                assert r.status_code == 403  # only application tokens log out
            else:
                assert r.status_code not in (401, 403), (method, path, r.status_code, r.text)
    # B was not touched by any of it.
    assert svix.endpoint.get_secret(b.app_id, b.endpoint_id).key == b.secret
    assert [m.id for m in svix.message.list(b.app_id).data] == [b.msg_id]
