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
