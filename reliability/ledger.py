"""Accounting for a scenario: what was acknowledged against what arrived. Pure.

A message acknowledged with 202 must reach every endpoint it was sent to at least once.
The receiver counts arrivals per (path, webhook-id); the ledger turns those counts into the
figures of a row: expected deliveries, delivered, lost, duplicated. A message whose publish
got no answer (the API was killed while it was in flight) may or may not have been stored;
if it arrives it counts as delivered-unacknowledged, never as lost.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    acknowledged: int  # messages answered 202
    expected: int  # acknowledged messages × the endpoints each was sent to
    delivered: int  # expected deliveries that arrived at least once
    lost: int  # expected deliveries that never arrived
    duplicated: int  # arrivals beyond the first, of any delivery
    unacknowledged_delivered: int  # deliveries of messages whose publish got no answer
    lost_examples: tuple[str, ...]  # a few "<path> <msg id>" keys, to look into

    @property
    def nothing_lost(self) -> bool:
        return self.lost == 0


def tally(
    acknowledged: Collection[str],
    paths: Collection[str],
    arrivals: Mapping[str, int],
    examples: int = 5,
) -> Tally:
    """`arrivals` maps "<path> <webhook-id>" to how many times it arrived. Only arrivals at
    `paths` count: the receiver may have seen other scenarios' deliveries too. Every
    acknowledged message is expected at every path."""
    return routed_tally({msg_id: paths for msg_id in acknowledged}, paths, arrivals, examples)


def routed_tally(
    routes: Mapping[str, Collection[str]],
    paths: Collection[str],
    arrivals: Mapping[str, int],
    examples: int = 5,
) -> Tally:
    """Like `tally`, for messages that each go to some of the endpoints: `routes` maps each
    acknowledged message id to the paths it is expected at (none, for a message whose only
    endpoint records nothing)."""
    acked = set(routes)
    mine = set(paths)
    arrivals = {k: n for k, n in arrivals.items() if k.partition(" ")[0] in mine}
    expected = {f"{path} {msg_id}" for msg_id, to in routes.items() for path in to}
    delivered = expected & arrivals.keys()
    lost = sorted(expected - delivered)
    duplicated = sum(count - 1 for count in arrivals.values() if count > 1)
    unacknowledged = sum(
        1 for key in arrivals.keys() - expected if key.partition(" ")[2] not in acked
    )
    return Tally(
        acknowledged=len(acked),
        expected=len(expected),
        delivered=len(delivered),
        lost=len(lost),
        duplicated=duplicated,
        unacknowledged_delivered=unacknowledged,
        lost_examples=tuple(lost[:examples]),
    )
