from hookline.delivery.endpoint_slots import FAILING_CAP, START_CAP, EndpointSlots
from hookline.types import DeliveryJob, TriggerType


def job(endpoint: str, n: int = 0) -> DeliveryJob:
    return DeliveryJob(
        n, "app", f"msg{n}", endpoint, "http://x", (), {}, b"{}", 0, TriggerType.SCHEDULED
    )


def earn(slots: EndpointSlots, endpoint: str, successes: int) -> None:
    start, _ = slots.admit([job(endpoint, i) for i in range(successes)])
    for j in start:
        slots.done(j.endpoint_id, succeeded=True)


def test_a_new_endpoint_starts_small_and_earns_slots_by_succeeding():
    slots = EndpointSlots(concurrency=256, cap=256)
    start, back = slots.admit([job("a", i) for i in range(20)])
    assert len(start) == START_CAP
    assert len(back) == 20 - 2 * START_CAP  # START_CAP wait their turn, the rest go back
    slots.drain_waiting()
    for _ in start:
        slots.done("a", succeeded=True)
    start, _ = slots.admit([job("a", i) for i in range(300)])
    assert len(start) == START_CAP * 2**START_CAP  # each success doubled its slots
    slots.drain_waiting()
    for _ in start:
        slots.done("a", succeeded=True)
    start, _ = slots.admit([job("a", i) for i in range(300)])
    assert len(start) == 256  # soon it may use the whole worker


def test_a_failing_endpoint_drops_to_a_couple_of_slots():
    slots = EndpointSlots(concurrency=256, cap=256)
    earn(slots, "a", 4)
    [one], _ = slots.admit([job("a", 50)])
    assert slots.done("a", succeeded=False) is None
    start, _ = slots.admit([job("a", 100 + i) for i in range(10)])
    assert len(start) == FAILING_CAP


def test_dead_endpoints_leave_room_for_healthy_ones():
    slots = EndpointSlots(concurrency=512, cap=512)
    dead = [job(f"dead{e}", e * 10 + i) for e in range(50) for i in range(10)]
    start, _ = slots.admit(dead)
    assert len(start) == 50 * START_CAP  # never answered, so never earned more
    earn(slots, "healthy", 1)
    start, _ = slots.admit([job("healthy", 1000 + i) for i in range(8)])
    assert len(start) == 8  # the healthy endpoint still finds slots


def test_a_finished_send_hands_its_slot_to_a_waiting_delivery():
    slots = EndpointSlots(concurrency=256, cap=256)
    start, back = slots.admit([job("a", i) for i in range(6)])
    assert (len(start), len(back)) == (START_CAP, 0)
    following = slots.done("a", succeeded=True)
    assert following is not None and following.delivery_id == 4
    assert slots.done("a", succeeded=True).delivery_id == 5
    assert slots.full() == []  # below its limit again, with nothing waiting


def test_room_for_is_what_admit_would_start_without_waiting():
    slots = EndpointSlots(concurrency=256, cap=256)
    assert slots.room_for("new") == START_CAP
    start, _ = slots.admit([job("a", i) for i in range(3)])
    assert len(start) == 3
    assert slots.room_for("a") == START_CAP - 3
    slots.admit([job("a", 10), job("a", 11)])  # one starts, one waits
    assert slots.room_for("a") == 0  # waiting: nothing more may start before it
    assert slots.room_for("b") == START_CAP
    for n in range(slots.room_for("b")):
        started, waiting = slots.admit([job("b", 20 + n)])
        assert (len(started), waiting) == (1, [])
