"""Event types through the official svix SDK: create, list, get, upsert, patch, archive."""

from __future__ import annotations

import secrets

import pytest
from svix.api import (
    EventTypeDeleteOptions,
    EventTypeIn,
    EventTypeListOptions,
    EventTypePatch,
    EventTypeUpsertIn,
    Ordering,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError

SCHEMA = {
    "1": {
        "type": "object",
        "properties": {"amount": {"type": "integer", "minimum": 0}},
        "required": ["amount"],
    }
}


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


def name(prefix: str) -> str:
    return f"{prefix}.{secrets.token_hex(4)}"


def listed(svix: Svix, include_archived: bool = False) -> dict[str, object]:
    page = svix.event_type.list(EventTypeListOptions(limit=250, include_archived=include_archived))
    assert page.done
    return {et.name: et for et in page.data}


def test_create_get_and_list(svix):
    key = name("invoice.paid")
    created = svix.event_type.create(
        EventTypeIn(
            name=key,
            description="An invoice was paid",
            schemas=SCHEMA,
            group_name="billing",
            feature_flags=["beta"],
        )
    )
    assert (created.name, created.description) == (key, "An invoice was paid")
    assert created.archived is False
    assert created.deprecated is False
    assert created.schemas == SCHEMA
    assert (created.group_name, created.feature_flags) == ("billing", ["beta"])

    got = svix.event_type.get(key)
    assert (got.name, got.description, got.schemas) == (key, "An invoice was paid", SCHEMA)
    assert got.created_at == created.created_at
    assert listed(svix)[key].description == "An invoice was paid"


def test_duplicate_name_is_a_conflict(svix):
    key = name("dup")
    svix.event_type.create(EventTypeIn(name=key, description="first"))
    with pytest.raises(HttpError) as err:
        svix.event_type.create(EventTypeIn(name=key, description="second"))
    assert err.value.status_code == 409
    assert err.value.code == "conflict"
    assert svix.event_type.get(key).description == "first"


def test_upsert_creates_then_replaces(svix):
    key = name("upsert")
    created = svix.event_type.upsert(
        key, EventTypeUpsertIn(description="v1", schemas=SCHEMA, deprecated=True)
    )
    assert (created.name, created.description, created.deprecated) == (key, "v1", True)

    replaced = svix.event_type.upsert(key, EventTypeUpsertIn(description="v2"))
    assert replaced.description == "v2"
    assert replaced.schemas is None  # PUT replaces the whole event type
    assert replaced.deprecated is False
    assert replaced.created_at == created.created_at
    assert svix.event_type.get(key).description == "v2"


def test_patch_changes_only_the_given_fields(svix):
    key = name("patch")
    svix.event_type.create(EventTypeIn(name=key, description="keep", schemas=SCHEMA))

    patched = svix.event_type.patch(key, EventTypePatch(deprecated=True))
    assert (patched.description, patched.deprecated, patched.schemas) == ("keep", True, SCHEMA)

    patched = svix.event_type.patch(key, EventTypePatch(description="new", group_name="g"))
    assert (patched.description, patched.group_name, patched.deprecated) == ("new", "g", True)
    assert svix.event_type.get(key).description == "new"


def test_delete_archives_and_include_archived_lists_it(svix):
    key = name("archive")
    svix.event_type.create(EventTypeIn(name=key, description="old"))

    svix.event_type.delete(key)

    assert svix.event_type.get(key).archived is True
    assert key not in listed(svix)
    assert listed(svix, include_archived=True)[key].archived is True

    # Un-archiving is a patch (or an upsert).
    svix.event_type.patch(key, EventTypePatch(archived=False))
    assert key in listed(svix)


def test_delete_with_expunge_removes_for_good(svix):
    key = name("expunge")
    svix.event_type.create(EventTypeIn(name=key, description="gone"))

    svix.event_type.delete(key, EventTypeDeleteOptions(expunge=True))

    with pytest.raises(HttpError) as err:
        svix.event_type.get(key)
    assert err.value.status_code == 404
    assert key not in listed(svix, include_archived=True)
    # The name can be used again.
    assert svix.event_type.create(EventTypeIn(name=key, description="again")).archived is False


def test_unknown_event_type_is_404(svix):
    missing = name("missing")
    for call in (
        lambda: svix.event_type.get(missing),
        lambda: svix.event_type.patch(missing, EventTypePatch(description="x")),
        lambda: svix.event_type.delete(missing),
        lambda: svix.event_type.delete(missing, EventTypeDeleteOptions(expunge=True)),
    ):
        with pytest.raises(HttpError) as err:
            call()
        assert err.value.status_code == 404
        assert err.value.code == "not_found"


def test_invalid_event_types_are_422(svix):
    before = listed(svix, include_archived=True)
    for bad in (
        EventTypeIn(name="has space", description="x"),
        EventTypeIn(name="", description="x"),
        EventTypeIn(name="x" * 257, description="x"),
        EventTypeIn(name="ok.name", description="x" * 4097),
    ):
        with pytest.raises(HTTPValidationError) as err:
            svix.event_type.create(bad)
        assert err.value.status_code == 422
        assert err.value.detail[0].loc[0] == "body"
    with pytest.raises(HTTPValidationError):
        svix.event_type.upsert("bad name!", EventTypeUpsertIn(description="x"))
    assert listed(svix, include_archived=True).keys() == before.keys()


def test_list_pages_by_name(svix):
    mine = {name("paged") for _ in range(7)}
    for key in mine:
        svix.event_type.create(EventTypeIn(name=key, description=""))
    expected = sorted(listed(svix))

    walked: list[str] = []
    iterator = None
    for _ in range(100):
        page = svix.event_type.list(EventTypeListOptions(limit=2, iterator=iterator))
        walked += [et.name for et in page.data]
        if page.done:
            break
        iterator = page.iterator
    assert walked == expected
    assert mine <= set(walked)


def test_list_pages_past_names_that_start_with_a_dash(svix):
    # With one name a page, each of these is the `iterator` that leads to the next page.
    dashed = [f"-zz{i}-{secrets.token_hex(2)}" for i in range(3)]
    for key in dashed:
        svix.event_type.create(EventTypeIn(name=key, description=""))
    try:
        expected = sorted(listed(svix))
        walked: list[str] = []
        iterator = None
        for _ in range(300):
            page = svix.event_type.list(EventTypeListOptions(limit=1, iterator=iterator))
            walked += [et.name for et in page.data]
            if page.done:
                break
            iterator = page.iterator
        assert walked[:3] == dashed
        assert walked == expected
    finally:  # leave no names behind that would trap other tests' walks
        for key in dashed:
            svix.event_type.delete(key, EventTypeDeleteOptions(expunge=True))


def test_list_leaves_schemas_out_unless_content_is_asked_for(svix):
    key = name("with.schema")
    svix.event_type.create(EventTypeIn(name=key, description="d", schemas=SCHEMA))
    assert listed(svix)[key].schemas is None  # the SDK sends with_content=false by default
    page = svix.event_type.list(EventTypeListOptions(limit=250, with_content=True))
    assert {et.name: et.schemas for et in page.data}[key] == SCHEMA


def test_list_orders_by_name_both_ways_and_refuses_foreign_cursors(svix):
    for _ in range(3):
        svix.event_type.create(EventTypeIn(name=name("ord"), description="d"))
    up = [et.name for et in svix.event_type.list(EventTypeListOptions(limit=250)).data]
    down = svix.event_type.list(EventTypeListOptions(limit=250, order=Ordering.DESCENDING)).data
    assert [et.name for et in down] == sorted(up, reverse=True) and up == sorted(up)
    with pytest.raises(HTTPValidationError):
        svix.event_type.list(EventTypeListOptions(iterator="not a name"))
