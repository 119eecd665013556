import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from hookline import signing


def test_generated_secrets_are_whsec_and_24_to_64_bytes():
    for _ in range(20):
        secret = signing.generate_secret()
        assert secret.startswith("whsec_")
        assert 24 <= len(base64.b64decode(secret[6:])) <= 64
    assert signing.generate_secret() != signing.generate_secret()


@pytest.mark.parametrize(
    ("body", "msg_id", "timestamp"),
    [
        (b'{"a":1}', "msg_1", 1_700_000_000),
        (b"{}", "msg_0356ADhKLJgrMwyC9FKvcY", 1),
        ('{"emoji":"\u2603","nested":{"x":[1,2]}}'.encode(), "msg_x", 2_000_000_000),
    ],
)
def test_signature_verifies_with_the_standardwebhooks_library(body, msg_id, timestamp):
    secret = signing.generate_secret()
    header = signing.signature_header((signing.secret_key_bytes(secret),), msg_id, timestamp, body)
    verifier = Webhook(secret)
    expected = verifier.sign(msg_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())
    assert header == expected


def test_several_secrets_give_space_separated_signatures_each_valid():
    old, new = signing.generate_secret(), signing.generate_secret()
    keys = (signing.secret_key_bytes(new), signing.secret_key_bytes(old))
    header = signing.signature_header(keys, "msg_1", 1_700_000_000, b"{}")
    parts = header.split(" ")
    assert len(parts) == 2 and all(p.startswith("v1,") for p in parts)
    assert parts[1] == signing.sign_v1(keys[1], "msg_1", 1_700_000_000, b"{}")


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("whsec_" + base64.b64encode(b"k" * 24).decode(), True),
        ("whsec_" + base64.b64encode(b"k" * 64).decode(), True),
        (base64.b64encode(b"k" * 32).decode(), True),  # the prefix is optional
        ("whsec_" + base64.b64encode(b"k" * 23).decode(), False),
        ("whsec_" + base64.b64encode(b"k" * 65).decode(), False),
        ("whsec_not base64!", False),
        ("", False),
    ],
)
def test_caller_given_secrets_are_validated(given, ok):
    if ok:
        assert signing.normalize_secret(given).startswith("whsec_")
    else:
        with pytest.raises(signing.InvalidSecret):
            signing.normalize_secret(given)


# Ed25519 keys (v1a)


def _public_key(secret: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = signing.public_secret(secret)
    assert public.startswith("whpk_")
    raw = base64.b64decode(public.removeprefix("whpk_"), validate=True)
    assert len(raw) == 32
    return Ed25519PublicKey.from_public_bytes(raw)


def test_generated_ed25519_keys_are_whsk_of_64_bytes_and_distinct():
    key = signing.generate_ed25519_secret()
    assert key.startswith("whsk_") and signing.is_asymmetric(key)
    assert len(base64.b64decode(key.removeprefix("whsk_"))) == 64
    assert signing.normalize_secret(key) == key
    assert key != signing.generate_ed25519_secret()


def test_v1a_signatures_verify_with_the_public_key():
    key = signing.generate_ed25519_secret()
    entry = signing.signer(key)("msg_1", 1_700_000_000, b'{"a":1}')
    version, _, value = entry.partition(",")
    assert version == "v1a"
    _public_key(key).verify(base64.b64decode(value), b'msg_1.1700000000.{"a":1}')


def test_a_32_byte_seed_is_accepted_and_completed_with_its_public_key():
    seed = b"\x07" * 32
    key = signing.normalize_secret("whsk_" + base64.b64encode(seed).decode())
    raw = base64.b64decode(key.removeprefix("whsk_"))
    assert raw[:32] == seed and len(raw) == 64
    assert signing.public_secret(key) == "whpk_" + base64.b64encode(raw[32:]).decode()


@pytest.mark.parametrize(
    "given",
    [
        "whsk_" + base64.b64encode(b"k" * 31).decode(),
        "whsk_" + base64.b64encode(b"k" * 64).decode(),  # last 32 bytes are not its public key
        "whsk_not base64",
        "whsk_",
    ],
)
def test_invalid_ed25519_keys_are_refused(given):
    with pytest.raises(signing.InvalidSecret):
        signing.normalize_secret(given)


def test_symmetric_secrets_are_their_own_public_form():
    secret = signing.generate_secret()
    assert signing.public_secret(secret) == secret


def test_mixed_secrets_sign_in_the_order_given_and_v1_verifiers_skip_v1a():
    new, old = signing.generate_ed25519_secret(), signing.generate_secret()
    ts = int(datetime.now(UTC).timestamp())
    header = signing.signatures((signing.signer(new), signing.signer(old)), "msg_1", ts, b"{}")
    first, second = header.split(" ")
    assert first.startswith("v1a,") and second.startswith("v1,")
    given = {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": header}
    Webhook(old).verify(b"{}", given)
