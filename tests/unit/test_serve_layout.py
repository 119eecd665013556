"""How many processes `hookline serve` runs, and the link between the API and its worker
child (wake-ups one way, reports the other)."""

from __future__ import annotations

import asyncio

import pytest

from hookline.config import ConfigError, load_settings
from hookline.serve_layout import processes_for
from hookline.worker_link import ChildEnd, ChildReport, ParentEnd, link_pair


@pytest.mark.parametrize(
    ("value", "cores", "expected"),
    [
        ("1", 8, 1),
        ("2", 1, 2),
        (" 2 ", 2, 2),
        ("auto", 2, 2),
        ("AUTO", 16, 2),
        ("auto", 1, 1),
        ("auto", None, 1),  # os.cpu_count() may not know
    ],
)
def test_processes_for(value: str, cores: int | None, expected: int) -> None:
    assert processes_for(value, cores) == expected


@pytest.mark.parametrize("value", ["0", "3", "two", ""])
def test_processes_for_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="one of 1, 2, auto"):
        processes_for(value, 2)


def test_the_setting() -> None:
    assert load_settings({}).serve_processes == "1"
    assert load_settings({"HOOKLINE_SERVE_PROCESSES": "Auto"}).serve_processes == "auto"
    with pytest.raises(ConfigError, match="HOOKLINE_SERVE_PROCESSES"):
        load_settings({"HOOKLINE_SERVE_PROCESSES": "4"})


def test_a_report_places_the_last_beat_on_the_parents_clock() -> None:
    assert ChildReport().last_beat() is None
    assert ChildReport(received_at=100.0, beat_age=None).last_beat() is None
    assert ChildReport(received_at=100.0, beat_age=2.5).last_beat() == 97.5


async def test_wake_ups_and_reports_cross_the_link() -> None:
    parent_sock, child_sock = link_pair()
    parent = ParentEnd(parent_sock)
    child = ChildEnd(child_sock.detach())
    woken = asyncio.Event()
    child.listen_for_wakes(woken.set)
    parent.listen()
    for _ in range(1000):  # more than the buffer holds: the extra ones are dropped, not sent
        parent.wake()
    await asyncio.wait_for(woken.wait(), 10)

    stop = asyncio.Event()
    reporting = asyncio.create_task(
        child.report_until(stop, lambda: None, lambda: 3, lambda _now: ["cannot claim"])
    )
    await asyncio.sleep(0.2)  # the first report is sent at once
    assert (parent.report.in_flight, parent.report.problems) == (3, ["cannot claim"])
    stop.set()
    await reporting
    child.close()
    parent.close()
