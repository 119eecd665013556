"""The benchmark harness's pure parts: percentiles, line keys given to --only, the baseline
ratios, and the load note each row gets."""

import pytest

from bench.__main__ import _row_of_line, select_rows
from bench.hookline_rows import _spread, percentile
from bench.report import Line, RowAtLeastThis, evaluate


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(50, 50.0), (90, 90.0), (99, 99.0), (99.9, 100.0), (100, 100.0), (0.5, 1.0)],
)
def test_nearest_rank_percentile(pct, expected):
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, pct) == expected


def test_spread_names_every_percentile_and_the_max():
    text = _spread([float(v) for v in range(1, 1001)])
    assert text == "p50 500.0, p90 900.0, p99 990.0, p99.9 999.0, max 1,000.0 ms"


@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("fanout-answer", "fanout"),
        ("pg-fanout-all", "pg-fanout"),
        ("sqlite-latency-p99", "sqlite-latency"),
        ("scale-rss", "scale"),
        ("nothing-like-it", None),
    ],
)
def test_a_line_key_names_its_row(name, row):
    assert _row_of_line(name) == row


def test_only_accepts_line_keys_and_always_runs_the_ceiling():
    assert [r.key for r in select_rows("fanout-answer,pg-fanout-all")] == [
        "ceiling",
        "fanout",
        "pg-fanout",
    ]
    with pytest.raises(SystemExit):
        select_rows("no-such-row")


def test_the_baseline_shows_its_ratio_to_both_stores():
    lines = [
        Line("sqlite-backlog", "SQLite", 3000.0),
        Line("pg-backlog", "PostgreSQL", 1500.0),
        Line("baseline", "Celery", 300.0, target=RowAtLeastThis("sqlite-backlog", 10)),
    ]
    evaluate(lines)
    baseline = lines[-1]
    assert baseline.notes == ["`sqlite-backlog` is 10.0× this", "`pg-backlog` is 5.0× this"]
    assert baseline.met is True
