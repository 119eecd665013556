from hookline.delivery.endpoint_slots import FAILING_CAP, EndpointSlots
from hookline.types import DeliveryJob, TriggerType


def job(endpoint: str, n: int = 0) -> DeliveryJob:
    return DeliveryJob(
        n, "app", f"msg{n}", endpoint, "http://x", (), {}, b"{}", 0, TriggerType.SCHEDULED
    )


def test_one_endpoint_may_use_up_to_its_cap():
    slots = EndpointSlots(concurrency=256, cap=64)
    start, back = slots.admit([job("a", i) for i in range(200)])
    assert len(start) == 64
    assert len(back) == 200 - 64 - 64  # 64 start, 64 wait their turn, the rest go back
    assert slots.full() == ["a"]
    assert len(slots.drain_waiting()) == 64


def test_many_endpoints_share_the_worker_fairly():
    slots = EndpointSlots(concurrency=256, cap=64)
    dead = [job(f"dead{e}", e * 10 + i) for e in range(50) for i in range(10)]
    start, _ = slots.admit(dead + [job("healthy", 999)])
    per_endpoint = {}
    for j in start:
        per_endpoint[j.endpoint_id] = per_endpoint.get(j.endpoint_id, 0) + 1
    assert max(per_endpoint.values()) == 256 // 51
    assert per_endpoint["healthy"] == 1
    assert len(start) <= 256  # room is left for the healthy endpoint's next deliveries


def test_a_failing_endpoint_gets_only_a_couple_of_slots():
    slots = EndpointSlots(concurrency=256, cap=64)
    start, _ = slots.admit([job("a", i) for i in range(4)])
    assert len(start) == 4
    for _ in range(3):
        assert slots.done("a", succeeded=False) is None
    start, _ = slots.admit([job("a", 10 + i) for i in range(5)])
    assert len(start) == FAILING_CAP - 1  # one still in flight


def test_a_finished_send_hands_its_slot_to_a_waiting_delivery():
    slots = EndpointSlots(concurrency=4, cap=64)  # share for one endpoint: 4
    start, back = slots.admit([job("a", i) for i in range(6)])
    assert (len(start), len(back)) == (4, 0)
    following = slots.done("a", succeeded=True)
    assert following is not None and following.delivery_id == 4
    assert slots.done("a", succeeded=True).delivery_id == 5
    assert slots.done("a", succeeded=True) is None
    assert slots.drain_waiting() == []
    assert "a" not in slots.full()
