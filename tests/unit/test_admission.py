"""Delivery admission and endpoint health as pure decisions: no clock, no database. `NOW` is
any instant; each case states the endpoint's stored state and what must follow."""

from __future__ import annotations

import pytest

from hookline.admission import (
    CIRCUIT_OPENED,
    DISABLED,
    FAILING_CAP,
    REASON_FAILING,
    REASON_GONE,
    THROTTLE_HORIZON_MS,
    Claimed,
    Disable,
    EndpointGate,
    EndpointHealth,
    Gate,
    Lane,
    LaneKind,
    OpenCircuit,
    Tally,
    cooldown_ms,
    earned_after,
    fair_share,
    gate,
    judge_failures,
    settle_probes,
    split_claim,
    tally,
    throttle_slots,
    throttled_lanes,
    verdict_event,
)
from hookline.types import AttemptRecord, DeliveryJob, HealthPolicy, Outcome, TriggerType

NOW = 1_000_000
POLICY = HealthPolicy(
    breaker_threshold=5,
    breaker_cooldown_ms=1_000,
    breaker_max_cooldown_ms=60_000,
    disable_after_ms=3_600_000,
    drain_per_second=50.0,
)


def endpoint(
    eid: str = "ep_a",
    *,
    app: str = "app_1",
    disabled: bool = False,
    circuit: int | None = None,
    rate: int | None = None,
    app_rate: int | None = None,
) -> EndpointGate:
    return EndpointGate(eid, app, disabled, circuit, rate, app_rate)


# ---- park, probe or send ----


@pytest.mark.parametrize(
    ("disabled", "circuit_until", "expected"),
    [
        (False, None, Gate.SEND),  # healthy
        (True, None, Gate.PARK),  # disabled: kept until enabled
        (True, NOW - 1, Gate.PARK),  # disabled wins over a due probe
        (False, NOW + 1, Gate.PARK),  # open circuit
        (False, NOW, Gate.PROBE),  # the cooldown ends now
        (False, NOW - 5_000, Gate.PROBE),  # ended a while ago
    ],
)
def test_gate(disabled, circuit_until, expected):
    assert gate(endpoint(disabled=disabled, circuit=circuit_until), NOW) is expected


def test_a_half_open_endpoint_offers_only_its_first_delivery_as_probe():
    half_open = endpoint("ep_h", circuit=NOW - 1)
    claimed = [
        Claimed(1, endpoint("ep_ok")),
        Claimed(2, half_open),
        Claimed(3, half_open),
        Claimed(4, endpoint("ep_open", circuit=NOW + 10)),
        Claimed(5, endpoint("ep_ok")),
    ]
    split = split_claim(claimed, NOW)
    assert split.send == (1, 5)
    assert split.probes == {"ep_h": 2}
    assert split.park == (3, 4)


@pytest.mark.parametrize(
    ("taken", "send", "park"),
    [
        ({"ep_h"}, [1, 2, 5], [3, 4]),  # this worker took the probe: it sends it
        (set(), [1, 5], [2, 3, 4]),  # another worker did: the would-be probe parks
    ],
)
def test_settled_probes_keep_claim_order(taken, send, park):
    half_open = endpoint("ep_h", circuit=NOW - 1)
    claimed = [
        Claimed(1, endpoint("ep_ok")),
        Claimed(2, half_open),
        Claimed(3, half_open),
        Claimed(4, endpoint("ep_off", disabled=True)),
        Claimed(5, endpoint("ep_ok")),
    ]
    assert settle_probes(claimed, split_claim(claimed, NOW), taken) == (send, park)


# ---- throttle slots ----

EP = Lane(LaneKind.ENDPOINT, "ep_a")
APP = Lane(LaneKind.APPLICATION, "app_1")


def deliveries(n: int, first: int = 1, **kw) -> list[Claimed]:  # type: ignore[no-untyped-def]
    return [Claimed(first + i, endpoint(**kw)) for i in range(n)]


@pytest.mark.parametrize(
    ("rate", "stored", "count", "slots", "back", "next_free"),
    [
        # 10/s from now: 100 ms apart, ten fit within the horizon, the rest wait for theirs.
        (10, None, 12, [NOW + 100 * i for i in range(10)], {11: NOW + 1000, 12: NOW + 1000}, 1000),
        # A slot stored in the past counts from now.
        (10, NOW - 5_000, 2, [NOW, NOW + 100], {}, 200),
        # Other workers took slots up to NOW + 950: one more fits, then the horizon.
        (10, NOW + 950, 3, [NOW + 950], {2: NOW + 1050, 3: NOW + 1050}, 1050),
        # Nothing fits: everything goes back, and the stored slot is kept.
        (10, NOW + 4_000, 2, [], {1: NOW + 4_000, 2: NOW + 4_000}, 4_000),
        # 3/s: slots a third of a second apart, rounded down to the millisecond.
        (3, None, 4, [NOW, NOW + 333, NOW + 666], {4: NOW + 1000}, 1000),
    ],
)
def test_endpoint_throttle_slots(rate, stored, count, slots, back, next_free):
    claimed = deliveries(count, rate=rate)
    plan = throttle_slots(claimed, {EP: stored}, NOW)
    assert sorted(plan.slots.values()) == slots
    assert dict(plan.back) == back
    assert plan.next_send_at == {EP: NOW + next_free}


@pytest.mark.parametrize("rate", [None, 0])
def test_no_rate_means_no_slot_and_no_lane(rate):
    claimed = deliveries(3, rate=rate, app_rate=rate)
    assert throttled_lanes(claimed) == []
    plan = throttle_slots(claimed, {}, NOW)
    assert (dict(plan.slots), dict(plan.back), dict(plan.next_send_at)) == ({}, {}, {})


def test_an_application_rate_is_shared_by_all_its_endpoints():
    # 4/s for the application, across two endpoints with no limit of their own.
    claimed = [Claimed(i, endpoint(f"ep_{i % 2}", app_rate=4)) for i in range(1, 7)]
    plan = throttle_slots(claimed, {APP: None}, NOW)
    assert [plan.slots[i] for i in range(1, 5)] == [NOW, NOW + 250, NOW + 500, NOW + 750]
    assert dict(plan.back) == {5: NOW + 1000, 6: NOW + 1000}
    assert plan.next_send_at == {APP: NOW + 1000}


def test_the_slower_of_endpoint_and_application_rate_decides():
    # The endpoint allows 2/s, the application 10/s: the endpoint's pace, and the
    # application's lane is only taken by the slots actually granted.
    claimed = deliveries(3, rate=2, app_rate=10)
    plan = throttle_slots(claimed, {EP: None, APP: None}, NOW)
    assert dict(plan.slots) == {1: NOW, 2: NOW + 500}
    assert dict(plan.back) == {3: NOW + 1000}
    assert plan.next_send_at == {EP: NOW + 1000, APP: NOW + 600}


def test_an_endpoint_held_back_by_its_application_does_not_hold_back_another():
    # Application 1/s already taken for this second; a delivery of another application's
    # endpoint in the same claim still gets its slot.
    claimed = [
        Claimed(1, endpoint("ep_a", app="app_1", app_rate=1)),
        Claimed(2, endpoint("ep_b", app="app_2", rate=5)),
    ]
    plan = throttle_slots(claimed, {APP: NOW + 2_000}, NOW)
    assert dict(plan.back) == {1: NOW + 2_000}
    assert dict(plan.slots) == {2: NOW}


def test_lanes_are_locked_in_one_order():
    claimed = [
        Claimed(1, endpoint("ep_z", app="app_2", rate=1, app_rate=1)),
        Claimed(2, endpoint("ep_a", app="app_1", rate=1)),
        Claimed(3, endpoint("ep_z", app="app_2", rate=1, app_rate=1)),
    ]
    assert throttled_lanes(claimed) == [
        Lane(LaneKind.APPLICATION, "app_2"),
        Lane(LaneKind.ENDPOINT, "ep_a"),
        Lane(LaneKind.ENDPOINT, "ep_z"),
    ]


def test_every_slot_lies_within_the_horizon_and_keeps_the_rate():
    for rate in (1, 7, 20, 999, 65535):
        plan = throttle_slots(deliveries(300, rate=rate, app_rate=rate * 2), {}, NOW)
        granted = sorted(plan.slots.values())
        assert all(NOW <= s < NOW + THROTTLE_HORIZON_MS for s in granted)
        assert len(granted) == min(300, rate)
        assert all(b - a >= int(1000 / rate) for a, b in zip(granted, granted[1:], strict=False))


# ---- streaks, circuits, disabling ----


def record(endpoint_id: str, at: int, status: int, delivery: int = 1) -> AttemptRecord:
    job = DeliveryJob(
        delivery, "app_1", "msg", endpoint_id, "http://x", (), {}, b"{}", 0, TriggerType.SCHEDULED
    )
    outcome = Outcome(
        succeeded=200 <= status < 300, status_code=status, response_body="", duration_ms=1
    )
    return AttemptRecord(job, f"atmpt_{at}", at, outcome, None)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([500, 500], Tally("app_1", 2, NOW, False, False)),
        ([200], Tally("app_1", 0, None, True, False)),
        ([500, 200], Tally("app_1", 0, None, True, False)),  # recovered
        ([200, 500, 503], Tally("app_1", 2, NOW + 1, True, False)),  # restarts the streak
        ([410, 500], Tally("app_1", 2, NOW, False, True)),
        ([410, 200, 500], Tally("app_1", 1, NOW + 2, True, True)),  # the 410 still counts
    ],
)
def test_tally_reads_one_batch_in_time_order(statuses, expected):
    # Given out of order: the tally sorts by start time.
    records = [record("ep_a", NOW + i, s) for i, s in enumerate(statuses)][::-1]
    assert tally(records) == {"ep_a": expected}


def test_tally_keeps_endpoints_apart_and_knows_recovery():
    tallies = tally([record("ep_a", NOW, 500), record("ep_b", NOW, 200)])
    assert not tallies["ep_a"].recovered
    assert tallies["ep_b"].recovered


def health(**kw) -> EndpointHealth:  # type: ignore[no-untyped-def]
    state = {
        "endpoint_id": "ep_a",
        "app_id": "app_1",
        "disabled": False,
        "failure_streak": 1,
        "failing_since": NOW - 1_000,
        "circuit_until": None,
        "circuit_failures": 0,
    }
    return EndpointHealth(**(state | kw))


FAILED = Tally("app_1", 1, NOW)
GONE = Tally("app_1", 1, NOW, gone=True)


@pytest.mark.parametrize(
    ("state", "batch", "verdict", "event"),
    [
        (health(), FAILED, None, None),  # below the threshold: nothing yet
        (health(failure_streak=5), FAILED, OpenCircuit(NOW + 1_000, 0), CIRCUIT_OPENED),
        (health(failure_streak=40), FAILED, OpenCircuit(NOW + 1_000, 0), CIRCUIT_OPENED),
        # A failed probe: the cooldown doubles with each one, and reopening is not news.
        (
            health(circuit_until=NOW - 1, circuit_failures=0),
            FAILED,
            OpenCircuit(NOW + 2_000, 1),
            None,
        ),
        (
            health(circuit_until=NOW - 1, circuit_failures=2),
            FAILED,
            OpenCircuit(NOW + 8_000, 3),
            None,
        ),
        (
            health(circuit_until=NOW - 1, circuit_failures=9),
            FAILED,
            OpenCircuit(NOW + 60_000, 10),
            None,
        ),
        (health(), GONE, Disable(REASON_GONE), DISABLED),
        (health(circuit_until=NOW + 5), GONE, Disable(REASON_GONE), DISABLED),
        (health(failing_since=NOW - 3_600_000), FAILED, Disable(REASON_FAILING), DISABLED),
        (health(failing_since=NOW - 3_599_999), FAILED, None, None),  # not yet an hour
        (health(disabled=True), GONE, None, None),  # already disabled: nothing more
    ],
)
def test_judge_failures(state, batch, verdict, event):
    got = judge_failures(state, batch, POLICY, NOW)
    assert got == verdict
    news = verdict_event(state, got)
    assert (news.kind if news else None) == event
    if news is not None:
        assert (news.endpoint_id, news.app_id, news.failing_since_ms) == (
            "ep_a",
            "app_1",
            state.failing_since,
        )


@pytest.mark.parametrize(
    ("failed_probes", "expected"),
    [(0, 1_000), (1, 2_000), (5, 32_000), (6, 60_000), (1_000, 60_000)],
)
def test_cooldown_doubles_up_to_its_maximum(failed_probes, expected):
    assert cooldown_ms(POLICY, failed_probes) == expected


# ---- connections per endpoint in one worker ----


@pytest.mark.parametrize(
    ("concurrency", "cap", "busy", "share"),
    [
        (256, 256, 0, 256),
        (256, 256, 1, 256),
        (256, 64, 1, 64),  # never above the per-endpoint cap
        (256, 256, 4, 64),
        (256, 256, 1_000, FAILING_CAP),  # never below two
    ],
)
def test_fair_share(concurrency, cap, busy, share):
    assert fair_share(concurrency, cap, busy) == share


@pytest.mark.parametrize(
    ("earned", "succeeded", "cap", "after"),
    [(4, True, 256, 8), (200, True, 256, 256), (64, False, 256, FAILING_CAP), (2, False, 2, 2)],
)
def test_earned_slots(earned, succeeded, cap, after):
    assert earned_after(earned, succeeded, cap) == after
