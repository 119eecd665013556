"""Secrets at rest: what an attacker holding the database files (or a dump) does not get.

Endpoint signing secrets (HMAC and Ed25519), TLS client keys and application tokens must not
appear in the SQLite files (database and WAL) or in a PostgreSQL dump, in any encoding. Rows
written before encryption existed (migration 0001, plaintext) are sealed at start-up.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import trustme
from alembic import command
from alembic.config import Config
from backends import _execute, database_url, require_postgres
from server_process import TOKEN, HooklineProcess
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks.webhooks import Webhook

from hookline import ids, signing
from hookline.store.connections import async_url
from hookline.store.database import MIGRATIONS_DIR

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def encodings(raw: bytes) -> set[bytes]:
    """Every way a secret's bytes could plausibly sit in a file or a dump."""
    forms = {raw, raw.hex().encode(), raw.hex().upper().encode()}
    for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms |= {b64, b64.rstrip(b"=")}
    return forms


def secret_forms(secret: str) -> set[bytes]:
    """A whsec_/whsk_ secret as text, and its key bytes in every encoding."""
    prefix, _, body = secret.partition("_")
    raw = base64.b64decode(body)
    forms = {secret.encode(), body.encode()} | encodings(raw)
    if prefix == "whsk":
        forms |= encodings(raw[:32])  # the seed alone
    return forms


def pem_key_forms(pem: str) -> set[bytes]:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return {pem.encode(), "".join(lines).encode(), *(line.encode() for line in lines)} | encodings(
        der
    )


def token_forms(token: str) -> set[bytes]:
    return {token.encode(), token.removeprefix("hl_app_").encode()}


def leaks(blob: bytes, forms: set[bytes]) -> list[bytes]:
    return [form for form in forms if form in blob]


def database_bytes(data_dir: Path, url: str) -> bytes:
    """SQLite: the database file and its WAL (where recent writes live); PostgreSQL: a dump."""
    if not url:
        return b"".join(
            path.read_bytes()
            for path in sorted(data_dir.glob("hookline.db*"))
            if path.suffix != ".log"
        )
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--data-only", url], check=True, capture_output=True
    )
    assert b"COPY public.endpoints" in dump.stdout
    return dump.stdout


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def create_secrets(http: httpx.Client, receiver_url: str, ca: trustme.CA) -> dict[str, set[bytes]]:
    """Endpoints with every kind of secret, and an application token; returns what must not
    be found, per secret."""
    app = http.post("/api/v1/app", json={"name": "Vault", "uid": "vault"}).json()
    hmac_secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    ed_secret = signing.normalize_secret("whsk_" + base64.b64encode(os.urandom(32)).decode())
    leaf = ca.issue_cert("client@example.com")
    client_key = leaf.private_key_pem.bytes().decode()
    created = [
        http.post(
            f"/api/v1/app/{app['id']}/endpoint",
            json={"url": f"{receiver_url}/hmac", "secret": hmac_secret},
        ),
        http.post(
            f"/api/v1/app/{app['id']}/endpoint",
            json={"url": f"{receiver_url}/ed", "secret": ed_secret},
        ),
        http.post(
            f"/api/v1/app/{app['id']}/endpoint",
            json={
                "url": "https://127.0.0.1:9/mtls",
                "tls": {
                    "clientCert": leaf.cert_chain_pems[0].bytes().decode(),
                    "clientKey": client_key,
                    "caCert": ca.cert_pem.bytes().decode(),
                },
            },
        ),
    ]
    for r in created:
        assert r.status_code == 201, r.text
    generated = http.get(f"/api/v1/app/{app['id']}/endpoint/{created[2].json()['id']}/secret")
    rotated_away = http.get(f"/api/v1/app/{app['id']}/endpoint/{created[0].json()['id']}/secret")
    assert rotated_away.json()["key"] == hmac_secret
    # With idempotency keys (as the SDKs send): answers carrying secrets must not be kept.
    r = http.post(
        f"/api/v1/app/{app['id']}/endpoint/{created[0].json()['id']}/secret/rotate",
        json={},
        headers={"idempotency-key": "rotate-1"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    token = http.post(
        "/api/v1/auth/app-portal-access/vault", json={}, headers={"idempotency-key": "portal-1"}
    ).json()["token"]
    return {
        "hmac secret (now a previous one)": secret_forms(hmac_secret),
        "hmac secret after rotation": secret_forms(r.json()["key"]),
        "generated secret": secret_forms(generated.json()["key"]),
        "ed25519 key": secret_forms(ed_secret),
        "tls client key": pem_key_forms(client_key),
        "app token": token_forms(token),
    }


def test_no_secret_is_readable_in_the_database(
    start_hookline, database_url, tmp_path, receiver, ca
):
    hookline = start_hookline()
    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
        secrets = create_secrets(http, receiver.url, ca)
        # The secrets work: a delivery is signed with the current and the previous secret.
        app = "vault"
        http.post(f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {"k": 1}})
        got = receiver.wait_for(lambda reqs: any(r.path == "/hmac" for r in reqs))
    hmac_request = next(r for r in got if r.path == "/hmac")
    assert len(hmac_request.headers["webhook-signature"].split()) == 2

    running = database_bytes(tmp_path / "data", database_url)
    for what, forms in secrets.items():
        assert not leaks(running, forms), f"{what} found in the database"
    assert b"enc1:" in running  # what is there instead

    hookline.stop()
    stopped = database_bytes(tmp_path / "data", database_url)
    for what, forms in secrets.items():
        assert not leaks(stopped, forms), f"{what} found in the database after shutdown"


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # the generated key file is for SQLite
def test_sqlite_generates_a_private_key_file_and_reuses_it(start_hookline, database_url, tmp_path):
    env = {"HOOKLINE_SECRET_KEY": ""}
    first = start_hookline(env=env)
    key_file = tmp_path / "data" / "secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32
    assert f"generated into {key_file}" in first.output()
    assert key not in first.output()  # the key itself is never printed
    with httpx.Client(base_url=first.url, headers=AUTH, timeout=10) as http:
        http.post("/api/v1/app", json={"name": "K", "uid": "k"})
        secret = http.post("/api/v1/app/k/endpoint", json={"url": "http://127.0.0.1:9/"}).json()[
            "id"
        ]
        given = http.get(f"/api/v1/app/k/endpoint/{secret}/secret").json()["key"]
    first.stop()

    second = start_hookline(env=env)
    assert "generated" not in second.output()
    assert key_file.read_text().strip() == key
    with httpx.Client(base_url=second.url, headers=AUTH, timeout=10) as http:
        assert http.get(f"/api/v1/app/k/endpoint/{secret}/secret").json()["key"] == given


def test_postgresql_without_a_secret_key_refuses_to_start(postgres_template, tmp_path):
    url = postgres_template.new_database()
    for args in (("serve",), ("worker",)):
        proc = HooklineProcess(
            tmp_path / "data",
            env={"HOOKLINE_DATABASE_URL": url, "HOOKLINE_SECRET_KEY": ""},
            args=args,
        ).start(wait=False)
        assert proc.proc is not None
        assert proc.proc.wait(30) == 2
        assert "HOOKLINE_SECRET_KEY must be set" in proc.output()
        proc.stop()
    assert not (tmp_path / "data" / "secret-key").exists()


def test_a_different_secret_key_is_refused_and_the_previous_key_moves_to_a_new_one(
    start_hookline, database_url, tmp_path
):
    old_key, new_key = "old-key-" + "o" * 32, "new-key-" + "n" * 32
    first = start_hookline(env={"HOOKLINE_SECRET_KEY": old_key})
    with httpx.Client(base_url=first.url, headers=AUTH, timeout=10) as http:
        http.post("/api/v1/app", json={"name": "Keys", "uid": "keys"})
        ep = http.post("/api/v1/app/keys/endpoint", json={"url": "http://127.0.0.1:9/"}).json()
        secret = http.get(f"/api/v1/app/keys/endpoint/{ep['id']}/secret").json()["key"]
    first.stop()

    wrong = start_hookline(env={"HOOKLINE_SECRET_KEY": new_key}, wait=False)
    assert wrong.proc is not None and wrong.proc.wait(30) == 2
    assert "another HOOKLINE_SECRET_KEY" in wrong.output()

    moving = start_hookline(
        env={"HOOKLINE_SECRET_KEY": new_key, "HOOKLINE_SECRET_KEY_PREVIOUS": old_key}
    )
    moving.stop()
    moved = start_hookline(env={"HOOKLINE_SECRET_KEY": new_key})  # the old key is not needed
    with httpx.Client(base_url=moved.url, headers=AUTH, timeout=10) as http:
        assert http.get(f"/api/v1/app/keys/endpoint/{ep['id']}/secret").json()["key"] == secret


# Rows from before encryption (migration 0001)


def _upgrade_to_0001(sync_conn: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "0001")


async def _legacy_database(url: str, secret: str, receiver_url: str) -> str:
    """A database at revision 0001 holding one endpoint whose secret is plaintext."""
    engine = create_async_engine(async_url(url))
    now = int(time.time() * 1000)
    app_id, ep_id = ids.new_id(ids.APPLICATION), ids.new_id(ids.ENDPOINT)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to_0001)
            await conn.execute(
                sa.text(
                    "INSERT INTO applications (id, uid, name, metadata, created_at, updated_at) "
                    f"VALUES ('{app_id}', 'legacy', 'Legacy', '{{}}', {now}, {now})"
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO endpoints (id, app_id, url, description, disabled, secret, "
                    "metadata, headers, created_at, updated_at) VALUES "
                    f"('{ep_id}', '{app_id}', '{receiver_url}/legacy', '', false, "
                    f"'{secret}', '{{}}', '{{}}', {now}, {now})"
                )
            )
    finally:
        await engine.dispose()
    return ep_id


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        yield f"sqlite:///{tmp_path / 'data' / 'hookline.db'}"
        return
    require_postgres()
    name = f"hookline_legacy_{os.getpid()}_{time.time_ns()}"
    asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    yield database_url(name)
    asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_plaintext_secrets_from_0001_are_sealed_at_start(empty_database, tmp_path, receiver):
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    ep_id = asyncio.run(_legacy_database(empty_database, secret, receiver.url))
    url = "" if empty_database.startswith("sqlite") else empty_database
    env = {"HOOKLINE_DATABASE_URL": empty_database}
    hookline = HooklineProcess(tmp_path / "data", env=env).start()
    try:
        with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
            assert http.get(f"/api/v1/app/legacy/endpoint/{ep_id}/secret").json()["key"] == secret
            http.post("/api/v1/app/legacy/msg", json={"eventType": "a.b", "payload": {"old": 1}})
            [request] = receiver.wait_for(lambda reqs: len(reqs) == 1)
            Webhook(secret).verify(request.body, request.headers)
    finally:
        hookline.stop()
    stored = database_bytes(tmp_path / "data", url)
    assert not leaks(stored, secret_forms(secret))
    assert re.search(rb"enc1:[0-9a-f]{8}:", stored)
