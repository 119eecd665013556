"""Hand-off: which fresh deliveries of a publish go straight to the worker of the same process.

A publish served by a process that also runs a worker can insert some of its deliveries
already leased to that worker (SENDING, due again when the lease expires, `lease_owner` the
worker) and give them to it right after the commit, so that no claim round trip stands
between the 202 and the POST. Nothing acknowledged can be lost: the row is committed with the
message, and if the process dies before the send, the lease expires and any worker claims it.

Only deliveries that a claim would send at once, with nothing to decide in the store, are
handed off; everything else is inserted pending and takes the normal claim path:
- FIFO endpoints (their order is kept by the claim's FIFO-head rule);
- relay endpoints (`hookline listen`: only the process holding the listener's socket may
  send them, which the claim decides);
- deliveries scheduled with `deliverAt`;
- disabled endpoints, open or half-open circuits (parking and probes are the claim's);
- throttled endpoints or applications (send slots are shared through the store);
- anything beyond the worker's room: its free sends, and each endpoint's free slots
  (`EndpointSlots`), so that a handed-off delivery never waits or is given back.
Pure: the store loads the state and applies the answer (store/leased_fan_out.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hookline.admission import EndpointGate, Gate, gate, lanes_of
from hookline.types import DeliveryJob


@dataclass(frozen=True, slots=True)
class Intake:
    """What the worker of this process can take now, as it offers it to a publish."""

    worker_id: str
    lease_ms: int
    room: int  # sends it may start now, in all
    # How many more sends an endpoint may start now (its free slots; 0 while some wait).
    endpoint_room: Callable[[str], int]


class HandOffTarget(Protocol):
    """The worker, as the publish path sees it."""

    def intake(self) -> Intake | None:
        """What it can take now; None: nothing (stopping, full, or not running)."""

    def accept(self, jobs: list[DeliveryJob]) -> None:
        """Deliveries leased to it in a publish that has committed: send them."""


@dataclass(frozen=True, slots=True)
class Fresh:
    """A delivery a publish is about to insert, as the hand-off sees it."""

    endpoint: EndpointGate
    fifo: bool = False
    scheduled: bool = False  # deliverAt: due later, or parked by the routing
    relay: bool = False  # a `hookline listen` endpoint


def may_go_now(fresh: Fresh, now: int) -> bool:
    """A claim would send it at once, with nothing for the store to decide."""
    if fresh.fifo or fresh.scheduled or fresh.relay:
        return False
    return gate(fresh.endpoint, now) is Gate.SEND and not lanes_of(fresh.endpoint)


def hand_off(fresh: Sequence[Fresh], intake: Intake, now: int) -> list[int]:
    """The indexes (into `fresh`, in order) of the deliveries to hand off to `intake`'s worker."""
    chosen: list[int] = []
    taken: Counter[str] = Counter()
    rooms: dict[str, int] = {}
    for index, candidate in enumerate(fresh):
        if len(chosen) >= intake.room:
            break
        if not may_go_now(candidate, now):
            continue
        endpoint_id = candidate.endpoint.endpoint_id
        if endpoint_id not in rooms:
            rooms[endpoint_id] = intake.endpoint_room(endpoint_id)
        if taken[endpoint_id] >= rooms[endpoint_id]:
            continue
        taken[endpoint_id] += 1
        chosen.append(index)
    return chosen
