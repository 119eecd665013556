"""`event_type.import_openapi` through the svix SDK, on both stores: event types from an OpenAPI
document's webhooks (given parsed or as YAML text), a dry run that changes nothing,
`replaceAll` archiving the others, and a cycle refused with 422."""

from __future__ import annotations

import httpx
import pytest
from server_process import TOKEN
from svix.api import EventTypeImportOpenApiIn, EventTypeIn, EventTypeListOptions
from svix.exceptions import HttpError, HTTPValidationError

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORDER = {"type": "object", "properties": {"total": {"type": "integer"}}, "required": ["total"]}
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1"},
    "webhooks": {
        "imp.order.paid": {
            "post": {
                "description": "An order was paid",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Order"},
                            "example": {"total": 3},
                        }
                    }
                },
            }
        },
        "imp.order.refunded": {"post": {"summary": "Refunded", "deprecated": True}},
    },
    "components": {"schemas": {"Order": ORDER}},
}
YAML = """
openapi: 3.1.0
webhooks:
  imp.order.paid:
    post:
      description: Paid again
"""


def test_import_openapi_creates_event_types_and_replace_all_archives(shared_hookline):
    svix = shared_hookline.svix()
    svix.event_type.create(EventTypeIn(name="imp.legacy", description="old"))

    dry = svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=SPEC, dry_run=True))
    assert dry.data.modified == []
    assert [e.name for e in dry.data.to_modify or []] == ["imp.order.paid", "imp.order.refunded"]
    listed = {e.name for e in svix.event_type.list(EventTypeListOptions(limit=250)).data}
    assert "imp.order.paid" not in listed

    out = svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=SPEC))
    assert out.data.modified == ["imp.order.paid", "imp.order.refunded"]
    paid = svix.event_type.get("imp.order.paid")
    assert paid.description == "An order was paid"
    assert paid.schemas == {"1": {**ORDER, "examples": [{"total": 3}]}}
    refunded = svix.event_type.get("imp.order.refunded")
    assert (refunded.description, refunded.deprecated, refunded.schemas) == (
        "Refunded",
        True,
        None,
    )
    assert svix.event_type.get("imp.legacy").archived is False

    again = svix.event_type.import_openapi(
        EventTypeImportOpenApiIn(spec_raw=YAML, replace_all=True)
    )
    assert again.data.modified == ["imp.order.paid"]
    assert svix.event_type.get("imp.order.paid").description == "Paid again"
    assert svix.event_type.get("imp.legacy").archived is True
    assert svix.event_type.get("imp.order.refunded").archived is True
    # Importing it again brings an archived event type back.
    svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=SPEC))
    assert svix.event_type.get("imp.order.refunded").archived is False


def test_import_openapi_refuses_what_it_cannot_import(shared_hookline):
    svix = shared_hookline.svix()
    cyclic = {
        "webhooks": {
            "imp.loop": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/N"}}
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {"N": {"properties": {"next": {"$ref": "#/components/schemas/N"}}}}
        },
    }
    with pytest.raises(HTTPValidationError):
        svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=cyclic))
    with pytest.raises(HttpError) as missing:
        svix.event_type.get("imp.loop")  # nothing was stored
    assert missing.value.status_code == 404
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        for body in (
            {},
            {"spec": SPEC, "specRaw": YAML},
            {"specRaw": "webhooks: ["},
            {"spec": {"openapi": "3.1.0"}},
        ):
            r = http.post("/api/v1/event-type/import/openapi", json=body)
            assert r.status_code == 422, body
            assert r.json()["code"] == "validation"
