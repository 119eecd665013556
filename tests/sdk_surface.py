"""The public surface of the installed `svix` Python SDK, found by introspection, and what
Hookline leaves out of it on purpose.

The parity test calls every operation that is not left out, and the compatibility table in
docs/svix-compatibility.md is checked against the same enumeration, so that neither can fall
behind when the SDK gains a method.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from dataclasses import dataclass

from svix.api import Svix, SvixAsync, SvixOptions
from svix.api.common import ApiBase

# Whole resources of the SDK that are not about sending webhooks, each with why.
OUT_OF_SCOPE_RESOURCES = {
    "autoconfig_subscription": "AutoConfig subscriptions (tokens with which a consumer's "
    "platform configures its own endpoints), a Svix Cloud feature outside sending",
    "connector": "connectors are Svix-hosted transformation templates: running user code",
    "destination": "non-HTTP destinations (queues, batched delivery) with transformations; "
    "Hookline delivers HTTP webhooks",
    "environment": "export and import of a whole Svix environment (organisation settings, "
    "transformations, connectors), a Svix Cloud feature",
    "ingest": "inbound webhooks (receiving from third parties), the opposite direction of sending",
    "integration": "integration keys for third-party tools that manage one application, a Svix "
    "Cloud feature outside sending",
    "streaming": "Svix Stream (event streams and sinks), a separate product from webhook sending",
}

# Single operations of resources that are otherwise in scope, each with why.
OUT_OF_SCOPE_METHODS = {
    "endpoint.transformation.get": "transformations run user code on each delivery",
    "endpoint.transformation.patch": "transformations run user code on each delivery",
    "endpoint.transformation_partial_update": "transformations run user code on each delivery",
    "authentication.get_stream_poller_token": "Svix Stream tokens (streaming is out of scope)",
    "authentication.rotate_stream_poller_token": "Svix Stream tokens (streaming is out of scope)",
    "authentication.stream_expire_all": "Svix Stream tokens (streaming is out of scope)",
    "authentication.stream_logout": "Svix Stream tokens (streaming is out of scope)",
    "authentication.stream_portal_access": "Svix Stream tokens (streaming is out of scope)",
}


@dataclass(frozen=True)
class SdkMethod:
    """One public operation: `path` as written in code (`message.poller.poll`), the class
    that defines it and its attribute name there."""

    path: str
    owner: type
    name: str

    @property
    def resource(self) -> str:
        return self.path.split(".")[0]


def _walk(obj: object, prefix: str) -> Iterator[SdkMethod]:
    for name, attr in inspect.getmembers(type(obj)):
        if name.startswith("_"):
            continue
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(attr, property):
            sub = getattr(obj, name)
            if isinstance(sub, ApiBase):
                yield from _walk(sub, path)
        elif prefix and inspect.isfunction(attr):
            yield SdkMethod(path, type(obj), name)


def sdk_methods() -> list[SdkMethod]:
    """Every public operation of the synchronous client, resources and sub-resources alike."""
    client = Svix("unused", SvixOptions(server_url="http://127.0.0.1:9"))
    try:
        return sorted(_walk(client, ""), key=lambda m: m.path)
    finally:
        client._httpx_client.close()


def async_sdk_paths() -> set[str]:
    """The operations of the asynchronous client: the same paths, each a coroutine."""
    client = SvixAsync("unused", SvixOptions(server_url="http://127.0.0.1:9"))
    try:
        found = list(_walk(client, ""))
    finally:
        asyncio.run(client._httpx_client.aclose())
    assert all(inspect.iscoroutinefunction(getattr(m.owner, m.name)) for m in found)
    return {m.path for m in found}


def out_of_scope_reason(path: str) -> str | None:
    if path in OUT_OF_SCOPE_METHODS:
        return OUT_OF_SCOPE_METHODS[path]
    return OUT_OF_SCOPE_RESOURCES.get(path.split(".")[0])
