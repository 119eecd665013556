"""Per-endpoint concurrency in one worker, so that slow or dead endpoints cannot take every
connection and hold back the others. Pure bookkeeping, no I/O; the
numbers (share, earned slots) are `hookline.admission`'s decisions.

Each endpoint gets a fair share of the worker's connections: `concurrency` divided by the
number of endpoints it is busy with, at most `cap`. Within that, an endpoint earns its
slots: it starts with `START_CAP` and doubles them with every success (so one fast receiver
soon has the whole share), while a failure drops it to `FAILING_CAP`: a dead endpoint holds
each slot for the full request timeout, and must not take the slots others need.
Endpoints at their limit are left out of the next claims; deliveries claimed beyond it wait
in a short queue of their own endpoint, and anything beyond is given back.
"""

from __future__ import annotations

from collections import Counter, deque

from hookline.admission import FAILING_CAP, START_CAP, earned_after, fair_share
from hookline.types import DeliveryJob

__all__ = ["FAILING_CAP", "START_CAP", "EndpointSlots"]


class EndpointSlots:
    def __init__(self, concurrency: int, cap: int) -> None:
        self.concurrency = concurrency
        self.cap = cap
        self._in_flight: Counter[str] = Counter()
        self._earned: dict[str, int] = {}
        self._waiting: dict[str, deque[DeliveryJob]] = {}

    def _share(self, busy: int) -> int:
        return fair_share(self.concurrency, self.cap, busy)

    def _cap_of(self, endpoint_id: str, share: int) -> int:
        return min(self._earned.get(endpoint_id, START_CAP), share)

    def full(self) -> list[str]:
        """Endpoints not to claim for now: at their share, or with deliveries waiting."""
        share = self._share(len(self._in_flight.keys() | self._waiting.keys()))
        busy = [e for e, n in self._in_flight.items() if n >= self._cap_of(e, share)]
        return busy + [e for e in self._waiting if e not in self._in_flight]

    def room_for(self, endpoint_id: str) -> int:
        """How many more sends `endpoint_id` may start now without waiting (0 while some of
        its deliveries wait): what a hand-off may give it (hookline.handoff)."""
        if endpoint_id in self._waiting:
            return 0
        busy = self._in_flight.keys() | self._waiting.keys() | {endpoint_id}
        cap = self._cap_of(endpoint_id, self._share(len(busy)))
        return max(0, cap - self._in_flight[endpoint_id])

    def admit(self, jobs: list[DeliveryJob]) -> tuple[list[DeliveryJob], list[DeliveryJob]]:
        """Split freshly claimed jobs into (start now, give back); the rest wait here."""
        active = self._in_flight.keys() | self._waiting.keys() | {j.endpoint_id for j in jobs}
        share = self._share(len(active))
        start: list[DeliveryJob] = []
        give_back: list[DeliveryJob] = []
        for job in jobs:
            endpoint = job.endpoint_id
            cap = self._cap_of(endpoint, share)
            if self._in_flight[endpoint] < cap:
                self._in_flight[endpoint] += 1
                start.append(job)
                continue
            queue = self._waiting.setdefault(endpoint, deque())
            if len(queue) < cap:
                queue.append(job)
            else:
                give_back.append(job)
        return start, give_back

    def done(self, endpoint_id: str, succeeded: bool) -> DeliveryJob | None:
        """A send finished; returns the endpoint's next waiting job, which takes the slot.
        Returns None when the slot is free again (the claimer may look for more work)."""
        earned = self._earned.get(endpoint_id, START_CAP)
        self._earned[endpoint_id] = earned_after(earned, succeeded, self.cap)
        queue = self._waiting.get(endpoint_id)
        share = self._share(len(self._in_flight.keys() | self._waiting.keys()))
        if queue and self._in_flight[endpoint_id] <= self._cap_of(endpoint_id, share):
            job = queue.popleft()
            if not queue:
                del self._waiting[endpoint_id]
            return job  # the slot passes to it: the in-flight count stays
        self._in_flight[endpoint_id] -= 1
        if self._in_flight[endpoint_id] <= 0:
            del self._in_flight[endpoint_id]
        return None

    def drain_waiting(self) -> list[DeliveryJob]:
        """Everything still waiting (on shutdown: to give back)."""
        jobs = [job for queue in self._waiting.values() for job in queue]
        self._waiting.clear()
        return jobs
