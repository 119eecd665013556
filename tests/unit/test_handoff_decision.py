"""Which fresh deliveries of a publish are handed straight to the worker: a pure decision over
the endpoints' state and the worker's offer. No clock, no database; `NOW` is any instant."""

from __future__ import annotations

import pytest

from hookline.admission import EndpointGate
from hookline.handoff import Fresh, Intake, hand_off, may_go_now

NOW = 1_000_000


def endpoint(endpoint_id: str = "ep_1", **state: object) -> EndpointGate:
    fields: dict[str, object] = {
        "endpoint_id": endpoint_id,
        "app_id": "app_1",
        "disabled": False,
        "circuit_until": None,
        "throttle_rate": None,
        "app_throttle_rate": None,
    }
    fields.update(state)
    return EndpointGate(**fields)  # type: ignore[arg-type]


def intake(room: int = 100, per_endpoint: dict[str, int] | None = None, default: int = 4) -> Intake:
    slots = per_endpoint or {}
    return Intake("worker-1", 30_000, room, lambda e: slots.get(e, default))


@pytest.mark.parametrize(
    ("fresh", "goes"),
    [
        (Fresh(endpoint()), True),
        (Fresh(endpoint(), fifo=True), False),  # the claim keeps a FIFO endpoint's order
        (Fresh(endpoint(), scheduled=True), False),  # deliverAt: due later
        (Fresh(endpoint(), relay=True), False),  # a listener's: only its owner may send it
        (Fresh(endpoint(disabled=True)), False),  # parked by the claim
        (Fresh(endpoint(circuit_until=NOW + 1)), False),  # open circuit: parked
        (Fresh(endpoint(circuit_until=NOW)), False),  # half-open: the probe is the claim's
        (Fresh(endpoint(circuit_until=NOW - 5_000)), False),
        (Fresh(endpoint(throttle_rate=10)), False),  # send slots are shared in the store
        (Fresh(endpoint(app_throttle_rate=10)), False),
        (Fresh(endpoint(throttle_rate=0, app_throttle_rate=0)), True),  # 0: no limit
    ],
)
def test_only_what_a_claim_would_send_at_once_may_be_handed_off(fresh: Fresh, goes: bool) -> None:
    assert may_go_now(fresh, NOW) is goes
    assert hand_off([fresh], intake(), NOW) == ([0] if goes else [])


@pytest.mark.parametrize(
    ("endpoints", "room", "per_endpoint", "default", "chosen"),
    [
        # The worker's room bounds the total, in order.
        (["a", "b", "c"], 2, {}, 4, [0, 1]),
        (["a", "b", "c"], 0, {}, 4, []),
        # Each endpoint's free slots bound its share; the others still go.
        (["a", "a", "a", "b"], 10, {"a": 2}, 4, [0, 1, 3]),
        # An endpoint with deliveries waiting in the worker has no free slot.
        (["a", "b", "a"], 10, {"a": 0}, 4, [1]),
        # Room runs out after the skipped ones too.
        (["a", "a", "b", "c"], 2, {"a": 1}, 4, [0, 2]),
        (["a"] * 6, 10, {}, 4, [0, 1, 2, 3]),
    ],
)
def test_room_and_free_slots_bound_the_hand_off(
    endpoints: list[str],
    room: int,
    per_endpoint: dict[str, int],
    default: int,
    chosen: list[int],
) -> None:
    fresh = [Fresh(endpoint(e)) for e in endpoints]
    assert hand_off(fresh, intake(room, per_endpoint, default), NOW) == chosen


def test_ineligible_deliveries_take_no_room_or_slot() -> None:
    fresh = [
        Fresh(endpoint("a"), fifo=True),
        Fresh(endpoint("a", throttle_rate=1)),
        Fresh(endpoint("a")),
        Fresh(endpoint("b", disabled=True)),
        Fresh(endpoint("b")),
    ]
    assert hand_off(fresh, intake(room=2, per_endpoint={"a": 1}), NOW) == [2, 4]


def test_an_endpoints_room_is_asked_once_per_decision() -> None:
    asked: list[str] = []

    def room_of(endpoint_id: str) -> int:
        asked.append(endpoint_id)
        return 1

    offer = Intake("worker-1", 30_000, 10, room_of)
    fresh = [Fresh(endpoint(e)) for e in ["a", "b", "a", "b", "a"]]
    assert hand_off(fresh, offer, NOW) == [0, 1]
    assert asked == ["a", "b"]
