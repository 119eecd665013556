"""Previous signing secrets after rotations (store/endpoint_secrets.py, pure)."""

from hookline.secrets_at_rest import SecretBox
from hookline.store.endpoint_secrets import (
    DEFAULT_GRACE_MS,
    MAX_PREVIOUS_SECRETS,
    endpoint_tls,
    rotated,
    seal_secret,
    signing_secrets,
    tls_columns,
)
from hookline.types import EndpointTls

BOX = SecretBox("x" * 40)
NOW = 1_800_000_000_000


def test_the_outgoing_secret_signs_for_the_grace_period_newest_first():
    previous = rotated("s1", None, NOW, DEFAULT_GRACE_MS)
    assert previous == [{"secret": "s1", "expiresAt": NOW + DEFAULT_GRACE_MS}]
    previous = rotated("s2", previous, NOW + 1000, DEFAULT_GRACE_MS)
    assert [p["secret"] for p in previous] == ["s2", "s1"]


def test_expired_secrets_are_dropped_and_zero_grace_keeps_nothing():
    previous = rotated("s1", None, NOW, 1000)
    assert rotated("s2", previous, NOW + 1000, 0) is None  # s1 expired, s2 not kept


def test_at_most_five_previous_secrets_the_oldest_dropped():
    previous = None
    for i in range(8):
        previous = rotated(f"s{i}", previous, NOW + i, DEFAULT_GRACE_MS)
    assert [p["secret"] for p in previous] == ["s7", "s6", "s5", "s4", "s3"]
    assert len(previous) == MAX_PREVIOUS_SECRETS


def test_signing_secrets_open_current_then_unexpired_previous():
    current = seal_secret(BOX, "whsec_new")
    previous = [
        {"secret": seal_secret(BOX, "whsec_old"), "expiresAt": NOW + 1},
        {"secret": seal_secret(BOX, "whsec_gone"), "expiresAt": NOW},
    ]
    assert signing_secrets(BOX, current, previous, NOW) == ("whsec_new", "whsec_old")


def test_unreadable_secrets_are_left_out_not_raised():
    foreign = SecretBox("y" * 40).seal("whsec_x", "endpoint-secret")
    assert signing_secrets(BOX, foreign, None, NOW) == ()


def test_tls_columns_seal_the_key_only():
    tls = EndpointTls(client_cert="CERT", client_key="KEY", ca_cert="CA")
    columns = tls_columns(BOX, tls)
    assert columns["tls_client_cert"] == "CERT" and columns["tls_ca_cert"] == "CA"
    assert columns["tls_client_key"].startswith("enc1:") and "KEY" not in columns["tls_client_key"]
    assert endpoint_tls(BOX, "CERT", columns["tls_client_key"], "CA") == tls
    assert tls_columns(BOX, None) == dict.fromkeys(columns)
    assert endpoint_tls(BOX, None, None, None) is None
    assert "KEY" not in repr(tls)


def test_a_delivery_job_does_not_show_its_secrets():
    from hookline.types import DeliveryJob, TriggerType

    job = DeliveryJob(
        1, "app", "msg", "ep", "https://x/", ("whsec_SECRET",), {}, b"{}", 0, TriggerType.SCHEDULED
    )
    assert "whsec_SECRET" not in repr(job) and job.secrets == ("whsec_SECRET",)
