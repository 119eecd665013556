"""The benchmark data set's ids, made in SQL, have the shape and order of Hookline's own: each
decodes to its row's creation time, and ids sort by time as `ids.lowest_id` ranges expect."""

from __future__ import annotations

import sqlite3

from bench.dataset import id_sql
from hookline import ids

START = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def test_sql_made_ids_decode_to_their_time_and_sort_by_it():
    times = [START + k * 997 for k in range(2000)] + [START + 30 * 86_400_000, 2**47]
    conn = sqlite3.connect(":memory:")
    made = [
        conn.execute(f"SELECT {id_sql('sqlite', 'atmpt', str(at), str(n))}").fetchone()[0]
        for n, at in enumerate(times)
    ]
    assert all(ids.looks_like_id(value) for value in made)
    assert [ids.created_ms(value) for value in made] == times
    assert made == sorted(made)
    for value, at in zip(made, times, strict=True):
        assert ids.lowest_id(ids.ATTEMPT, at) <= value < ids.lowest_id(ids.ATTEMPT, at + 1)
