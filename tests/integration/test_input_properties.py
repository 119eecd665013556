"""The API, for any input: any JSON object is stored and read back exactly, or refused with a
4xx that says why (never a 500, never a silent change); any request body gets a clear answer;
any string as a list iterator is a 4xx or a valid page. On both stores."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from server_process import TOKEN

MAX_DEPTH = 128  # api/models.py MAX_JSON_DEPTH: deeper is refused

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),  # beyond 64 bits is refused, within stored exactly
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),  # may hold a lone surrogate: refused (NUL is kept in payloads)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=6)


def storable(value: object, depth: int = 1) -> bool:
    """What the API promises to keep exactly in a payload (its documented refusals are the
    rest). Payloads are stored as bytes, so unlike other text fields they may hold NUL."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return depth <= MAX_DEPTH and all(storable(v, depth + 1) for v in value)
    assert isinstance(value, dict)
    return depth <= MAX_DEPTH and all(
        storable(k, depth) and storable(v, depth + 1) for k, v in value.items()
    )


def same(a: object, b: object) -> bool:
    """Equal, and of the same JSON type all the way down (1 and 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)  # type: ignore[index,union-attr]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


@pytest.fixture(scope="module")
def http(shared_hookline) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="module")
def app_id(http) -> str:
    answer = http.post("/api/v1/app", json={"name": f"properties-{secrets.token_hex(4)}"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _refusal(answer: httpx.Response) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    body = answer.json()
    assert isinstance(body["code"], str) and body["code"]
    assert body["detail"]


@settings(max_examples=60)
@given(payload=payloads)
def test_any_json_object_round_trips_or_is_refused_with_a_reason(http, app_id, payload):
    body = json.dumps({"eventType": "property.test", "payload": payload}).encode()
    answer = http.post(
        f"/api/v1/app/{app_id}/msg", content=body, headers={"Content-Type": "application/json"}
    )
    if not storable(payload):
        _refusal(answer)
        return
    assert answer.status_code == 202, answer.text
    stored = http.get(f"/api/v1/app/{app_id}/msg/{answer.json()['id']}")
    assert stored.status_code == 200, stored.text
    assert same(stored.json()["payload"], payload), (stored.json()["payload"], payload)


@settings(max_examples=60)
@given(body=st.binary(max_size=300))
def test_any_request_body_gets_a_clear_answer(http, app_id, body):
    answer = http.post(
        f"/api/v1/app/{app_id}/msg", content=body, headers={"Content-Type": "application/json"}
    )
    if answer.status_code == 202:  # it happened to be a valid message
        assert isinstance(json.loads(body)["payload"], dict)
        return
    _refusal(answer)


LISTS = [
    "/api/v1/app",
    "/api/v1/app/{app}/msg",
    "/api/v1/app/{app}/endpoint",
    "/api/v1/event-type",
    "/api/v1/app/{app}/attempt/msg/msg_2hbg8NDSr8OlWtjw4PdLVQv0u1e",
    "/api/v1/app/{app}/events",
    "/api/v1/background-task",
]


@settings(max_examples=40)
@given(path=st.sampled_from(LISTS), iterator=st.text(max_size=60), limit=st.integers(-5, 300))
def test_any_iterator_is_a_4xx_or_a_valid_page(http, app_id, path, iterator, limit):
    answer = http.get(path.format(app=app_id), params={"iterator": iterator, "limit": limit})
    if answer.status_code == 200:
        page = answer.json()
        assert isinstance(page["data"], list) and isinstance(page["done"], bool)
        assert len(page["data"]) <= max(limit, 1)
        return
    _refusal(answer)
