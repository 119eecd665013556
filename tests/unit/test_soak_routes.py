"""The soak sends each message to one endpoint in turn: which arrivals it expects."""

from __future__ import annotations

from reliability.publisher import Published
from reliability.soak import channel, routes


def test_each_message_is_expected_at_its_own_endpoint_only():
    published = Published(acknowledged={0: "m0", 1: "m1", 2: "m2", 3: "m3", 5: "m5"})
    paths = [None, "/s/1", "/s/2"]  # endpoint 0 fails everything and records nothing
    assert routes(published, paths) == {
        "m0": [],
        "m1": ["/s/1"],
        "m2": ["/s/2"],
        "m3": [],
        "m5": ["/s/2"],
    }


def test_channels_are_per_scenario_and_endpoint():
    assert channel("soak", 3) == "soak-3"
    assert channel("soak-pg", 3) != channel("soak", 3)
