"""Endpoints through the official svix SDK (raw HTTP for the old `filterTypes` name)."""

from __future__ import annotations

import base64
import os
import secrets
import string
from collections.abc import Iterator

import httpx
import pytest
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    EndpointIn,
    EndpointListOptions,
    EndpointPatch,
    EndpointUpsertIn,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def app(svix):
    return svix.application.create(ApplicationIn(name="Endpoints", uid=uid("app")))


def uid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def whsec(n_bytes: int) -> str:
    return "whsec_" + base64.b64encode(os.urandom(n_bytes)).decode()


def listed_ids(svix: Svix, app_id: str) -> list[str]:
    page = svix.endpoint.list(app_id, EndpointListOptions(limit=250))
    assert page.done
    return [ep.id for ep in page.data]


def test_create_get_list_by_id_and_uid(svix, app):
    key = uid("ep")
    ep = svix.endpoint.create(
        app.uid,
        EndpointIn(
            url="http://127.0.0.1:9/hook",
            uid=key,
            description="Billing hooks",
            event_types=["invoice.paid", "invoice.failed"],
            channels=["project_123", "eu:west#1"],
            metadata={"team": "billing"},
            throttle_rate=100,
        ),
    )
    assert ep.id.startswith("ep_")
    for address in (ep.id, key):
        got = svix.endpoint.get(app.id, address)
        assert got.id == ep.id
        assert got.uid == key
        assert got.url == "http://127.0.0.1:9/hook"
        assert got.description == "Billing hooks"
        assert got.event_types == ["invoice.paid", "invoice.failed"]
        assert got.channels == ["project_123", "eu:west#1"]
        assert got.metadata == {"team": "billing"}
        assert got.throttle_rate == 100
        assert got.disabled is False
    assert listed_ids(svix, app.uid) == [ep.id]


def test_defaults_when_only_url_is_given(svix, app):
    ep = svix.endpoint.create(app.id, EndpointIn(url="https://127.0.0.1/only-url"))
    got = svix.endpoint.get(app.id, ep.id)
    assert got.uid is None
    assert got.description == ""
    assert got.event_types is None  # no filter: every event type
    assert got.channels is None
    assert got.metadata == {}
    assert got.disabled is False


def test_generated_secrets_are_whsec_of_24_to_64_bytes_and_distinct(svix, app):
    keys = set()
    for _ in range(3):
        ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/x"))
        key = svix.endpoint.get_secret(app.id, ep.id).key
        assert key.startswith("whsec_")
        raw = base64.b64decode(key.removeprefix("whsec_"), validate=True)
        assert 24 <= len(raw) <= 64
        keys.add(key)
    assert len(keys) == 3


@pytest.mark.parametrize("n_bytes", [24, 32, 64])
def test_caller_given_secret_is_kept(svix, app, n_bytes):
    secret = whsec(n_bytes)
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/s", secret=secret))
    assert svix.endpoint.get_secret(app.id, ep.id).key == secret
    assert svix.endpoint.get_secret(app.uid, ep.id).key == secret


def test_caller_given_secret_without_prefix_is_returned_with_it(svix, app):
    raw = base64.b64encode(os.urandom(32)).decode()
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/s", secret=raw))
    assert svix.endpoint.get_secret(app.id, ep.id).key == "whsec_" + raw


@pytest.mark.parametrize(
    "secret",
    [
        whsec(23),
        whsec(65),
        "whsec_not*base64!",
        "whsec_",
        "",
        "whsec_" + base64.b64encode(os.urandom(32)).decode()[:-2],  # broken padding
    ],
    ids=["23-bytes", "65-bytes", "not-base64", "prefix-only", "empty", "broken-padding"],
)
def test_invalid_secret_is_422_and_creates_nothing(svix, app, secret):
    with pytest.raises(HTTPValidationError) as err:
        svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/s", secret=secret))
    assert err.value.status_code == 422
    assert err.value.detail[0].loc == ["body", "secret"]
    assert listed_ids(svix, app.id) == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "not a url",
        "127.0.0.1/no-scheme",
        "http://",
        "http://10.0.0.1/private",  # not in HOOKLINE_ALLOW_PRIVATE_NETWORKS
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.1/" + "x" * 2048,
    ],
)
def test_unacceptable_url_is_422_and_creates_nothing(svix, app, url):
    with pytest.raises(HTTPValidationError) as err:
        svix.endpoint.create(app.id, EndpointIn(url=url))
    assert err.value.status_code == 422
    assert err.value.detail[0].loc == ["body", "url"]
    assert listed_ids(svix, app.id) == []


def test_unacceptable_url_is_422_on_update_and_patch_too(svix, app):
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/ok"))
    with pytest.raises(HTTPValidationError):
        svix.endpoint.patch(app.id, ep.id, EndpointPatch(url="ftp://127.0.0.1/x"))
    with pytest.raises(HTTPValidationError):
        svix.endpoint.upsert(app.id, ep.id, EndpointUpsertIn(url="gopher://127.0.0.1/x"))
    assert svix.endpoint.get(app.id, ep.id).url == "http://127.0.0.1:9/ok"


def test_filter_types_is_accepted_as_the_old_name_of_event_types(http, svix, app):
    r = http.post(
        f"/api/v1/app/{app.id}/endpoint",
        json={"url": "http://127.0.0.1:9/old", "filterTypes": ["user.created"]},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["filterTypes"] == ["user.created"]
    assert body["eventTypes"] == ["user.created"]
    assert svix.endpoint.get(app.id, body["id"]).event_types == ["user.created"]

    r = http.patch(
        f"/api/v1/app/{app.id}/endpoint/{body['id']}", json={"filterTypes": ["user.deleted"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["filterTypes"] == r.json()["eventTypes"] == ["user.deleted"]


def test_upsert_creates_with_the_path_as_uid_then_replaces(svix, app):
    key = uid("put")
    created = svix.endpoint.upsert(
        app.id,
        key,
        EndpointUpsertIn(url="http://127.0.0.1:9/v1", event_types=["a.b"], description="one"),
    )
    assert created.id.startswith("ep_")
    assert created.uid == key
    assert created.event_types == ["a.b"]
    secret = svix.endpoint.get_secret(app.id, created.id).key

    replaced = svix.endpoint.upsert(
        app.id, created.id, EndpointUpsertIn(url="http://127.0.0.1:9/v2", uid=key)
    )
    assert replaced.id == created.id
    assert replaced.url == "http://127.0.0.1:9/v2"
    assert replaced.event_types is None  # PUT replaces: no filter given, none kept
    assert replaced.description == ""
    assert svix.endpoint.get_secret(app.id, created.id).key == secret  # not rotated
    assert listed_ids(svix, app.id) == [created.id]


def test_upsert_by_uid_is_idempotent(svix, app):
    key = uid("idem")
    first = svix.endpoint.upsert(app.id, key, EndpointUpsertIn(url="http://127.0.0.1:9/1"))
    second = svix.endpoint.upsert(app.id, key, EndpointUpsertIn(url="http://127.0.0.1:9/2"))
    third = svix.endpoint.upsert(app.id, key, EndpointUpsertIn(url="http://127.0.0.1:9/3"))

    assert first.id == second.id == third.id
    assert svix.endpoint.get(app.id, key).url == "http://127.0.0.1:9/3"
    assert listed_ids(svix, app.id) == [first.id]


def test_upsert_to_an_unknown_endpoint_id_does_not_multiply(svix, app):
    key = "ep_" + "".join(secrets.choice(string.digits + string.ascii_letters) for _ in range(22))
    for _ in range(2):
        try:
            svix.endpoint.upsert(app.id, key, EndpointUpsertIn(url="http://127.0.0.1:9/ghost"))
        except (HttpError, HTTPValidationError) as err:  # refusing an unassigned id is fine
            assert err.status_code in (404, 422)
    created = listed_ids(svix, app.id)
    assert len(created) <= 1
    if created:
        assert svix.endpoint.get(app.id, key).id == created[0]


def test_patch_changes_only_the_given_fields(svix, app):
    key = uid("patch")
    ep = svix.endpoint.create(
        app.id,
        EndpointIn(
            url="http://127.0.0.1:9/p",
            uid=key,
            description="keep",
            event_types=["a.b"],
            channels=["c1"],
            metadata={"k": "v"},
        ),
    )
    patched = svix.endpoint.patch(app.id, key, EndpointPatch(disabled=True))
    assert patched.disabled is True
    assert (patched.url, patched.description, patched.uid) == ("http://127.0.0.1:9/p", "keep", key)
    assert (patched.event_types, patched.channels, patched.metadata) == (
        ["a.b"],
        ["c1"],
        {"k": "v"},
    )

    patched = svix.endpoint.patch(
        app.id, ep.id, EndpointPatch(event_types=["x.y", "z"], channels=None, disabled=False)
    )
    assert patched.event_types == ["x.y", "z"]
    assert patched.channels is None
    assert patched.disabled is False

    patched = svix.endpoint.patch(app.id, ep.id, EndpointPatch(event_types=None))
    assert patched.event_types is None
    assert svix.endpoint.get(app.id, key).event_types is None


def test_duplicate_uid_in_one_app_is_a_conflict_but_fine_in_another(svix, app):
    key = uid("same")
    svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/a", uid=key))
    with pytest.raises(HttpError) as err:
        svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/b", uid=key))
    assert err.value.status_code == 409
    assert err.value.code == "conflict"
    assert len(listed_ids(svix, app.id)) == 1

    other = svix.application.create(ApplicationIn(name="Other"))
    assert (
        svix.endpoint.create(other.id, EndpointIn(url="http://127.0.0.1:9/c", uid=key)).uid == key
    )

    second = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/d"))
    with pytest.raises(HttpError) as err:
        svix.endpoint.patch(app.id, second.id, EndpointPatch(uid=key))
    assert err.value.status_code == 409


@pytest.mark.parametrize("by", ["id", "uid"])
def test_delete(svix, app, by):
    key = uid("del")
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/d", uid=key))
    keep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/k"))

    svix.endpoint.delete(app.id, ep.id if by == "id" else key)

    assert listed_ids(svix, app.id) == [keep.id]
    for call in (
        lambda: svix.endpoint.get(app.id, ep.id),
        lambda: svix.endpoint.get(app.id, key),
        lambda: svix.endpoint.get_secret(app.id, ep.id),
        lambda: svix.endpoint.delete(app.id, ep.id),
    ):
        with pytest.raises(HttpError) as err:
            call()
        assert err.value.status_code == 404


def test_endpoints_belong_to_their_application(svix, app):
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/mine"))
    other = svix.application.create(ApplicationIn(name="Not mine"))
    with pytest.raises(HttpError) as err:
        svix.endpoint.get(other.id, ep.id)
    assert err.value.status_code == 404
    with pytest.raises(HttpError) as err:
        svix.endpoint.delete(other.id, ep.id)
    assert err.value.status_code == 404
    assert listed_ids(svix, app.id) == [ep.id]


def test_unknown_application_or_endpoint_is_404(svix, app):
    missing_app = uid("nope")
    for call in (
        lambda: svix.endpoint.list(missing_app),
        lambda: svix.endpoint.create(missing_app, EndpointIn(url="http://127.0.0.1:9/x")),
        lambda: svix.endpoint.get(missing_app, "ep_0000000000000000000000"),
        lambda: svix.endpoint.get(app.id, "ep_0000000000000000000000"),
        lambda: svix.endpoint.get(app.id, "unknown-uid"),
        lambda: svix.endpoint.patch(app.id, "unknown-uid", EndpointPatch(description="x")),
        lambda: svix.endpoint.get_secret(app.id, "unknown-uid"),
        lambda: svix.endpoint.delete(app.id, "unknown-uid"),
    ):
        with pytest.raises(HttpError) as err:
            call()
        assert err.value.status_code == 404
        assert err.value.code == "not_found"


def test_invalid_filters_are_422(svix, app):
    for bad in (
        EndpointIn(url="http://127.0.0.1:9/x", event_types=["has space"]),
        EndpointIn(url="http://127.0.0.1:9/x", channels=["bad channel"]),
        EndpointIn(url="http://127.0.0.1:9/x", channels=[f"c{i}" for i in range(11)]),
        EndpointIn(url="http://127.0.0.1:9/x", uid="bad uid"),
        EndpointIn(url="http://127.0.0.1:9/x", throttle_rate=-5),
    ):
        with pytest.raises(HTTPValidationError):
            svix.endpoint.create(app.id, bad)
    assert listed_ids(svix, app.id) == []


def test_list_pagination(svix, app):
    created = [
        svix.endpoint.create(app.id, EndpointIn(url=f"http://127.0.0.1:9/{i}")).id for i in range(5)
    ]
    walked: list[str] = []
    iterator = None
    for _ in range(10):
        page = svix.endpoint.list(app.id, EndpointListOptions(limit=2, iterator=iterator))
        walked += [ep.id for ep in page.data]
        if page.done:
            break
        iterator = page.iterator
    assert walked == created
