"""The pages' pure parts: sign-in throttle, CSRF checks, redirects after sign-in, cookies,
security headers, template filters, path dispatch and the Overview's arithmetic."""

from __future__ import annotations

import pytest

from hookline.stat_buckets import LATENCY_BUCKETS, Period, SeriesWindow
from hookline.store.statistics import AttemptSeries
from hookline.ui import csrf
from hookline.ui.areas import DASHBOARD, Area, area_for
from hookline.ui.security_headers import page_headers
from hookline.ui.session_cookies import is_secure, set_cookie_header
from hookline.ui.sign_in_throttle import SignInThrottle
from hookline.ui.templating import percent, pretty_json, relative_time
from hookline.ui.views.overview import SPANS, summarise, window_ending
from hookline.ui.views.sign_in import safe_next
from hookline.web_app import is_page_path, single_leading_slash


def test_the_throttle_refuses_an_address_after_its_failures_until_they_age_out() -> None:
    throttle = SignInThrottle(max_failures=3, window_seconds=60)
    for t in (0.0, 1.0, 2.0):
        assert throttle.retry_after("10.0.0.1", t) == 0
        throttle.failed("10.0.0.1", t)
    assert throttle.retry_after("10.0.0.1", 3.0) == pytest.approx(57.0)
    assert throttle.retry_after("10.0.0.2", 3.0) == 0  # another address is not affected
    assert throttle.retry_after("10.0.0.1", 60.5) == 0  # the first failure has aged out
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1", 3.0) == 0


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"origin": "http://127.0.0.1:8071"}, True),
        ({"origin": "HTTP://127.0.0.1:8071"}, True),
        ({"origin": "http://127.0.0.1:8072"}, False),
        ({"origin": "null"}, False),
        ({"origin": "http://evil.example", "sec-fetch-site": "same-origin"}, False),
        ({"sec-fetch-site": "same-origin"}, True),
        ({"sec-fetch-site": "cross-site"}, False),
        ({}, False),
    ],
    ids=["same", "case", "other-port", "null", "origin-wins", "fetch-site", "cross-site", "none"],
)
def test_state_changes_must_come_from_the_public_origin(
    headers: dict[str, str], allowed: bool
) -> None:
    origin = csrf.origin_of("http://127.0.0.1:8071/prefix")
    assert csrf.same_origin(headers, origin) is allowed


def test_csrf_tokens_are_compared_whole() -> None:
    assert csrf.token_matches("abc", "abc")
    assert not csrf.token_matches("ab", "abc")
    assert not csrf.token_matches(None, "abc")


@pytest.mark.parametrize(
    ("target", "goes_to"),
    [
        ("/ui/apps?q=x", "/ui/apps?q=x"),
        ("/ui", "/ui"),
        ("/uix", "/ui"),
        ("//evil.example/ui", "/ui"),
        ("/\\evil.example", "/ui"),
        ("https://evil.example/ui", "/ui"),
        ("", "/ui"),
        (None, "/ui"),
    ],
    ids=["page", "start", "lookalike", "scheme-relative", "backslash", "absolute", "empty", "none"],
)
def test_after_sign_in_only_pages_of_the_area(target: str | None, goes_to: str) -> None:
    assert safe_next(target, "/ui") == goes_to


def test_the_session_cookie() -> None:
    header = set_cookie_header("hookline_ui", "v", 60, secure=True)
    for part in ("hookline_ui=v", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=60", "Secure"):
        assert part in header
    assert "Secure" not in set_cookie_header("hookline_ui", "v", 60, secure=False)
    assert is_secure("https://hooks.example.com", "http")
    assert is_secure("http://127.0.0.1:8071", "https")
    assert not is_secure("http://127.0.0.1:8071", "http")


def test_frame_ancestors_belong_to_the_area() -> None:
    portal = Area(
        kind="portal",
        prefix="/portal",
        title="Portal",
        cookie="hookline_portal",
        sign_in_path="/portal/expired",
        public_paths=frozenset(),
        nav=(),
        frame_ancestors="https://app.example.com",
    )
    assert area_for([DASHBOARD, portal], "/portal/x") is portal
    assert area_for([DASHBOARD, portal], "/uiother") is None
    dashboard = dict(page_headers(DASHBOARD))
    assert b"frame-ancestors 'none'" in dashboard[b"content-security-policy"]
    assert dashboard[b"x-frame-options"] == b"DENY"
    framed = dict(page_headers(portal))
    assert b"frame-ancestors https://app.example.com" in framed[b"content-security-policy"]
    assert b"x-frame-options" not in framed
    assert b"unsafe-inline" not in framed[b"content-security-policy"]


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/ui", True),
        ("/ui/apps", True),
        ("/uix", False),
        ("/portal/a", True),
        ("/assets/x", True),
        ("/api/v1/app", False),
        ("/docs", False),
        ("/assetsx", False),
    ],
    ids=["ui", "ui-below", "ui-lookalike", "portal", "assets", "api", "docs", "assets-lookalike"],
)
def test_requests_go_to_the_pages_or_the_api(path: str, page: bool) -> None:
    assert is_page_path(path) is page


@pytest.mark.parametrize(
    ("path", "read_as"),
    [
        ("//api/v1/app", "/api/v1/app"),  # the JS SDK with a serverUrl ending in "/"
        ("///api/v1/app", "/api/v1/app"),
        ("//ui", "/ui"),
        ("/api/v1/app", "/api/v1/app"),
        ("/api//v1", "/api//v1"),  # only the leading run
        ("/", "/"),
        ("//", "/"),
    ],
)
def test_a_path_is_read_with_one_leading_slash(path: str, read_as: str) -> None:
    assert single_leading_slash(path) == read_as


def test_relative_times() -> None:
    now = 1_000_000_000
    assert relative_time(None) == "never"
    assert relative_time(now - 2000, now) == "just now"
    assert relative_time(now - 90_000, now) == "1 minute ago"
    assert relative_time(now - 3 * 3_600_000, now) == "3 hours ago"
    assert relative_time(now + 2 * 86_400_000, now) == "in 2 days"


def test_json_is_pretty_printed_and_text_left_alone() -> None:
    assert pretty_json(b'{"a":[1]}') == '{\n  "a": [\n    1\n  ]\n}'
    assert pretty_json("<not json>") == "<not json>"
    assert percent(1, 3) == "33.3%"
    assert percent(0, 0) == "–"
    assert percent(999_999, 1_000_000) == "99.9%"  # never rounded up to a perfect score


def test_overview_summary() -> None:
    window = SeriesWindow(Period.FIVE_MINUTES, 600_000, 3)
    fast = tuple(10 if i == 0 else 0 for i in range(LATENCY_BUCKETS))  # 10 attempts <= 5 ms
    empty = (0,) * LATENCY_BUCKETS
    summary = summarise(AttemptSeries(window, (10, 0, 0), (0, 0, 0), (fast, empty, empty)))
    assert (summary.succeeded, summary.failed) == (10, 0)
    assert summary.p50_ms == pytest.approx(2.5)
    assert summary.chart["t"] == [600, 900, 1200]
    assert summary.chart["p50"][1] is None


def test_spans_end_with_the_bucket_holding_now() -> None:
    window = window_ending(SPANS["hour"], now=3_600_000 + 1)
    assert window.points == 12
    assert window.index(3_600_000) == 11
