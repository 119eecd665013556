"""Reading a saved HTTP request (as `curl -v`, a proxy or a receiver's log writes it) into
its headers and its exact body bytes, for `hookline verify`. Pure: bytes in, parts out."""

from __future__ import annotations

from dataclasses import dataclass


class UnreadableRequest(ValueError):
    """The text is not an HTTP request: no header block, or a malformed header line."""


@dataclass(frozen=True)
class SavedRequest:
    request_line: str  # "POST /hook HTTP/1.1", or "" when the file starts with the headers
    headers: dict[str, str]  # names lowered; a repeated header keeps its last value
    body: bytes


def parse_saved_request(raw: bytes) -> SavedRequest:
    """Split `raw` at the first blank line. The body is kept byte for byte: a signature covers
    the exact bytes, so nothing after the blank line is decoded, stripped or normalised.

    The header block may end in CRLF (as on the wire) or LF (as an editor saves it); the
    request line is optional, so a file of just headers + body works too."""
    crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        head, body = raw[:crlf], raw[crlf + 4 :]
    elif lf != -1:
        head, body = raw[:lf], raw[lf + 2 :]
    else:
        raise UnreadableRequest("no blank line between the headers and the body")
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    request_line = ""
    if lines and ":" not in lines[0].split(" ", 1)[0] and " " in lines[0]:
        request_line = lines.pop(0).strip()
    headers: dict[str, str] = {}
    for number, line in enumerate(lines, start=2 if request_line else 1):
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or name != name.strip():
            raise UnreadableRequest(f"line {number} is not a header line: {line[:60]!r}")
        headers[name.lower()] = value.strip()
    return SavedRequest(request_line, headers, body)
