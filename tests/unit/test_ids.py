import pytest

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


def test_every_issued_id_looks_like_an_id():
    for prefix in ids.ISSUED_PREFIXES:
        assert ids.looks_like_id(ids.new_id(prefix))
        assert ids.looks_like_id(ids.lowest_id(prefix, 0))


@pytest.mark.parametrize(
    ("key", "shaped"),
    [
        ("app_" + "A" * 22, True),
        ("ep_" + "0" * 22, True),
        ("msg_2aBcDeFgHiJkLmNoPqRsTu", True),
        ("atmpt_" + "z" * 22, True),
        ("qtask_" + "9" * 22, True),
        ("app_" + "A" * 21, False),  # one short
        ("app_" + "A" * 23, False),  # one long
        ("app_" + "A" * 21 + "-", False),  # not base62
        ("app_" + "A" * 21 + ".", False),
        ("evt_" + "A" * 22, False),  # not a prefix Hookline issues
        ("APP_" + "A" * 22, False),  # prefixes are lower case
        ("xapp_" + "A" * 22, False),
        ("app-" + "A" * 22, False),
        ("app_" + "A" * 22 + "\n", False),
        ("customer-42", False),
        ("app_", False),
        ("", False),
    ],
)
def test_looks_like_id(key, shaped):
    assert ids.looks_like_id(key) is shaped
    if not shaped:
        assert not any(ids.has_prefix(key, p) for p in ids.ISSUED_PREFIXES)


def test_created_ms_reads_the_time_back():
    for millis in (0, 1, 1_700_000_000_123, 2**48 - 1):
        assert ids.created_ms(ids.new_id(ids.MESSAGE, millis)) == millis
