"""When a message may be scheduled for (`deliverAt`): a pure rule of the time asked, the time
now and how long payloads are kept."""

import pytest

from hookline.operations.messages import DAY_MS, deliver_at_problem

NOW = 1_764_000_000_000


@pytest.mark.parametrize(
    ("deliver_at", "retention_days", "says"),
    [
        (NOW + 1, 90, None),
        (NOW + 90 * DAY_MS, 90, None),
        (NOW + DAY_MS // 2, 0.5, None),
        (NOW, 90, "in the future"),
        (NOW - 60_000, 90, "in the future"),
        (NOW + 90 * DAY_MS + 1, 90, "at most 90 days ahead"),
        (NOW + DAY_MS, 0.5, "at most 0.5 days ahead"),
    ],
    ids=["soon", "at-retention", "fractional-retention", "now", "past", "beyond", "beyond-half"],
)
def test_deliver_at_rule(deliver_at, retention_days, says):
    problem = deliver_at_problem(deliver_at, NOW, retention_days)
    assert problem is None if says is None else says in (problem or "")
