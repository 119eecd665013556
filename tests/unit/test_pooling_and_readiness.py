"""Pure decisions behind PgBouncer support: the pooling probe's verdict, the statements used,
the pooler settings, and when a failing activity is reported and makes a process not ready."""

import pytest

from hookline.config import ConfigError, load_settings
from hookline.readiness import FailureWatch, FailureWatches
from hookline.store.pooling import connect_args, shows_transaction_pooling

PG = {"HOOKLINE_DATABASE_URL": "postgresql://u@127.0.0.1:6432/db"}


@pytest.mark.parametrize(
    ("first", "other", "again", "pooled"),
    [
        (100, 200, 100, False),  # direct or session mode: two sessions, each on its own
        (100, 100, 200, True),  # the second client got the first one's server, and it moved
        (100, 100, 100, True),  # the second client on the first one's server: only pooling
        (100, 200, 300, True),  # the first client's pid changed between transactions
        (100, 200, 200, True),
    ],
)
def test_probe_verdict(first, other, again, pooled):
    assert shows_transaction_pooling(first, other, again) is pooled


def test_transaction_pooling_uses_unnamed_statements_and_no_cache():
    args = connect_args(transaction_pooling=True)
    assert args["statement_cache_size"] == 0
    assert args["prepared_statement_cache_size"] == 0
    assert args["prepared_statement_name_func"]() == ""
    direct = connect_args(transaction_pooling=False)
    assert "statement_cache_size" not in direct and "prepared_statement_name_func" not in direct
    assert direct["timeout"] == args["timeout"]


def test_pooler_settings():
    assert load_settings(PG).database_pooler == "auto"
    assert load_settings(PG).database_listen_url == ""
    s = load_settings(
        {
            **PG,
            "HOOKLINE_DATABASE_POOLER": " Transaction ",
            "HOOKLINE_DATABASE_LISTEN_URL": "postgresql://u@127.0.0.1:5432/db",
        }
    )
    assert s.database_pooler == "transaction"
    assert s.database_listen_url == "postgresql://u@127.0.0.1:5432/db"
    assert "5432" not in repr(s)  # it may carry a password


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**PG, "HOOKLINE_DATABASE_POOLER": "statement"}, "HOOKLINE_DATABASE_POOLER"),
        ({**PG, "HOOKLINE_DATABASE_LISTEN_URL": "mysql://h/db"}, "HOOKLINE_DATABASE_LISTEN_URL"),
        ({"HOOKLINE_DATABASE_LISTEN_URL": "postgresql://h/db"}, "HOOKLINE_DATABASE_LISTEN_URL"),
    ],
)
def test_bad_pooler_settings_are_refused(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_a_short_failure_is_neither_reported_nor_unready():
    watch = FailureWatch("claim deliveries", grace=3, report_every=5)
    assert watch.failed(100.0, "connection refused") is None
    assert watch.failed(102.0, "connection refused") is None
    assert watch.problem(102.5) is None
    assert watch.succeeded(103.0) is None  # nothing was reported, so no "again" line
    assert watch.problem(110.0) is None


def test_a_lasting_failure_is_reported_once_per_interval_with_its_cause():
    watch = FailureWatch("claim deliveries", grace=3, report_every=5)
    lines = [watch.failed(100.0 + t, ValueError(f"boom {t}")) for t in range(0, 14)]
    reported = [(t, line) for t, line in enumerate(lines) if line is not None]
    assert [t for t, _ in reported] == [3, 8, 13]
    assert reported[0][1] == "cannot claim deliveries for 3 s (still retrying): ValueError: boom 3"
    assert watch.problem(113.5) == "cannot claim deliveries for 14 s: ValueError: boom 13"
    assert watch.succeeded(114.0) == "can claim deliveries again after 14 s"
    assert watch.problem(114.0) is None
    # A new streak starts its own grace period.
    assert watch.failed(200.0, "x") is None
    assert watch.problem(201.0) is None


def test_a_multi_line_cause_becomes_one_bounded_line():
    watch = FailureWatch("record attempts", grace=0)
    line = watch.failed(1.0, RuntimeError("first line\n  second   line" + "x" * 500))
    assert line is not None and "\n" not in line
    assert "RuntimeError: first line second line" in line and len(line) < 400


def test_an_old_publish_failure_stops_counting():
    readiness = FailureWatches()
    publishes = readiness.watch("publish messages", stale_after=15)
    readiness.watch("claim deliveries")
    publishes.failed(0.0, "down")
    publishes.failed(4.0, "down")
    assert readiness.problems(5.0) == ["cannot publish messages for 5 s: down"]
    assert readiness.problems(20.0) == []  # nobody published since: no longer a verdict
    assert publishes.failed(21.0, "down") is None  # a new streak, with its own grace
