"""The pages: the operator's dashboard under `/ui` (and, beside it, the customer portal under
`/portal`), server-rendered with Jinja2, made interactive with htmx. `create_pages_app` builds
the ASGI app; `hookline.web_app` mounts it beside the API. Nothing here imports `api/`."""

from hookline.ui.app import create_pages_app

__all__ = ["create_pages_app"]
