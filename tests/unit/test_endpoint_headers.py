import pytest

from hookline.endpoint_headers import header_problem, header_problems, patched, split_sensitive

ACCEPTED = [
    ("X-Tenant", "t-42"),
    ("User-Agent", "Acme-Hooks/1.0 (+https://acme.example)"),
    ("Authorization", "Bearer abc.def"),
    ("x!#$%&'*+-.^_`|~9", "v"),
    ("X-Tab", "a\tb c"),
    ("X-Empty", ""),
    ("X-Visible", "".join(chr(c) for c in range(0x21, 0x7F))),
    ("X-Long", "v" * 4096),
    ("N" * 256, "v"),
]

REFUSED = [
    # names: RFC 9110 tokens
    ("Bad Name", "v", "HTTP token"),
    ("", "v", "HTTP token"),
    ("X-Ünï", "v", "HTTP token"),
    ("X:Colon", "v", "HTTP token"),
    ("N" * 257, "v", "HTTP token"),
    # set by Hookline
    ("webhook-id", "msg_x", "Standard Webhooks"),
    ("Webhook-Timestamp", "1", "Standard Webhooks"),
    ("WEBHOOK-SIGNATURE", "v1,forged", "Standard Webhooks"),
    ("svix-signature", "v1,forged", "Standard Webhooks"),
    # would misdescribe the body
    ("Content-Type", "text/plain", "describes the body"),
    ("Content-Length", "1", "describes the body"),
    ("Content-Encoding", "gzip", "describes the body"),
    ("Transfer-Encoding", "chunked", "describes the body"),
    # the connection, not the message
    ("Host", "evil.example", "hop-by-hop"),
    ("Connection", "close", "hop-by-hop"),
    ("Keep-Alive", "timeout=5", "hop-by-hop"),
    ("TE", "trailers", "hop-by-hop"),
    ("Trailer", "X", "hop-by-hop"),
    ("Upgrade", "websocket", "hop-by-hop"),
    ("Proxy-Authorization", "Basic x", "hop-by-hop"),
    ("Expect", "100-continue", "hop-by-hop"),
    # values: visible ASCII, space and tab
    ("X-Injected", "a\r\nX-Evil: 1", "RFC 9110 field value"),
    ("X-LF", "a\nb", "RFC 9110 field value"),
    ("X-Nul", "a\x00", "RFC 9110 field value"),
    ("X-Bell", "\x07", "RFC 9110 field value"),
    ("X-Del", "a\x7f", "RFC 9110 field value"),
    ("X-NEL", "a\x85b", "RFC 9110 field value"),
    ("X-LS", "a\u2028b", "RFC 9110 field value"),
    ("X-Latin1", "caf\u00e9", "RFC 9110 field value"),
    ("X-Emoji", "\U0001f600", "RFC 9110 field value"),
    ("X-Lead", " v", "start or end with a space"),
    ("X-Trail", "v\t", "start or end with a space"),
    ("X-Blank", " ", "start or end with a space"),
    ("X-Long", "v" * 4097, "longer than 4096"),
]


@pytest.mark.parametrize(("name", "value"), ACCEPTED)
def test_accepted(name, value):
    assert header_problem(name, value) is None


@pytest.mark.parametrize(("name", "value", "rule"), REFUSED)
def test_refused_with_the_header_and_the_rule_named(name, value, rule):
    problem = header_problem(name, value)
    assert problem is not None
    assert rule in problem
    assert repr(name) in problem


def test_names_differing_only_in_case_are_one_header():
    assert header_problems({"X-A": "1", "x-a": "2"}) == [
        "headers 'X-A' and 'x-a' are the same header (names ignore case)"
    ]
    assert header_problems({"X-A": "1", "X-B": "2"}) == []


def test_sensitive_values_are_held_back_whatever_the_case_of_their_names():
    shown, sensitive = split_sensitive(
        {
            "X-Tenant": "42",
            "AUTHORIZATION": "Bearer s",
            "x-auth-token": "t",
            "WWW-Authenticate": "w",
        }
    )
    assert shown == {"X-Tenant": "42"}
    assert sensitive == ["AUTHORIZATION", "WWW-Authenticate", "x-auth-token"]
    assert split_sensitive({}) == ({}, [])


@pytest.mark.parametrize(
    ("current", "given", "removed", "result"),
    [
        ({"X-A": "1"}, {"X-B": "2"}, (), {"X-A": "1", "X-B": "2"}),
        ({"X-A": "1"}, {"x-a": "2"}, (), {"x-a": "2"}),  # replaced, in the new spelling
        ({"X-A": "1", "X-B": "2"}, {}, ("x-b",), {"X-A": "1"}),
        ({"X-A": "1"}, {"X-A": "3"}, ("X-A",), {"X-A": "3"}),  # given wins over removed
        ({"X-A": "1"}, {}, ("X-Missing",), {"X-A": "1"}),
    ],
    ids=["add", "replace-any-case", "remove-any-case", "given-wins", "remove-missing"],
)
def test_patched_headers(current, given, removed, result):
    assert patched(current, given, removed) == result
