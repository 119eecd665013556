"""The reliability harness's accounting: acknowledged messages × endpoints against arrivals."""

from __future__ import annotations

import pytest

from reliability.ledger import routed_tally, tally

PATHS = ["/a", "/b"]


@pytest.mark.parametrize(
    ("acknowledged", "arrivals", "expected"),
    [
        # every delivery once: nothing lost, nothing duplicated
        (["m1", "m2"], {"/a m1": 1, "/b m1": 1, "/a m2": 1, "/b m2": 1}, (4, 4, 0, 0, 0)),
        # one endpoint never got m2
        (["m1", "m2"], {"/a m1": 1, "/b m1": 1, "/a m2": 1}, (4, 3, 1, 0, 0)),
        # a redelivery after a crash counts as a duplicate, not as a second delivery
        (["m1"], {"/a m1": 3, "/b m1": 1}, (2, 2, 0, 2, 0)),
        # a message stored but never acknowledged (its answer was lost) is extra, not lost
        (["m1"], {"/a m1": 1, "/b m1": 1, "/a m9": 1, "/b m9": 2}, (2, 2, 0, 1, 2)),
        # nothing acknowledged, nothing expected
        ([], {}, (0, 0, 0, 0, 0)),
    ],
)
def test_tally(acknowledged, arrivals, expected):
    t = tally(acknowledged, PATHS, arrivals)
    assert (t.expected, t.delivered, t.lost, t.duplicated, t.unacknowledged_delivered) == expected
    assert t.acknowledged == len(set(acknowledged))
    assert t.nothing_lost == (t.lost == 0)


def test_lost_examples_name_the_missing_deliveries():
    t = tally(["m1", "m2"], PATHS, {"/a m1": 1}, examples=2)
    assert t.lost == 3
    assert t.lost_examples == ("/a m2", "/b m1")


def test_arrivals_at_other_paths_are_another_scenarios():
    t = tally(["m1"], PATHS, {"/a m1": 1, "/b m1": 1, "/other m1": 5, "/other m7": 2})
    assert (t.delivered, t.duplicated, t.unacknowledged_delivered) == (2, 0, 0)


def test_routed_messages_are_expected_only_where_they_were_sent():
    routes = {"m1": ["/a"], "m2": ["/b"], "m3": []}  # m3 went to an endpoint that records nothing
    t = routed_tally(routes, PATHS, {"/a m1": 1, "/b m2": 2, "/a m2": 1})
    assert (t.acknowledged, t.expected, t.delivered, t.lost, t.duplicated) == (3, 2, 2, 0, 1)
    # m2 arriving at /a too is neither expected nor unacknowledged
    assert t.unacknowledged_delivered == 0
    missing = routed_tally(routes, PATHS, {"/a m1": 1})
    assert (missing.lost, missing.lost_examples) == (1, ("/b m2",))
