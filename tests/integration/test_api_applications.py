"""Applications through the official svix SDK: CRUD by id and uid, conflicts, pagination."""

from __future__ import annotations

import secrets
import string

import pytest
from svix.api import (
    ApplicationIn,
    ApplicationListOptions,
    ApplicationPatch,
    EndpointIn,
    Ordering,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


def uid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def unknown_id(prefix: str) -> str:
    """A key with the shape of a server-assigned id that no resource has."""
    return f"{prefix}_" + "".join(
        secrets.choice(string.digits + string.ascii_letters) for _ in range(22)
    )


def test_create_and_get_by_id_and_by_uid(svix):
    key = uid("acme")
    app = svix.application.create(
        ApplicationIn(name="Acme Inc.", uid=key, metadata={"tier": "gold"})
    )

    assert app.id.startswith("app_")
    assert (app.name, app.uid, app.metadata) == ("Acme Inc.", key, {"tier": "gold"})
    assert app.created_at == app.updated_at
    for address in (app.id, key):
        got = svix.application.get(address)
        assert (got.id, got.name, got.uid, got.metadata) == (
            app.id,
            "Acme Inc.",
            key,
            {"tier": "gold"},
        )


def test_create_without_uid_has_no_uid_and_empty_metadata(svix):
    app = svix.application.create(ApplicationIn(name="No uid"))
    assert app.uid is None
    assert app.metadata == {}
    assert svix.application.get(app.id).name == "No uid"


def test_duplicate_uid_is_a_conflict_and_creates_nothing(svix):
    key = uid("dup")
    first = svix.application.create(ApplicationIn(name="First", uid=key))
    before = _all_app_ids(svix)

    with pytest.raises(HttpError) as err:
        svix.application.create(ApplicationIn(name="Second", uid=key))

    assert err.value.status_code == 409
    assert err.value.code == "conflict"
    assert key in err.value.detail
    assert _all_app_ids(svix) == before
    assert svix.application.get(key).id == first.id
    assert svix.application.get(key).name == "First"


def test_get_or_create_returns_the_existing_application(svix):
    key = uid("goc")
    created = svix.application.get_or_create(ApplicationIn(name="Made", uid=key))
    again = svix.application.get_or_create(ApplicationIn(name="Ignored", uid=key))

    assert again.id == created.id
    assert again.name == "Made"  # get-or-create does not update
    assert svix.application.get(key).name == "Made"


def test_upsert_creates_with_the_path_as_uid_then_replaces(svix):
    key = uid("put")
    created = svix.application.upsert(key, ApplicationIn(name="v1", metadata={"a": "1"}))
    assert created.id.startswith("app_")
    assert created.uid == key

    replaced = svix.application.upsert(key, ApplicationIn(name="v2"))
    assert replaced.id == created.id
    assert replaced.name == "v2"
    assert replaced.metadata == {}  # PUT replaces: metadata not given is cleared
    assert replaced.uid == key  # ... but the uid it is addressed by stays
    assert replaced.updated_at >= created.updated_at

    by_id = svix.application.upsert(created.id, ApplicationIn(name="v3", metadata={"b": "2"}))
    assert (by_id.id, by_id.name, by_id.metadata) == (created.id, "v3", {"b": "2"})
    assert svix.application.get(key).name == "v3"


def test_upsert_to_an_unknown_application_id_does_not_multiply(svix):
    key = unknown_id("app")
    before = set(_all_app_ids(svix))
    for _ in range(2):
        try:
            svix.application.upsert(key, ApplicationIn(name="Ghost"))
        except (HttpError, HTTPValidationError) as err:  # refusing an unassigned id is fine
            assert err.status_code in (404, 422)
    new = set(_all_app_ids(svix)) - before
    assert len(new) <= 1
    if new:
        assert svix.application.get(key).id in new


def test_upsert_to_a_uid_that_another_application_has_is_a_conflict(svix):
    taken = svix.application.create(ApplicationIn(name="Taken", uid=uid("taken")))
    other = svix.application.create(ApplicationIn(name="Other", uid=uid("other")))

    with pytest.raises(HttpError) as err:
        svix.application.upsert(other.id, ApplicationIn(name="Other", uid=taken.uid))

    assert err.value.status_code == 409
    assert svix.application.get(other.id).uid == other.uid


def test_patch_changes_only_the_given_fields(svix):
    key = uid("patch")
    app = svix.application.create(
        ApplicationIn(name="Before", uid=key, metadata={"keep": "me"}, throttle_rate=10)
    )

    patched = svix.application.patch(key, ApplicationPatch(name="After"))
    assert (patched.id, patched.name, patched.uid) == (app.id, "After", key)
    assert patched.metadata == {"keep": "me"}
    assert patched.throttle_rate == 10

    new_key = uid("renamed")
    patched = svix.application.patch(app.id, ApplicationPatch(uid=new_key, metadata={}))
    assert (patched.name, patched.uid, patched.metadata) == ("After", new_key, {})
    assert svix.application.get(new_key).id == app.id
    with pytest.raises(HttpError) as err:
        svix.application.get(key)
    assert err.value.status_code == 404


def test_patch_to_a_taken_uid_is_a_conflict(svix):
    taken = svix.application.create(ApplicationIn(name="A", uid=uid("pt")))
    app = svix.application.create(ApplicationIn(name="B", uid=uid("pt")))
    with pytest.raises(HttpError) as err:
        svix.application.patch(app.id, ApplicationPatch(uid=taken.uid))
    assert err.value.status_code == 409
    assert svix.application.get(app.id).uid == app.uid


@pytest.mark.parametrize("by", ["id", "uid"])
def test_delete_removes_the_application(svix, by):
    key = uid("del")
    app = svix.application.create(ApplicationIn(name="Doomed", uid=key))

    svix.application.delete(app.id if by == "id" else key)

    for address in (app.id, key):
        with pytest.raises(HttpError) as err:
            svix.application.get(address)
        assert err.value.status_code == 404
        assert err.value.code == "not_found"
    assert app.id not in _all_app_ids(svix)
    with pytest.raises(HttpError) as err:
        svix.application.delete(app.id)
    assert err.value.status_code == 404
    # The uid is free again.
    assert svix.application.create(ApplicationIn(name="Reborn", uid=key)).id != app.id


def test_unknown_application_is_404_for_every_operation(svix):
    missing = uid("missing")
    calls = [
        lambda: svix.application.get(missing),
        lambda: svix.application.patch(missing, ApplicationPatch(name="x")),
        lambda: svix.application.delete(missing),
        lambda: svix.application.get("app_0000000000000000000000"),
    ]
    for call in calls:
        with pytest.raises(HttpError) as err:
            call()
        assert err.value.status_code == 404
        assert err.value.code == "not_found"


def test_invalid_fields_are_422_with_a_located_detail(svix):
    for bad in (
        ApplicationIn(name=""),
        ApplicationIn(name="x" * 257),
        ApplicationIn(name="ok", uid="has space"),
        ApplicationIn(name="ok", uid="ü"),
        ApplicationIn(name="ok", throttle_rate=-1),
        ApplicationIn(name="ok", throttle_rate=65536),  # a uint16 in Svix's API
    ):
        with pytest.raises(HTTPValidationError) as err:
            svix.application.create(bad)
        assert err.value.status_code == 422
        [problem] = err.value.detail
        assert problem.loc[0] == "body"
        assert problem.msg and problem.type


def test_unicode_and_long_values_round_trip(svix):
    name = "Ünïcødé 🚀 مرحبا 日本語 " + "x" * 200
    metadata = {"emoji": "🎉" * 100, "k" * 256: "v" * 4096}
    app = svix.application.create(ApplicationIn(name=name, metadata=metadata))
    got = svix.application.get(app.id)
    assert got.name == name
    assert got.metadata == metadata


def test_pagination_walks_every_application_once_forwards_and_back(svix):
    mine = {svix.application.create(ApplicationIn(name=f"page {i}")).id for i in range(11)}
    everything = svix.application.list(ApplicationListOptions(limit=250))
    assert everything.done
    expected = [a.id for a in everything.data]
    assert mine <= set(expected)
    assert expected == sorted(expected)  # ascending by id (creation) by default

    pages = []
    iterator = None
    while True:
        page = svix.application.list(ApplicationListOptions(limit=3, iterator=iterator))
        assert len(page.data) <= 3
        pages.append(page)
        if page.done:
            break
        assert len(page.data) == 3
        iterator = page.iterator
        assert len(pages) < 200, "pagination does not end"
    walked = [a.id for page in pages for a in page.data]
    assert walked == expected  # nothing twice, nothing missing, in order
    assert len(pages) >= 4

    # Walking back from the last page with prevIterator gives the same pages in reverse.
    back = []
    page = pages[-1]
    while page.prev_iterator:
        page = svix.application.list(ApplicationListOptions(limit=3, iterator=page.prev_iterator))
        if not page.data:
            break
        back.append([a.id for a in page.data])
        assert len(back) < 200, "backwards pagination does not end"
    assert back == [[a.id for a in p.data] for p in reversed(pages[:-1])]

    # From a page reached backwards, `iterator` continues forwards again.
    second = svix.application.list(ApplicationListOptions(limit=3, iterator=pages[1].prev_iterator))
    assert [a.id for a in second.data] == [a.id for a in pages[0].data]
    onward = svix.application.list(ApplicationListOptions(limit=3, iterator=second.iterator))
    assert [a.id for a in onward.data] == [a.id for a in pages[1].data]


def test_descending_order_reverses_the_list(svix):
    for i in range(3):
        svix.application.create(ApplicationIn(name=f"order {i}"))
    ascending = [a.id for a in svix.application.list(ApplicationListOptions(limit=250)).data]
    descending = svix.application.list(ApplicationListOptions(limit=250, order=Ordering.DESCENDING))
    assert [a.id for a in descending.data] == list(reversed(ascending))

    first = svix.application.list(ApplicationListOptions(limit=2, order=Ordering.DESCENDING))
    rest = svix.application.list(
        ApplicationListOptions(limit=250, order=Ordering.DESCENDING, iterator=first.iterator)
    )
    assert [a.id for a in first.data + rest.data] == list(reversed(ascending))


def _all_app_ids(svix: Svix) -> list[str]:
    page = svix.application.list(ApplicationListOptions(limit=250))
    assert page.done
    return [a.id for a in page.data]


def test_list_excludes_apps_without_endpoints_or_with_only_disabled_ones(svix):
    bare = svix.application.create(ApplicationIn(name="No endpoints"))
    off = svix.application.create(ApplicationIn(name="Only disabled"))
    svix.endpoint.create(off.id, EndpointIn(url="http://127.0.0.1:9/a", disabled=True))
    on = svix.application.create(ApplicationIn(name="One enabled"))
    svix.endpoint.create(on.id, EndpointIn(url="http://127.0.0.1:9/b", disabled=True))
    svix.endpoint.create(on.id, EndpointIn(url="http://127.0.0.1:9/c"))
    mine = {bare.id: "bare", off.id: "off", on.id: "on"}

    def listed(**options) -> list[str]:
        page = svix.application.list(ApplicationListOptions(limit=250, **options))
        return sorted(mine[a.id] for a in page.data if a.id in mine)

    assert listed() == ["bare", "off", "on"]
    assert listed(exclude_apps_with_no_endpoints=True) == ["off", "on"]
    assert listed(exclude_apps_with_disabled_endpoints=True) == ["bare", "on"]
    both = {"exclude_apps_with_no_endpoints": True, "exclude_apps_with_disabled_endpoints": True}
    assert listed(**both) == ["on"]
    assert listed(exclude_apps_with_svix_play_endpoints=True) == ["bare", "off", "on"]


@pytest.mark.parametrize("cursor", ["garbage", "ep_" + "0" * 22, "~app_short", "app_" + "0" * 23])
def test_list_refuses_a_cursor_it_did_not_issue(svix, cursor):
    with pytest.raises(HTTPValidationError) as err:
        svix.application.list(ApplicationListOptions(iterator=cursor))
    assert err.value.detail[0].loc == ["query", "iterator"]
    # A cursor of the right shape that names no application pages on from there.
    assert svix.application.list(ApplicationListOptions(iterator="app_" + "z" * 22)).done
