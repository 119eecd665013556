"""Why a saved webhook request does or does not verify: the decision behind `hookline verify`.

Pure: headers, body, secret and the current time in; a verdict out. The signature check itself
is `hookline.verify.verify` (the code receivers run); this module only asks it the questions in
an order that tells the causes apart:

1. missing headers, or a timestamp that is not unix seconds;
2. a secret that cannot be a key, or a signature of the other scheme (v1 vs v1a);
3. the signature against the exact body, at the request's own time (so a valid signature is
   reported as valid even when the request is stale);
4. if it fails, the same against the body as it most often gets changed on the way to a file
   (a line break added or lost at the end, line endings converted, JSON re-indented): a match
   proves the secret right and names the change;
5. otherwise the secret is wrong, or the body changed in a way that cannot be told apart
   (an HMAC does not say which);
6. and last the timestamp against the tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from hookline.verify import VerificationError, verify

REQUIRED = ("id", "timestamp", "signature")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    # One of: valid, missing_headers, bad_timestamp, bad_secret, wrong_scheme, body_changed,
    # wrong_secret, timestamp_skew. Stable: scripts may match on it (`--output json`).
    reason: str
    message: str


def _header(lowered: Mapping[str, str], name: str) -> str | None:
    return lowered.get(f"webhook-{name}") or lowered.get(f"svix-{name}")


def _valid(body: bytes, headers: Mapping[str, str], secret: str, timestamp: int) -> bool:
    try:
        verify(body, headers, secret, now=timestamp)
    except VerificationError:
        return False
    return True


def _body_variants(body: bytes) -> list[tuple[str, bytes]]:
    variants = [
        ("a line break was added at the end of the body", body.rstrip(b"\r\n")),
        ("the body lost its final line break", body + b"\n"),
        ("the body's line endings were converted (CRLF to LF)", body.replace(b"\n", b"\r\n")),
        ("the body's line endings were converted (LF to CRLF)", body.replace(b"\r\n", b"\n")),
    ]
    try:
        document = json.loads(body)
    except ValueError:
        pass
    else:
        for spacing in ((",", ":"), (", ", ": ")):
            for ascii_only in (False, True):
                text = json.dumps(document, separators=spacing, ensure_ascii=ascii_only)
                variants.append(("the JSON body was re-formatted", text.encode()))
    return [(why, variant) for why, variant in variants if variant != body]


def _schemes(signature: str) -> set[str]:
    return {entry.partition(",")[0] for entry in signature.split() if "," in entry}


def check_request(
    headers: Mapping[str, str], body: bytes, secret: str, now: float, tolerance: float
) -> Verdict:
    lowered = {name.lower(): value for name, value in headers.items()}
    missing = [f"webhook-{name}" for name in REQUIRED if not _header(lowered, name)]
    if missing:
        return Verdict(False, "missing_headers", f"missing header(s): {', '.join(missing)}")
    timestamp_text = (_header(lowered, "timestamp") or "").strip()
    if not (timestamp_text.isascii() and timestamp_text.isdigit()):
        return Verdict(
            False, "bad_timestamp", f"webhook-timestamp is not unix seconds: {timestamp_text!r}"
        )
    timestamp = int(timestamp_text)

    asymmetric = secret.startswith(("whpk_", "whsk_"))
    wanted = "v1a" if asymmetric else "v1"
    schemes = _schemes(_header(lowered, "signature") or "")
    try:
        verify(body, lowered, secret, now=timestamp)
    except VerificationError as exc:
        if str(exc) != "no valid signature for this secret":
            return Verdict(False, "bad_secret", f"the secret cannot be used: {exc}")
        if wanted not in schemes:
            given = "an Ed25519 key (whpk_/whsk_)" if asymmetric else "a whsec_ secret"
            found = ", ".join(sorted(schemes)) or "none"
            return Verdict(
                False,
                "wrong_scheme",
                f"the signature has no {wanted} entry for {given} (entries found: {found})",
            )
        for why, variant in _body_variants(body):
            if _valid(variant, lowered, secret, timestamp):
                return Verdict(False, "body_changed", f"body changed: {why} (the secret is right)")
        declared = lowered.get("content-length", "").strip()
        if declared.isdigit() and int(declared) != len(body):
            return Verdict(
                False,
                "body_changed",
                f"body changed: Content-Length says {declared} bytes, the body has {len(body)}",
            )
        return Verdict(
            False,
            "wrong_secret",
            "no signature matches this secret: wrong secret (or a body changed beyond "
            "recognition; the signature cannot tell which)",
        )

    skew = now - timestamp
    if abs(skew) > tolerance:
        direction = "old" if skew > 0 else "in the future"
        return Verdict(
            False,
            "timestamp_skew",
            f"timestamp skew: the request is {abs(skew):.0f} s {direction} (tolerance "
            f"{tolerance:g} s); the signature itself is valid",
        )
    return Verdict(True, "valid", "valid signature, timestamp within tolerance")
