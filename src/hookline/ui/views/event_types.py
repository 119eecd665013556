"""Event types (`/ui/event-types`): the catalog, with each type's schemas and the example a
test send would use; archived ones are listed, marked."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookline.operations.errors import InvalidInput
from hookline.operations.examples import example_payload
from hookline.ui.templating import render

PAGE_SIZE = 50


def example_of(schemas: dict[str, Any] | None) -> dict[str, Any] | None:
    """The payload "send an example" would send, or None when the schema gives none."""
    try:
        example = example_payload(schemas)
    except InvalidInput:
        return None
    return example or None


async def event_type_list(request: Request) -> Response:
    iterator = request.query_params.get("after") or None
    page = await request.app.state.db.event_types.list(PAGE_SIZE, iterator, include_archived=True)
    examples = {et.name: example_of(et.schemas) for et in page.items}
    return render(request, "event_types.html", {"page": page, "examples": examples})


routes = [Route("/ui/event-types", event_type_list, methods=["GET"])]
