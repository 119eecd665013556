"""The operator CLI as its users run it: the installed `hookline` console script, a subprocess,
against a real server on both stores; results read from `--output json` and exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from receiver import Received
from server_process import TOKEN, HooklineProcess, free_port
from svix.api import MessageAttemptListAttemptedMessagesOptions, MessageStatus
from waits import wait_until

HOOKLINE = str(Path(sys.executable).with_name("hookline"))  # the console script, as installed
# No retries, and no circuit breaker getting in the way of failures in a row.
FAIL_AT_ONCE = {"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}


def run(
    proc: HooklineProcess,
    *args: str,
    connect: bool = True,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """`hookline ARGS` with the server's own environment present (HOOKLINE_DATA_DIR,
    HOOKLINE_ADMIN_TOKEN…): a client command must not trip over a server's settings."""
    environment = proc.environment()
    environment["XDG_CONFIG_HOME"] = str(proc.data_dir / "no-config")  # no profile by chance
    if connect:
        environment.update({"HOOKLINE_URL": proc.url, "HOOKLINE_TOKEN": TOKEN})
    environment.update(env or {})
    done = subprocess.run(
        [HOOKLINE, *args], env=environment, input=stdin, capture_output=True, timeout=120
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def ok_json(proc: HooklineProcess, *args: str, **kwargs: Any) -> Any:
    done = run(proc, *args, "--output", "json", **kwargs)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def failed(done: subprocess.CompletedProcess[str], status: int, *words: str) -> str:
    """A failure is one line on stderr, with the words asked for, and never a traceback."""
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hookline: "), done.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def one_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HooklineProcess]:
    """For the tests of the CLI's own behaviour (errors, profiles, links, verify), which no
    store changes: one SQLite server for the module. The store-bound paths (resources,
    recover) run on each store."""
    proc = HooklineProcess(tmp_path_factory.mktemp("cli")).start()
    yield proc
    proc.stop()


def sdk_json(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True)


def test_resources_from_create_to_delete(hookline, receiver):
    svix = hookline.svix()
    app = ok_json(hookline, "app", "create", "Acme", "--uid", "acme", "--metadata", "tier=gold")
    assert (app["name"], app["uid"], app["metadata"]) == ("Acme", "acme", {"tier": "gold"})
    assert app == sdk_json(svix.application.get("acme"))  # the API's own fields and names

    schema = '{"type": "object", "required": ["amount"]}'
    event_type = ok_json(
        hookline,
        "event-type",
        "create",
        "invoice.paid",
        "--description",
        "Paid",
        "--schema",
        schema,
    )
    assert event_type["schemas"] == {"1": json.loads(schema)}
    endpoint = ok_json(
        hookline, "endpoint", "create", "acme", f"{receiver.url}/hook",
        "--event-type", "invoice.paid", "--description", "billing",
    )  # fmt: skip
    assert endpoint["url"] == f"{receiver.url}/hook"
    assert endpoint["eventTypes"] == ["invoice.paid"]

    sent = ok_json(hookline, "send", "acme", "invoice.paid", '{"amount": 42}', "--tag", "t1")
    assert sent["payload"] == {"amount": 42} and sent["tags"] == ["t1"]
    [delivered] = receiver.wait_for(lambda reqs: len(reqs) == 1)
    assert delivered.headers["webhook-id"] == sent["id"]
    assert json.loads(delivered.body) == {"amount": 42}

    # The payload from stdin, and from a file.
    from_stdin = ok_json(hookline, "send", "acme", "invoice.paid", "-", stdin=b'{"amount": 1}')
    payload_file = hookline.data_dir / "payload.json"
    payload_file.write_text('{"amount": 2}')
    from_file = ok_json(hookline, "send", "acme", "invoice.paid", f"@{payload_file}")
    assert (from_stdin["payload"], from_file["payload"]) == ({"amount": 1}, {"amount": 2})
    receiver.wait_for(lambda reqs: len(reqs) == 3)

    listed = ok_json(hookline, "message", "list", "acme", "--limit", "2")
    assert [m["id"] for m in listed["data"]] == [from_file["id"], from_stdin["id"]]
    assert listed["done"] is False and listed["iterator"]
    rest = ok_json(hookline, "message", "list", "acme", "--iterator", listed["iterator"])
    assert [m["id"] for m in rest["data"]] == [sent["id"]]
    assert ok_json(hookline, "message", "get", "acme", sent["id"])["payload"] == {"amount": 42}

    attempts = wait_until(
        lambda: (
            (page := ok_json(hookline, "attempt", "list", "acme", "--msg", sent["id"]))["data"]
            and page
        ),
        what="the attempt recorded",
    )
    [attempt] = attempts["data"]
    assert (attempt["status"], attempt["responseStatusCode"]) == (0, 204)
    assert attempt["endpointId"] == endpoint["id"]
    by_endpoint = ok_json(hookline, "attempt", "list", "acme", "--endpoint", endpoint["id"])
    assert attempt["id"] in [a["id"] for a in by_endpoint["data"]]
    failed_only = ok_json(
        hookline, "attempt", "list", "acme", "--endpoint", endpoint["id"], "--status", "failed"
    )
    assert failed_only["data"] == []
    one = ok_json(hookline, "attempt", "get", "acme", sent["id"], attempt["id"])
    assert one["id"] == attempt["id"] and one["url"] == f"{receiver.url}/hook"

    # resend: once more, the same message id.
    done = run(hookline, "resend", "acme", sent["id"], endpoint["id"])
    assert done.returncode == 0, done.stderr
    again = receiver.wait_for(lambda reqs: len(reqs) == 4)[-1]
    assert again.headers["webhook-id"] == sent["id"]

    # Tables for people: ids in full, whatever the width.
    table = run(hookline, "attempt", "list", "acme", "--msg", sent["id"], env={"COLUMNS": "60"})
    assert table.returncode == 0 and attempt["id"] in table.stdout and "success" in table.stdout

    updated = ok_json(hookline, "endpoint", "update", "acme", endpoint["id"], "--disabled")
    assert updated["disabled"] is True and updated["description"] == "billing"
    assert ok_json(hookline, "endpoint", "get", "acme", endpoint["id"])["disabled"] is True
    renamed = ok_json(hookline, "app", "update", "acme", "--name", "Acme Corp")
    assert (renamed["name"], renamed["metadata"]) == ("Acme Corp", {"tier": "gold"})
    archived = ok_json(hookline, "event-type", "update", "invoice.paid", "--archived")
    assert archived["archived"] is True
    names = ok_json(hookline, "event-type", "list", "--include-archived")
    assert [e["name"] for e in names["data"]] == ["invoice.paid"]
    assert ok_json(hookline, "event-type", "list")["data"] == []

    assert ok_json(hookline, "endpoint", "delete", "acme", endpoint["id"])["ok"] is True
    failed(run(hookline, "endpoint", "get", "acme", endpoint["id"]), 1, "404")
    assert run(hookline, "app", "delete", "acme").returncode == 0
    failed(run(hookline, "app", "get", "acme"), 1, "404", "not_found")


def test_failures_are_one_line_and_an_exit_status(one_server):
    hookline = one_server
    # The server refused: 1.
    failed(run(hookline, "app", "get", "app_nope"), 1, "404 not_found")
    failed(run(hookline, "app", "list", "--token", "wrong"), 1, "401", "--token")
    ok_json(hookline, "app", "create", "Errors", "--uid", "errors")
    failed(run(hookline, "endpoint", "create", "errors", "not a url"), 1, "422")
    failed(run(hookline, "send", "errors", "a.b", "[1, 2]"), 2, "must be a JSON object")
    # The command line is unusable: 2.
    failed(run(hookline, "send", "errors", "a.b", "{oops"), 2, "not valid JSON")
    failed(run(hookline, "app", "list", connect=False), 2, "no server", "HOOKLINE_URL")
    failed(run(hookline, "app", "list", "--profile", "nope"), 2, "no profile 'nope'")
    failed(run(hookline, "app", "update", "errors", "--metadata", "novalue"), 2, "KEY=VALUE")
    failed(run(hookline, "attempt", "list", "errors"), 2, "--msg")
    failed(run(hookline, "recover", "errors", "ep_x", "--since", "last week"), 2, "--since")
    # Nobody listening: 3.
    closed = f"http://127.0.0.1:{free_port()}"
    failed(run(hookline, "app", "list", "--server", closed), 3, "cannot reach", closed)
    # Not the API: a page that is not the API's JSON.
    failed(run(hookline, "app", "list", "--server", f"{hookline.url}/ui"), 1)


def test_client_commands_ignore_the_servers_settings(one_server):
    hookline = one_server
    # The shell's server settings are unusable for a server, and no business of a client.
    broken = {"HOOKLINE_RETRY_SCHEDULE": "soon", "HOOKLINE_DATABASE_URL": "mysql://x"}
    assert "data" in ok_json(hookline, "app", "list", env=broken)
    failed(run(hookline, "migrate", env=broken), 2, "configuration error")


def test_profiles_name_the_server_and_token(one_server, tmp_path):
    hookline = one_server
    config = tmp_path / "config"
    (config / "hookline").mkdir(parents=True)
    (config / "hookline" / "profiles.toml").write_text(
        f'default = "here"\n\n[profiles.here]\nserver = "{hookline.url}"\ntoken = "{TOKEN}"\n\n'
        f'[profiles.badtoken]\nserver = "{hookline.url}"\ntoken = "wrong"\n'
    )
    env = {"XDG_CONFIG_HOME": str(config)}
    ok_json(hookline, "app", "create", "Profiled", "--uid", "profiled", connect=False, env=env)
    by_default = ok_json(hookline, "app", "get", "profiled", connect=False, env=env)
    assert by_default["name"] == "Profiled"
    named = ok_json(hookline, "app", "get", "profiled", "--profile", "here", connect=False, env=env)
    assert named["name"] == "Profiled"
    failed(run(hookline, "app", "list", "--profile", "badtoken", connect=False, env=env), 1, "401")
    # A --token given beats the profile's.
    given = run(
        hookline, "app", "list", "--profile", "badtoken", "--token", TOKEN, connect=False, env=env
    )
    assert given.returncode == 0, given.stderr


def test_portal_prints_a_link_that_opens_once(one_server):
    hookline = one_server
    ok_json(hookline, "app", "create", "Portal", "--uid", "portal")
    done = run(hookline, "portal", "portal")
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert link.startswith(f"{hookline.url}/portal/open#code=")
    access = ok_json(hookline, "portal", "portal", "--read-only")
    assert access["url"].startswith(f"{hookline.url}/portal/open#code=") and access["token"]
    assert access["url"] != link
    failed(run(hookline, "portal", "app_nope"), 1, "404")
    # The token works for that application's commands, and for no other.
    own = ok_json(hookline, "endpoint", "list", "portal", "--token", access["token"])
    assert own["data"] == []
    failed(run(hookline, "app", "list", "--token", access["token"]), 1, "403")


def saved(request: Received, body: bytes | None = None, drop: str = "") -> bytes:
    """The request as a receiver would save it: request line, header lines, blank line, body."""
    lines = [f"POST {request.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.header_lines if name != drop]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (request.body if body is None else body)


def test_verify_says_why_a_captured_request_fails(one_server, receiver, tmp_path):
    hookline = one_server
    ok_json(hookline, "app", "create", "Verify", "--uid", "verify")
    endpoint = ok_json(hookline, "endpoint", "create", "verify", f"{receiver.url}/in")
    ok_json(hookline, "send", "verify", "a.b", '{"text": "gr\\u00fc\\u00dfe", "n": 1}')
    [request] = receiver.wait_for(lambda reqs: len(reqs) == 1)
    secret = run(hookline, "endpoint", "secret", "verify", endpoint["id"]).stdout.strip()
    assert secret.startswith("whsec_")
    sent_at = int(request.headers["webhook-timestamp"])
    capture = tmp_path / "request.txt"
    capture.write_bytes(saved(request))

    def check(raw: bytes, *args: str) -> tuple[int, dict[str, Any]]:
        done = run(
            hookline, "verify", "--secret", secret, "--at", str(sent_at + 5), "-o", "json", *args,
            connect=False, stdin=raw,
        )  # fmt: skip
        return done.returncode, json.loads(done.stdout)

    assert check(saved(request)) == (
        0,
        {"valid": True, "reason": "valid", "detail": "valid signature, timestamp within tolerance"},
    )
    status, verdict = check(b"", str(capture))  # a file argument instead of stdin
    assert (status, verdict["reason"]) == (0, "valid")
    # Each way to fail, with its reason.
    other = "whsec_" + "b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmchIQ=="
    cases = {
        "wrong_secret": (saved(request), ("--secret", other)),
        "body_changed": (saved(request, request.body + b"\n"), ()),
        "missing_headers": (saved(request, drop="webhook-signature"), ()),
        "timestamp_skew": (saved(request), ("--at", str(sent_at + 3600))),
    }
    for reason, (raw, extra) in cases.items():
        status, verdict = check(raw, *extra)
        assert (status, verdict["reason"], verdict["valid"]) == (1, reason, False), verdict
    # For people: one line that says it.
    stale = run(
        hookline, "verify", "--secret", secret, "--at", str(sent_at + 3600),
        connect=False, stdin=saved(request),
    )  # fmt: skip
    failed(stale, 1, "timestamp skew", "3600 s old", "the signature itself is valid")
    valid = run(hookline, "verify", "--secret", secret, connect=False, stdin=saved(request))
    assert valid.returncode == 0 and valid.stdout.startswith("valid:")
    failed(run(hookline, "verify", "--secret", secret, connect=False, stdin=b"junk"), 2)


def test_recover_and_replay_follow_their_tasks(start_hookline, receiver):
    hookline = start_hookline(env=FAIL_AT_ONCE)
    receiver.respond_with(lambda _n, _r: (500, b"down", {}, 0.0))
    svix = hookline.svix()
    ok_json(hookline, "app", "create", "Recover", "--uid", "rec")
    endpoint = ok_json(hookline, "endpoint", "create", "rec", f"{receiver.url}/down")
    sent = [ok_json(hookline, "send", "rec", "a.b", json.dumps({"n": n}))["id"] for n in (1, 2)]

    def failed_for_good() -> list[str]:
        options = MessageAttemptListAttemptedMessagesOptions(status=MessageStatus.FAIL)
        page = svix.message_attempt.list_attempted_messages("rec", endpoint["id"], options)
        return [m.id for m in page.data]

    wait_until(lambda: sorted(failed_for_good()) == sorted(sent), what="both failed for good")
    receiver.respond_with(lambda _n, _r: (204, b"", {}, 0.0))

    task = ok_json(hookline, "recover", "rec", endpoint["id"], "--since", "1h")
    assert (task["task"], task["status"], task["data"]) == (
        "endpoint.recover",
        "finished",
        {"messagesQueued": 2},
    )
    redelivered = receiver.wait_for(lambda reqs: len(reqs) == 4)[2:]
    assert sorted(r.headers["webhook-id"] for r in redelivered) == sorted(sent)
    assert ok_json(hookline, "task", "get", task["id"]) == task

    # A late endpoint gets what was published before it existed; the summary for people.
    late = ok_json(hookline, "endpoint", "create", "rec", f"{receiver.url}/late")
    done = run(hookline, "replay", "rec", late["id"], "--since", "2026-01-01T00:00:00Z")
    assert done.returncode == 0, done.stderr
    assert "finished: 2 message(s) queued" in done.stdout
    receiver.wait_for(lambda reqs: sum(r.path == "/late" for r in reqs) == 2)
    # Without following: the task as the server first answered.
    started = ok_json(hookline, "recover", "rec", endpoint["id"], "--since", "1h", "--wait", "0")
    assert started["task"] == "endpoint.recover" and "data" not in started


@pytest.mark.parametrize("command", [("serve", "--help"), ("stats", "rebuild", "--help")])
def test_the_server_commands_keep_their_options(command, tmp_path):
    proc = HooklineProcess(tmp_path / "data")
    done = run(proc, *command, connect=False)
    assert done.returncode == 0
    for option in {"serve": ("--host", "--port", "--no-worker"), "stats": ("--since",)}[command[0]]:
        assert option in done.stdout


def test_the_version_is_printed(tmp_path):
    done = run(HooklineProcess(tmp_path / "data"), "--version", connect=False)
    assert done.returncode == 0 and done.stdout.startswith("hookline ")


def test_migrate_shows_each_revision_it_applies_then_nothing_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
    env["HOOKLINE_DATA_DIR"] = str(tmp_path / "fresh")

    def migrate() -> list[str]:
        done = subprocess.run(
            [HOOKLINE, "migrate"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    first = migrate()
    applied = [line for line in first if line.startswith("applied ")]
    total = len(applied)
    assert total >= 18
    assert applied[0].startswith(f"applied 0001 (1 of {total}): Initial schema")
    assert applied[-1].startswith(f"applied {total:04d} ({total} of {total})")
    assert first[-1] == f"database is up to date ({total} migrations applied)"
    assert migrate() == ["database is up to date"]
