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
