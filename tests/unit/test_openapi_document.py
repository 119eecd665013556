"""The OpenAPI document says what the server decides: the rules written as schemas (bounds,
secret forms, scheme and secret, certificate with key) hold the same values the server's own
checks accept or refuse, and every constraint is spelled in JSON Schema's own keywords."""

from __future__ import annotations

import base64
import secrets
import tempfile
from typing import Any

import jsonschema_rs
import pytest
import trustme

from hookline import signing
from hookline.api.app import create_app
from hookline.api.models import TAG_PATTERN
from hookline.config import load_settings
from hookline.operations.endpoint_input import endpoint_secret, tls_setting
from hookline.operations.errors import InvalidInput
from hookline.store import Database
from hookline.types import EndpointTls

# Pydantic's names for constraints: in a document they are unknown keywords that say nothing.
PYDANTIC_CONSTRAINT_NAMES = {"ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of"}
URL = "https://hooks.example.com/in"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(
            {"HOOKLINE_DATA_DIR": data, "HOOKLINE_PUBLIC_URL": "http://127.0.0.1:1"}
        )
        app = create_app(settings, Database(f"sqlite:///{data}/doc.db"), "unused")
        return app.openapi()


def validator(document: dict[str, Any], model: str) -> Any:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "$ref": f"#/components/schemas/{model}",
    }
    return jsonschema_rs.validator_for(schema)


def schemas_in(value: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found.extend(schemas_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(schemas_in(item))
    return found


def test_constraints_use_json_schema_keywords_and_exact_integers(document):
    everything = schemas_in(document)
    misspelled = [s for s in everything if PYDANTIC_CONSTRAINT_NAMES & s.keys()]
    assert not misspelled, misspelled[:3]
    integers = [s for s in everything if s.get("type") == "integer"]
    bounds = [s[k] for s in integers for k in ("minimum", "maximum") if k in s]
    assert bounds and all(type(b) is int for b in bounds), bounds
    schemas = document["components"]["schemas"]
    [version, _] = schemas["EndpointIn"]["properties"]["version"]["anyOf"]
    assert (version["minimum"], version["maximum"]) == (-(2**63), 2**64 - 1)
    [rate, _] = schemas["ApplicationIn"]["properties"]["throttleRate"]["anyOf"]
    assert (rate["minimum"], rate["maximum"]) == (0, 65535)


def _whsk(raw: bytes) -> str:
    return signing.ASYMMETRIC_PREFIX + base64.b64encode(raw).decode()


def _secret_cases() -> list[str]:
    cases = [signing.generate_secret(), signing.generate_ed25519_secret()]
    for size in (0, 16, 23, 24, 25, 32, 48, 63, 64, 65, 96):
        key = base64.b64encode(secrets.token_bytes(size)).decode()
        cases += [key, "whsec_" + key, "whsk_" + key]
    seed = secrets.token_bytes(32)
    whole = signing.normalize_secret(_whsk(seed))
    cases += [_whsk(seed), whole, whole.replace(whole[-4:-2], "AA" if whole[-4] != "A" else "BB")]
    return cases


SECRET_CASES = _secret_cases()


# Ids by position: the secrets are random, and test ids must be the same in every collection.
@pytest.mark.parametrize("secret", SECRET_CASES, ids=[f"case{i}" for i in range(len(SECRET_CASES))])
@pytest.mark.parametrize("scheme", [None, "hmac-sha256", "ed25519"])
def test_the_schema_accepts_exactly_the_secrets_the_server_accepts(document, secret, scheme):
    body = {"url": URL, "secret": secret, "signatureScheme": scheme}
    try:
        endpoint_secret(secret, scheme)
        accepted = True
    except InvalidInput:
        accepted = False
    documented = validator(document, "EndpointIn").is_valid(body)
    if signing.is_asymmetric(secret) and len(secret) > 50:
        # A 64-byte key's second half must be its seed's public key: the pattern says the
        # form, the server also checks the half (the only thing here a schema cannot say).
        assert documented or not accepted
    else:
        assert documented == accepted, (secret, scheme, accepted)


@pytest.fixture(scope="module")
def pems() -> dict[str, str]:
    ca = trustme.CA()
    leaf = ca.issue_cert("client.hookline.test")
    return {
        "clientCert": leaf.cert_chain_pems[0].bytes().decode(),
        "clientKey": leaf.private_key_pem.bytes().decode(),
        "caCert": ca.cert_pem.bytes().decode(),
    }


@pytest.mark.parametrize(
    ("given", "accepted"),
    [
        ({"clientCert": "pem", "clientKey": "pem"}, True),
        ({"clientCert": "pem", "clientKey": "pem", "caCert": "pem"}, True),
        ({"caCert": "pem"}, True),
        ({"caCert": "pem", "clientCert": None, "clientKey": None}, True),
        ({"clientCert": "pem"}, False),
        ({"clientCert": "pem", "clientKey": None}, False),
        ({"clientKey": "pem", "caCert": "pem"}, False),
    ],
)
def test_a_client_certificate_comes_with_its_key_in_the_schema_as_on_the_server(
    document, pems, given, accepted
):
    given = {name: pems[name] if value else None for name, value in given.items()}
    snake = {"clientCert": "client_cert", "clientKey": "client_key", "caCert": "ca_cert"}
    try:
        tls_setting(EndpointTls(**{snake[name]: value for name, value in given.items()}))
        server = True
    except InvalidInput:
        server = False
    assert server == accepted
    assert validator(document, "EndpointTlsIn").is_valid(given) == accepted


def test_pem_fields_are_documented_as_holding_their_block(document):
    check = validator(document, "EndpointTlsIn")
    assert not check.is_valid({"caCert": "not a certificate"})
    assert not check.is_valid({"clientCert": "x", "clientKey": "y"})


def test_message_fields_are_documented_as_the_server_takes_them(document):
    check = validator(document, "MessageIn")
    base = {"eventType": "a.b", "payload": {}}
    assert check.is_valid({**base, "tags": [], "deliverAt": None})
    assert check.is_valid(
        {**base, "tags": ["a", "b:c", "d/e"], "deliverAt": "2030-01-01T00:00:00Z"}
    )
    for tags in (["t"] * 6, ["has space"], [""], ["x" * 129]):
        assert not check.is_valid({**base, "tags": tags})
    assert not check.is_valid({**base, "transformationsParams": 1})
    for field in ("payloadRetentionPeriod", "payloadRetentionHours"):
        assert check.is_valid({**base, field: 1})
        assert not check.is_valid({**base, field: 0})
        assert not check.is_valid({**base, field: True})
    for path in ("/api/v1/app/{app_id}/msg", "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}"):
        operation = document["paths"][path]["get"]
        [tag] = [p for p in operation["parameters"] if p["name"] == "tag"]
        assert tag["schema"]["anyOf"][0]["pattern"] == TAG_PATTERN


def test_attempts_may_carry_their_message(document):
    attempt = document["components"]["schemas"]["MessageAttemptOut"]
    assert "msg" in attempt["properties"]
    assert "msg" not in attempt["required"]
