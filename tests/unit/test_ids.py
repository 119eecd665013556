from hookline import ids


def test_ids_have_prefix_and_fixed_width():
    value = ids.new_id(ids.MESSAGE)
    assert value.startswith("msg_")
    assert ids.has_prefix(value, ids.MESSAGE)
    assert not ids.has_prefix(value, ids.ENDPOINT)
    assert len({ids.new_id(ids.MESSAGE) for _ in range(1000)}) == 1000


def test_ids_sort_by_creation_time_as_strings():
    made = [ids.new_id(ids.APPLICATION, now_ms=t) for t in (1, 1000, 1_700_000_000_000, 2**47)]
    assert sorted(made) == made


def test_lowest_id_bounds_the_ids_created_before_a_time():
    at = 1_700_000_000_000
    boundary = ids.lowest_id(ids.MESSAGE, at)
    assert ids.has_prefix(boundary, ids.MESSAGE)
    assert all(
        ids.new_id(ids.MESSAGE, now_ms=at - d) < boundary for d in (1, 1000) for _ in range(50)
    )
    assert all(
        ids.new_id(ids.MESSAGE, now_ms=at + d) >= boundary for d in (0, 1) for _ in range(50)
    )
    assert ids.lowest_id(ids.MESSAGE, -5) == ids.lowest_id(ids.MESSAGE, 0)  # before 1970: none
