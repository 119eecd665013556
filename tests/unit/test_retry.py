import random

import pytest

from hookline.retry import next_attempt_delay

SCHEDULE = (5.0, 300.0, 1800.0)


@pytest.mark.parametrize(
    ("attempts_made", "base"),
    [(1, 5.0), (2, 300.0), (3, 1800.0)],
)
def test_each_retry_waits_its_scheduled_delay_within_ten_percent(attempts_made, base):
    rng = random.Random(7)
    delays = [next_attempt_delay(attempts_made, SCHEDULE, rng) for _ in range(500)]
    assert all(base * 0.9 <= d <= base * 1.1 for d in delays)
    assert max(delays) - min(delays) > base * 0.1  # jitter really spreads the retries


@pytest.mark.parametrize("attempts_made", [0, 4, 10])
def test_no_retry_outside_the_schedule(attempts_made):
    assert next_attempt_delay(attempts_made, SCHEDULE) is None


def test_empty_schedule_means_a_single_attempt():
    assert next_attempt_delay(1, ()) is None


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, 2.0, 2.0),  # as the receiver asked
        (503, 7200.0, 3600.0),  # but never longer than the documented maximum
        (500, 2.0, None),  # other statuses follow the schedule
        (429, None, None),
    ],
)
def test_retry_after_on_429_and_503(status, retry_after, expected):
    from hookline.retry import failure_delay

    delay = failure_delay(1, (300.0,), status, retry_after, 3600.0, random.Random(1))
    if expected is None:
        assert 270 <= delay <= 330
    else:
        assert delay == expected


def test_retry_after_does_not_extend_the_schedule():
    from hookline.retry import failure_delay

    assert failure_delay(2, (300.0,), 429, 1.0, 3600.0) is None
