"""Sealing secrets at rest: AES-256-GCM under a key derived from HOOKLINE_SECRET_KEY."""

import base64

import pytest

from hookline.secrets_at_rest import (
    ENDPOINT_SECRET,
    PREFIX,
    TLS_CLIENT_KEY,
    SecretBox,
    UnreadableSecret,
    derive_key,
    generate_secret_key,
    is_sealed,
    sealed_key_id,
)

KEY = "k" * 32
OTHER = "o" * 32
SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()


def test_seal_then_open_gives_the_plaintext_back():
    box = SecretBox(KEY)
    sealed = box.seal(SECRET, ENDPOINT_SECRET)
    assert sealed.startswith(f"{PREFIX}{box.key_id}:")
    assert is_sealed(sealed) and sealed_key_id(sealed) == box.key_id
    assert box.open(sealed, ENDPOINT_SECRET) == SECRET
    assert SecretBox(KEY).open(sealed, ENDPOINT_SECRET) == SECRET  # same key, new process


def test_every_seal_uses_a_fresh_nonce_and_hides_the_plaintext():
    box = SecretBox(KEY)
    first, second = box.seal(SECRET, ENDPOINT_SECRET), box.seal(SECRET, ENDPOINT_SECRET)
    assert first != second
    raw = base64.urlsafe_b64decode(first.rpartition(":")[2])
    assert raw[:12] != base64.urlsafe_b64decode(second.rpartition(":")[2])[:12]
    assert SECRET.encode() not in raw and b"s" * 16 not in raw


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v[:-4] + ("AAAA" if not v.endswith("AAAA") else "BBBB"),  # tag damaged
        lambda v: v.replace(":", ":A", 2).replace(":A", ":", 1),  # body shifted
        lambda v: v[: v.rindex(":") + 1] + "not base64!",
    ],
)
def test_damaged_values_do_not_open(mangle):
    box = SecretBox(KEY)
    with pytest.raises(UnreadableSecret):
        box.open(mangle(box.seal(SECRET, ENDPOINT_SECRET)), ENDPOINT_SECRET)


def test_a_value_moved_to_another_column_does_not_open():
    box = SecretBox(KEY)
    with pytest.raises(UnreadableSecret):
        box.open(box.seal(SECRET, ENDPOINT_SECRET), TLS_CLIENT_KEY)


def test_another_key_cannot_open_and_says_so():
    sealed = SecretBox(KEY).seal(SECRET, ENDPOINT_SECRET)
    with pytest.raises(UnreadableSecret, match="unknown secret key"):
        SecretBox(OTHER).open(sealed, ENDPOINT_SECRET)


def test_previous_keys_open_and_mark_values_for_sealing_again():
    old = SecretBox(OTHER).seal(SECRET, ENDPOINT_SECRET)
    box = SecretBox(KEY, previous=[OTHER])
    assert box.open(old, ENDPOINT_SECRET) == SECRET
    assert box.needs_sealing(old)
    assert not box.needs_sealing(box.seal(SECRET, ENDPOINT_SECRET))
    assert box.known_key_ids == {box.key_id, SecretBox(OTHER).key_id}


def test_plaintext_from_before_encryption_is_read_as_it_is():
    box = SecretBox(KEY)
    assert box.open(SECRET, ENDPOINT_SECRET) == SECRET
    assert box.needs_sealing(SECRET)
    assert sealed_key_id(SECRET) is None


def test_key_derivation_is_deterministic_and_needs_32_characters():
    assert derive_key(KEY) == derive_key(KEY) != derive_key(OTHER)
    assert len(derive_key(KEY)) == 32
    assert derive_key(KEY) != KEY.encode()  # derived, not the characters themselves
    with pytest.raises(ValueError, match="32"):
        SecretBox("short")
    generated = generate_secret_key()
    assert len(generated) >= 32 and generated != generate_secret_key()
