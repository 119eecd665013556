"""Whether a claimed delivery may go now, and what an endpoint's attempts say about its health.
Pure functions over typed state; the clock is a parameter. The store loads the state, asks
here, and applies the answer with its guarded updates (store/deliveries.py,
store/endpoint_health.py); the worker asks here how many sends an endpoint may have in flight
(delivery/endpoint_slots.py).

At claim time, per delivery (`gate`, `split_claim`, `settle_probes`):
- a disabled endpoint's deliveries are parked (kept, due again when it is enabled);
- an open circuit (`circuit_until` in the future) parks them too; a circuit whose cooldown
  ended lets one probe through: the worker whose guarded update takes the probe sends it,
  every other worker parks;
- throttled deliveries get a send slot (`throttle_slots`) from every rate limit they are
  under, the endpoint's and its application's: slots `1/rate` apart, shared by all workers
  through `next_send_at` (locked in the claim transaction); a delivery whose slot is more
  than `THROTTLE_HORIZON_MS` away goes back, due at that slot.

After attempts (`tally`, `judge_failures`, `cooldown_ms`):
- every failed attempt adds to the endpoint's streak; a success resets it and closes the
  circuit (the parked deliveries are then released at `drain_per_second`);
- at `breaker_threshold` consecutive failures the circuit opens; a failed probe doubles the
  cooldown, up to `breaker_max_cooldown_ms`;
- a 410 Gone, or failing without a single success for `disable_after_ms`, disables it.

Per worker (`fair_share`, `earned_after`): each endpoint's share of the worker's connections,
and the slots it has earned by succeeding (see delivery/endpoint_slots.py).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from hookline.types import AttemptRecord, EndpointEvent, HealthPolicy

# Throttle slots are handed out at most this far ahead: a worker does not hold a lease on a
# delivery that must wait longer, and the rest of the batch is not kept waiting behind it.
THROTTLE_HORIZON_MS = 1000
# The longest a failed probe's doubling may reach, whatever the configured first cooldown.
MAX_COOLDOWN_DOUBLINGS = 30

# Kinds of `EndpointEvent`: operators hear about DISABLED (an operational webhook); a circuit
# opening only counts in the metrics.
DISABLED = "disabled"
CIRCUIT_OPENED = "circuit_opened"
REASON_GONE = "the endpoint answered 410 Gone"
REASON_FAILING = "the endpoint failed without a success for too long"


# ---- at claim time: park, probe or send -------------------------------------------------


class Gate(enum.Enum):
    SEND = "send"
    PARK = "park"
    PROBE = "probe"  # the circuit's cooldown ended: one delivery may test the endpoint


@dataclass(frozen=True, slots=True)
class EndpointGate:
    """What the claim knows of a delivery's endpoint and application."""

    endpoint_id: str
    app_id: str
    disabled: bool
    circuit_until: int | None  # None: closed; future: open; past: a probe may go
    throttle_rate: int | None  # the endpoint's; None or 0: no limit
    app_throttle_rate: int | None = None  # the application's; None or 0: no limit


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed delivery, as admission sees it."""

    delivery_id: int
    endpoint: EndpointGate


def gate(endpoint: EndpointGate, now: int) -> Gate:
    if endpoint.disabled:
        return Gate.PARK
    if endpoint.circuit_until is None:
        return Gate.SEND
    return Gate.PARK if endpoint.circuit_until > now else Gate.PROBE


@dataclass(frozen=True, slots=True)
class ClaimSplit:
    """The first decision on a claimed batch. `probes`: endpoint id -> the delivery that goes
    if this worker takes the endpoint's probe (the store's guarded update decides)."""

    send: tuple[int, ...]
    park: tuple[int, ...]
    probes: Mapping[str, int]


def split_claim(claimed: Sequence[Claimed], now: int) -> ClaimSplit:
    """Send, park, or hold for a probe, in claim order. Of a half-open endpoint only the
    first delivery may be its probe; the others park behind it."""
    send: list[int] = []
    park: list[int] = []
    probes: dict[str, int] = {}
    for c in claimed:
        verdict = gate(c.endpoint, now)
        if verdict is Gate.SEND:
            send.append(c.delivery_id)
        elif verdict is Gate.PROBE and c.endpoint.endpoint_id not in probes:
            probes[c.endpoint.endpoint_id] = c.delivery_id
        else:
            park.append(c.delivery_id)
    return ClaimSplit(tuple(send), tuple(park), probes)


def settle_probes(
    claimed: Sequence[Claimed], split: ClaimSplit, taken: Collection[str]
) -> tuple[list[int], list[int]]:
    """(send, park) in claim order, once the store knows which probes this worker `taken`."""
    go = set(split.send) | {d for e, d in split.probes.items() if e in taken}
    send = [c.delivery_id for c in claimed if c.delivery_id in go]
    park = [c.delivery_id for c in claimed if c.delivery_id not in go]
    return send, park


def probe_lease_until(now: int, lease_ms: int) -> int:
    """Where a taken probe moves `circuit_until`: past the probe's lease, so that no other
    worker probes meanwhile, and a probe whose worker died is offered again afterwards."""
    return now + lease_ms


# ---- at claim time: throttle slots --------------------------------------------------------


class LaneKind(enum.StrEnum):
    APPLICATION = "application"
    ENDPOINT = "endpoint"


@dataclass(frozen=True, slots=True, order=True)
class Lane:
    """One shared rate limit: an endpoint's or an application's."""

    kind: LaneKind
    id: str


def lanes_of(endpoint: EndpointGate) -> list[tuple[Lane, int]]:
    """The rate limits a delivery to this endpoint is under, with their rates (per second)."""
    lanes = []
    if endpoint.throttle_rate:
        lanes.append((Lane(LaneKind.ENDPOINT, endpoint.endpoint_id), endpoint.throttle_rate))
    if endpoint.app_throttle_rate:
        lanes.append((Lane(LaneKind.APPLICATION, endpoint.app_id), endpoint.app_throttle_rate))
    return lanes


def throttled_lanes(claimed: Iterable[Claimed]) -> list[Lane]:
    """Every lane these deliveries are under, sorted: the store locks them in this order, so
    that two workers never wait for each other's locks in a circle."""
    return sorted({lane for c in claimed for lane, _ in lanes_of(c.endpoint)})


@dataclass(frozen=True, slots=True)
class ThrottlePlan:
    slots: Mapping[int, int]  # delivery id -> the earliest time (ms) it may be sent
    back: Mapping[int, int]  # delivery id -> due again at (ms): its slot is too far ahead
    next_send_at: Mapping[Lane, int]  # each lane's next free slot, to write back


@dataclass(slots=True)
class _Progress:
    """A lane's free slots: `base + granted * interval` (one product rather than a running
    sum, so that many slots do not drift by rounding)."""

    base: float
    interval: float
    granted: int = 0

    @property
    def next_free(self) -> float:
        return self.base + self.granted * self.interval

    def take(self, slot: float) -> None:
        if slot == self.next_free:
            self.granted += 1
        else:  # another lane held this delivery back: this lane's slots restart after it
            self.base, self.granted = slot + self.interval, 0


def throttle_slots(
    claimed: Sequence[Claimed], next_send_at: Mapping[Lane, int | None], now: int
) -> ThrottlePlan:
    """Send slots for the throttled deliveries of `claimed` (in order), from each lane's
    stored `next_send_at`. A delivery takes the first slot free in all of its lanes; one
    whose slot is `THROTTLE_HORIZON_MS` away or more goes back until then, reserving
    nothing. Deliveries under no limit are left out."""
    progress: dict[Lane, _Progress] = {}
    slots: dict[int, int] = {}
    back: dict[int, int] = {}
    for c in claimed:
        lanes = lanes_of(c.endpoint)
        if not lanes:
            continue
        for lane, rate in lanes:
            if lane not in progress:
                start = max(next_send_at.get(lane) or 0, now)
                progress[lane] = _Progress(float(start), 1000.0 / rate)
        slot = max(progress[lane].next_free for lane, _ in lanes)
        if slot >= now + THROTTLE_HORIZON_MS:
            back[c.delivery_id] = int(slot)
            continue
        slots[c.delivery_id] = int(slot)
        for lane, _ in lanes:
            progress[lane].take(slot)
    return ThrottlePlan(slots, back, {lane: int(p.next_free) for lane, p in progress.items()})


# ---- after attempts: streaks, circuits, disabling -----------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """What one batch of attempt records says about one endpoint, in time order."""

    app_id: str
    failures_after_last_success: int = 0
    first_failure_ms: int | None = None  # of the failures after the last success
    succeeded: bool = False  # any success in the batch
    # A 410 answer anywhere in the batch; it disables only if the batch ends in failure.
    gone: bool = False

    @property
    def recovered(self) -> bool:
        """The batch ends in success: the streak resets and an open circuit closes."""
        return self.succeeded and not self.failures_after_last_success


def tally(records: Sequence[AttemptRecord]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for rec in sorted(records, key=lambda r: r.started_at_ms):
        endpoint_id = rec.job.endpoint_id
        t = tallies.get(endpoint_id) or Tally(rec.job.app_id)
        if rec.outcome.succeeded:
            t = Tally(t.app_id, succeeded=True, gone=t.gone)
        else:
            t = Tally(
                t.app_id,
                failures_after_last_success=t.failures_after_last_success + 1,
                first_failure_ms=(
                    rec.started_at_ms if t.first_failure_ms is None else t.first_failure_ms
                ),
                succeeded=t.succeeded,
                gone=t.gone or rec.outcome.status_code == 410,
            )
        tallies[endpoint_id] = t
    return tallies


def cooldown_ms(policy: HealthPolicy, failed_probes: int) -> int:
    doubled: int = policy.breaker_cooldown_ms * 2 ** min(failed_probes, MAX_COOLDOWN_DOUBLINGS)
    return min(doubled, policy.breaker_max_cooldown_ms)


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """An endpoint's health as stored, after this batch's failures were added to its streak."""

    endpoint_id: str
    app_id: str
    disabled: bool
    failure_streak: int
    failing_since: int | None
    circuit_until: int | None
    circuit_failures: int


@dataclass(frozen=True, slots=True)
class Disable:
    reason: str


@dataclass(frozen=True, slots=True)
class OpenCircuit:
    until: int  # ms: when the probe may go
    failed_probes: int


HealthVerdict = Disable | OpenCircuit | None


def judge_failures(
    health: EndpointHealth, t: Tally, policy: HealthPolicy, now: int
) -> HealthVerdict:
    """What an endpoint with failures in this batch becomes; None: nothing changes."""
    if health.disabled:
        return None
    if t.gone:
        return Disable(REASON_GONE)
    if health.failing_since is not None and now - health.failing_since >= policy.disable_after_ms:
        return Disable(REASON_FAILING)
    if health.circuit_until is not None:
        # A failed probe (or a send that started before the circuit opened): wait longer.
        failed = health.circuit_failures + 1
        return OpenCircuit(now + cooldown_ms(policy, failed), failed)
    if health.failure_streak >= policy.breaker_threshold:
        return OpenCircuit(now + cooldown_ms(policy, 0), 0)
    return None


def verdict_event(health: EndpointHealth, verdict: HealthVerdict) -> EndpointEvent | None:
    """What operators and metrics hear of a verdict: a disabling, or a circuit that opened
    (a failed probe that only reopens it is not news)."""
    if isinstance(verdict, Disable):
        return EndpointEvent(
            DISABLED, health.app_id, health.endpoint_id, verdict.reason, health.failing_since
        )
    if isinstance(verdict, OpenCircuit) and health.circuit_until is None:
        return EndpointEvent(
            CIRCUIT_OPENED, health.app_id, health.endpoint_id, "", health.failing_since
        )
    return None


# ---- per worker: connections per endpoint -------------------------------------------------

FAILING_CAP = 2
START_CAP = 4


def fair_share(concurrency: int, cap: int, busy_endpoints: int) -> int:
    """Each busy endpoint's share of the worker's connections: never below FAILING_CAP, never
    above the per-endpoint `cap`."""
    return max(FAILING_CAP, min(cap, concurrency // max(busy_endpoints, 1)))


def earned_after(earned: int, succeeded: bool, cap: int) -> int:
    """An endpoint's slots after a send: doubled by a success (a fast receiver soon has its
    whole share), down to FAILING_CAP after a failure (a dead endpoint holds each slot for the
    full request timeout)."""
    return min(earned * 2, cap) if succeeded else FAILING_CAP
