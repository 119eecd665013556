"""Schemathesis hooks for the OpenAPI conformance test (loaded through SCHEMATHESIS_HOOKS).

What a schema cannot say is made true here, for the bodies the document calls valid only (the
others are sent as generated, so the refusals are still tested):
- endpoint URLs are sent as a loopback URL: any other valid URL would make the server resolve a
  made-up host name (and the worker deliver there), and tests talk only to loopback;
- PEM fields hold a real certificate, key or CA (trustme): the document says that a PEM block
  is there, and the server parses it;
- a 64-byte `whsk_` key ends with its seed's public key (the seed generated is kept);
- an event type's `schemas` are JSON Schemas: the document says each is an object or a
  boolean, the server also checks that it is valid for its draft with its references inside it
  (payload_schemas.schema_problem); a generated object that is not is sent as `{}`;
- a message's `deliverAt` is an hour ahead: the server takes a time in the future, at most
  HOOKLINE_RETENTION_DAYS away, relative to the time of the request;
- a long poll (`wait` on the events and poller routes) does not wait: nothing is published
  meanwhile, so each case would only take its whole wait to give the same answer;
- statistics windows lie within what the routes answer: Svix's rules (`until` not in the
  future, `since` at most 28 days before it) and at most 2016 points of a series, relative
  to the time of the request, which a schema cannot express.

And one correction of the generator, for any optional query parameter that admits no value
(a schema of `{"not": {}}`; none today): it gets a value of the negative kind in cases the
coverage phase still labels positive as a whole (schemathesis 4.32, coverage/_operation.py keeps
a negative seed for a parameter that is not required; only the query component is labelled
negative). Such a value is taken out of cases labelled positive; negative cases still send it.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
import trustme
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from schemathesis.core.parameters import ParameterLocation

from hookline.api.schema_constraints import ED25519_SECRET_PATTERN, URL_PATTERN
from hookline.payload_schemas import schema_problem

LOOPBACK_URL = "http://127.0.0.1:9/hook"
MAX_URL_LENGTH = 2048

_CA = trustme.CA()
_CLIENT = _CA.issue_cert("client.hookline.test")
REAL_PEMS = {
    "clientCert": _CLIENT.cert_chain_pems[0].bytes().decode(),
    "clientKey": _CLIENT.private_key_pem.bytes().decode(),
    "caCert": _CA.cert_pem.bytes().decode(),
}


def _whole_ed25519_key(secret: str) -> str:
    """The 64-byte form with the right public half; any other secret as it is."""
    if not re.fullmatch(ED25519_SECRET_PATTERN, secret) or not secret.endswith("=="):
        return secret
    try:
        seed = base64.b64decode(secret.removeprefix("whsk_"))[:32]
    except binascii.Error:
        return secret
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    whole = seed + public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "whsk_" + base64.b64encode(whole).decode()


UNSATISFIABLE_QUERY_PARAMETERS: tuple[str, ...] = ()


def _is_positive(case: Any, location: ParameterLocation) -> bool:
    meta = case.meta
    return meta is None or not meta.is_negative_at(location)


# Statistics window parameters: (start, end) names; a valid case gets the last day.
STATS_WINDOWS = (("since", "until"), ("startDate", "endDate"))


def _recent_window(query: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    for start, end in STATS_WINDOWS:
        if start in query:
            query[start] = (now - timedelta(days=1)).isoformat()
        if end in query:
            query[end] = now.isoformat()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.meta is not None and not case.meta.generation.mode.is_negative:
        # A case positive as a whole can carry no value of a parameter that admits none.
        for name in UNSATISFIABLE_QUERY_PARAMETERS:
            if isinstance(case.query, dict):
                case.query.pop(name, None)
    query = case.query
    if isinstance(query, dict) and "wait" in query and _is_positive(case, ParameterLocation.QUERY):
        query["wait"] = 0
    is_stats = "stats" in case.operation.path
    if is_stats and isinstance(case.query, dict) and _is_positive(case, ParameterLocation.QUERY):
        _recent_window(case.query)
    body = case.body
    if not isinstance(body, dict) or not _is_positive(case, ParameterLocation.BODY):
        return
    url = body.get("url")
    if isinstance(url, str) and len(url) <= MAX_URL_LENGTH and re.search(URL_PATTERN, url):
        body["url"] = LOOPBACK_URL
    tls = body.get("tls")
    if isinstance(tls, dict):
        for field, pem in REAL_PEMS.items():
            if isinstance(tls.get(field), str):
                tls[field] = pem
    for field in ("secret", "key"):
        if isinstance(body.get(field), str):
            body[field] = _whole_ed25519_key(body[field])
    if isinstance(body.get("deliverAt"), str):
        body["deliverAt"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    _usable_retention(body)
    schemas = body.get("schemas")
    if isinstance(schemas, dict):
        for version, schema in schemas.items():
            if isinstance(schema, dict) and schema_problem(schema):
                schemas[version] = {}
    path = case.operation.path
    if path == "/api/v1/stats/usage/app":
        _recent_window(body)
        body.pop("appIds", None)  # random keys name no application: a 422 by design
    if path == "/api/v1/event-type/import/openapi":
        # A document with webhooks to import (a random object has none: a 422 by design).
        body.pop("specRaw", None)
        body["spec"] = {"openapi": "3.1.0", "webhooks": {"st.generated": {"post": {}}}}


def _usable_retention(body: dict[str, Any]) -> None:
    """One of the two retention fields, within HOOKLINE_RETENTION_DAYS and past any
    deliverAt (set an hour ahead above)."""
    if "payloadRetentionPeriod" in body and "payloadRetentionHours" in body:
        body.pop("payloadRetentionHours")
    for field, most in (("payloadRetentionPeriod", 90), ("payloadRetentionHours", 90 * 24)):
        value = body.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            body[field] = min(max(int(value), 2), most)
