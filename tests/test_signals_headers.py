"""Header sets that do not fit the claimed browser (issue 3, server side).

The browser header sets below were captured on this machine from plain, headed browsers
under Xvfb (fresh profiles, no automation): Chromium 156 and Firefox ESR 153 (with the
Debian uBlock Origin package loaded, and with privacy.resistFingerprinting). "solve"
sets are a same-origin ``fetch()`` JSON POST from a page, exactly how the challenge page
posts its solution; "navigation" sets are the page load. Host: 127.0.0.1 (trustworthy).
"""

from __future__ import annotations

import pytest

from humangate.signals import CHECKS, Strength, Verdict, Verdicts, assess, header_verdicts
from humangate.signals.headers import (
    NAVIGATION_HEADERS,
    _mismatch,
    claimed_engine,
    header_mismatch,
)

HOST = "127.0.0.1:40839"
CHROMIUM_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
SAFARI_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Safari/605.1.15"
)
CHROMIUM_SOLVE = [
    ("host", HOST),
    ("connection", "keep-alive"),
    ("content-length", "1157"),
    ("sec-ch-ua-platform", '"Linux"'),
    ("user-agent", CHROMIUM_UA),
    ("sec-ch-ua", '"Not:A-Brand";v="8", "Chromium";v="156"'),
    ("content-type", "application/json"),
    ("sec-ch-ua-mobile", "?0"),
    ("accept", "*/*"),
    ("origin", f"http://{HOST}"),
    ("sec-fetch-site", "same-origin"),
    ("sec-fetch-mode", "cors"),
    ("sec-fetch-dest", "empty"),
    ("referer", f"http://{HOST}/page"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
]
CHROMIUM_NAVIGATION = [
    ("host", HOST),
    ("connection", "keep-alive"),
    ("sec-ch-ua", '"Not:A-Brand";v="8", "Chromium";v="156"'),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", '"Linux"'),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", CHROMIUM_UA),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,"
        "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    ),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
]
# Firefox ESR 153 with uBlock Origin; with resistFingerprinting the set is identical
# (RFP keeps Linux in the UA and sends the same Accept-Language here).
FIREFOX_SOLVE = [
    ("host", HOST),
    ("user-agent", FIREFOX_UA),
    ("accept", "*/*"),
    ("accept-language", "en-US,en;q=0.9"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("referer", f"http://{HOST}/page"),
    ("content-type", "application/json"),
    ("content-length", "966"),
    ("origin", f"http://{HOST}"),
    ("connection", "keep-alive"),
    ("sec-fetch-dest", "empty"),
    ("sec-fetch-mode", "cors"),
    ("sec-fetch-site", "same-origin"),
    ("priority", "u=4"),
]
FIREFOX_NAVIGATION = [
    ("host", HOST),
    ("user-agent", FIREFOX_UA),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "en-US,en;q=0.9"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("connection", "keep-alive"),
    ("upgrade-insecure-requests", "1"),
    ("sec-fetch-dest", "document"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-site", "none"),
    ("sec-fetch-user", "?1"),
    ("priority", "u=0, i"),
]
# python-requests' defaults with a browser's User-Agent and a JSON body.
REQUESTS_SOLVE = [
    ("host", HOST),
    ("user-agent", CHROMIUM_UA),
    ("accept-encoding", "gzip, deflate"),
    ("accept", "*/*"),
    ("connection", "keep-alive"),
    ("content-type", "application/json"),
    ("content-length", "80"),
]
NEW_SERVER_CHECKS = (
    "header_ch_ua_missing",
    "header_ch_ua_unexpected",
    "header_fetch_metadata",
    "header_browser_set",
)


def judge(
    headers: list[tuple[str, str]],
    *,
    solve: bool = True,
    scheme: str = "http",
    host: str = HOST,
    drop: tuple[str, ...] = (),
    **changes: str,
) -> Verdicts:
    """header_verdicts over ``headers`` with some names dropped or replaced (case-blind)."""
    given = {k.lower(): v for k, v in headers if k.lower() not in drop}
    given.update({k.replace("_", "-"): v for k, v in changes.items()})
    return header_verdicts(given.get, given.get("user-agent", ""), scheme, host, solve=solve)


def failed(verdicts: Verdicts) -> set[str]:
    return {name for name, verdict in verdicts.items() if verdict is Verdict.FAIL}


def test_the_new_checks_are_in_the_catalogue_with_their_strength() -> None:
    assert CHECKS["header_ch_ua_unexpected"].strength is Strength.HARD
    assert CHECKS["header_fetch_metadata"].strength is Strength.HARD
    assert CHECKS["header_ch_ua_missing"].strength is Strength.SOFT
    assert CHECKS["header_browser_set"].strength is Strength.SOFT


@pytest.mark.parametrize(
    ("headers", "solve"),
    [
        (CHROMIUM_SOLVE, True),
        (FIREFOX_SOLVE, True),
        (CHROMIUM_NAVIGATION, False),
        (FIREFOX_NAVIGATION, False),
    ],
    ids=["chromium-solve", "firefox-solve", "chromium-navigation", "firefox-navigation"],
)
def test_real_browser_header_sets_pass(headers: list[tuple[str, str]], solve: bool) -> None:
    verdicts = judge(headers, solve=solve)
    assert failed(verdicts) == set()
    outcome = assess(verdicts)
    assert outcome.score == 99 and outcome.js_passed


def test_real_browsers_are_judged_by_the_new_checks_not_skipped() -> None:
    chromium = judge(CHROMIUM_SOLVE)
    assert chromium["header_ch_ua_missing"] is Verdict.PASS
    assert chromium["header_fetch_metadata"] is Verdict.PASS
    assert chromium["header_browser_set"] is Verdict.PASS
    assert chromium["header_ch_ua_unexpected"] is Verdict.NA  # claims Chromium: n/a
    firefox = judge(FIREFOX_SOLVE)
    assert firefox["header_ch_ua_unexpected"] is Verdict.PASS
    assert firefox["header_fetch_metadata"] is Verdict.PASS
    assert firefox["header_browser_set"] is Verdict.PASS
    assert firefox["header_ch_ua_missing"] is Verdict.NA


def test_the_navigation_is_not_judged_by_solve_only_checks() -> None:
    # humangate.risk judges the challenged request itself: a navigation must stay clean.
    for headers in (CHROMIUM_NAVIGATION, FIREFOX_NAVIGATION):
        verdicts = judge(headers, solve=False)
        assert verdicts["header_fetch_metadata"] is Verdict.NA
        assert verdicts["header_browser_set"] is Verdict.NA


# -- Chromium UA without client hints ----------------------------------------------------


def test_chromium_ua_without_client_hints_is_a_soft_doubt_on_trustworthy_origins() -> None:
    stripped = judge(CHROMIUM_SOLVE, drop=("sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"))
    assert failed(stripped) == {"header_ch_ua_missing"}
    outcome = assess(stripped)
    assert outcome.js_passed and outcome.soft == ("header_ch_ua_missing",)
    https = judge(CHROMIUM_SOLVE, scheme="https", host="example.com", drop=("sec-ch-ua",))
    assert https["header_ch_ua_missing"] is Verdict.FAIL
    localhost = judge(CHROMIUM_SOLVE, host="localhost:8000", drop=("sec-ch-ua",))
    assert localhost["header_ch_ua_missing"] is Verdict.FAIL


@pytest.mark.parametrize(
    ("user_agent", "scheme", "host"),
    [
        # Plain http to a public host: Chromium sends no client hints there.
        (CHROMIUM_UA, "http", "example.com"),
        # Chrome 88 and older sent none by default.
        (CHROMIUM_UA.replace("Chrome/156", "Chrome/88"), "https", "example.com"),
        # Android WebViews and in-app browsers: not judged.
        (
            "Mozilla/5.0 (Linux; Android 14; K; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Version/4.0 Chrome/156.0.0.0 Mobile Safari/537.36",
            "https",
            "example.com",
        ),
        # Chrome on iOS is WebKit: no "Chrome/" token, no client hints.
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/156.0.0.0 Mobile/15E148 Safari/604.1",
            "https",
            "example.com",
        ),
    ],
    ids=["insecure-origin", "chrome-88", "android-webview", "chrome-ios"],
)
def test_missing_client_hints_not_judged(user_agent: str, scheme: str, host: str) -> None:
    headers = [("user-agent", user_agent), ("sec-fetch-site", "same-origin")]
    assert judge(headers, scheme=scheme, host=host)["header_ch_ua_missing"] is Verdict.NA


# -- client hints from a browser claiming another engine ---------------------------------


@pytest.mark.parametrize("user_agent", [FIREFOX_UA, SAFARI_UA])
def test_client_hints_under_a_firefox_or_safari_ua_fail_hard(user_agent: str) -> None:
    # Playwright's Chromium with a Firefox/Safari user_agent: the hints still come.
    verdicts = judge(CHROMIUM_SOLVE, user_agent=user_agent)
    assert verdicts["header_ch_ua_unexpected"] is Verdict.FAIL
    assert not assess(verdicts).js_passed
    # Any one of the low-entropy hints is enough.
    only_platform = judge(FIREFOX_SOLVE, sec_ch_ua_platform='"Linux"')
    assert only_platform["header_ch_ua_unexpected"] is Verdict.FAIL
    assert judge(FIREFOX_SOLVE, user_agent=user_agent)["header_ch_ua_unexpected"] is Verdict.PASS


def test_claimed_engine() -> None:
    assert claimed_engine(CHROMIUM_UA) == "chrome"
    assert claimed_engine(CHROMIUM_UA + " Edg/156.0.0.0") == "chrome"
    assert claimed_engine(FIREFOX_UA) == "firefox"
    assert claimed_engine(SAFARI_UA) == "webkit"
    firefox_ios = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) FxiOS/140.0 Mobile/15E148 Safari/605.1.15"
    )
    assert claimed_engine(firefox_ios) == "webkit"
    assert claimed_engine(CHROMIUM_UA.replace("Chrome/", "HeadlessChrome/")) == "chrome"
    ipad_desktop = SAFARI_UA.replace("Version/18.0", "Version/17.4")
    assert claimed_engine(ipad_desktop) == "webkit"
    # A custom UA naming no browser (a kiosk's embedded Chromium): not judged.
    assert claimed_engine("Kiosk/2.1 AppleWebKit/537.36 (KHTML, like Gecko)") is None
    assert claimed_engine("curl/8.5.0") is None
    assert claimed_engine("") is None


# -- Sec-Fetch-* values on the solve POST ------------------------------------------------


def test_a_navigation_header_set_on_the_solve_post_fails_hard() -> None:
    # An HTTP client that copies a browser's navigation headers onto its POST.
    replayed = judge(CHROMIUM_NAVIGATION, content_type="application/json")
    assert replayed["header_fetch_metadata"] is Verdict.FAIL
    assert not assess(replayed).js_passed
    assert judge(FIREFOX_NAVIGATION)["header_fetch_metadata"] is Verdict.FAIL


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("sec-fetch-site", "none"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-mode", "no-cors"),
        ("sec-fetch-dest", "document"),
        ("sec-fetch-user", "?1"),
    ],
)
def test_each_impossible_fetch_metadata_value_fails(name: str, value: str) -> None:
    headers = [(k, v) for k, v in CHROMIUM_SOLVE if k != name] + [(name, value)]
    assert judge(headers)["header_fetch_metadata"] is Verdict.FAIL


def test_fetch_metadata_absent_or_partial() -> None:
    absent = judge(CHROMIUM_SOLVE, drop=("sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"))
    assert absent["header_fetch_metadata"] is Verdict.NA  # header_sec_fetch judges absence
    assert absent["header_sec_fetch"] is Verdict.FAIL
    # A proxy dropping some of them: the rest still must fit.
    partial = judge(CHROMIUM_SOLVE, drop=("sec-fetch-dest",))
    assert partial["header_fetch_metadata"] is Verdict.PASS
    assert judge(CHROMIUM_SOLVE, sec_fetch_mode="same-origin")["header_fetch_metadata"] is (
        Verdict.PASS
    )
    # Case and whitespace are not held against anyone.
    assert judge(CHROMIUM_SOLVE, sec_fetch_site=" Same-Origin")["header_fetch_metadata"] is (
        Verdict.PASS
    )


# -- an HTTP library's header set under a browser UA ---------------------------------------


def test_an_http_library_header_set_is_only_soft_doubts() -> None:
    verdicts = judge(REQUESTS_SOLVE)
    assert failed(verdicts) == {"header_sec_fetch", "header_ch_ua_missing", "header_browser_set"}
    outcome = assess(verdicts)
    # Soft only: such a client never gets here without running the page (no verdicts
    # means every page check failed); these doubts are for proxies that strip headers.
    assert outcome.js_passed and outcome.score == 39


@pytest.mark.parametrize("missing", ["origin", "accept-language"])
def test_origin_and_accept_language_are_expected_on_the_solve_post(missing: str) -> None:
    assert judge(CHROMIUM_SOLVE, drop=(missing,))["header_browser_set"] is Verdict.FAIL
    assert judge(FIREFOX_SOLVE, drop=(missing,))["header_browser_set"] is Verdict.FAIL
    # Accept-Encoding is not required: antivirus proxies are known to mangle it.
    assert judge(CHROMIUM_SOLVE, drop=("accept-encoding",))["header_browser_set"] is Verdict.PASS
    # An opaque origin ("null") is still an Origin header.
    assert judge(CHROMIUM_SOLVE, origin="null")["header_browser_set"] is Verdict.PASS


def test_plain_http_test_clients_stay_neutral() -> None:
    # tests/support.py's WSGIClient: a Chrome UA over http to "testserver", no browser
    # headers. Nothing new may fail there, or every gate-flow test would need a click.
    verdicts = judge([("user-agent", CHROMIUM_UA)], host="testserver")
    assert {verdicts[name] for name in NEW_SERVER_CHECKS} <= {Verdict.NA, Verdict.PASS}
    assert failed(verdicts) == set()


# -- platform hints: Android's desktop modes ---------------------------------------------


def test_android_hints_with_a_desktop_linux_ua_are_a_person_in_desktop_mode() -> None:
    # Chrome's "Desktop site" and WebView browsers that set only a desktop UA string.
    verdicts = judge(CHROMIUM_SOLVE, sec_ch_ua_platform='"Android"', sec_ch_ua_mobile="?1")
    assert verdicts["header_ch_ua_platform"] is Verdict.PASS
    windows_ua = CHROMIUM_UA.replace("X11; Linux x86_64", "Windows NT 10.0; Win64; x64")
    wrong = judge(CHROMIUM_SOLVE, user_agent=windows_ua, sec_ch_ua_platform='"Android"')
    assert wrong["header_ch_ua_platform"] is Verdict.FAIL
    chromeos = CHROMIUM_UA.replace("X11; Linux x86_64", "X11; CrOS x86_64 14541.0.0")
    assert (
        judge(CHROMIUM_SOLVE, user_agent=chromeos, sec_ch_ua_platform='"Chromium OS"')[
            "header_ch_ua_platform"
        ]
        is Verdict.PASS
    )


# -- header_mismatch: the navigation verdicts, remembered per distinct header set ------

MISMATCH_CASES = [
    (CHROMIUM_NAVIGATION, "https", HOST),
    (CHROMIUM_NAVIGATION, "http", "example.com"),
    (FIREFOX_NAVIGATION, "https", "example.com"),
    (REQUESTS_SOLVE, "https", "example.com"),
    ([("user-agent", "HeadlessChrome/156")], "http", HOST),
    ([("user-agent", FIREFOX_UA), ("sec-ch-ua", '"Chromium";v="156"')], "http", HOST),
    ([("user-agent", SAFARI_UA), ("sec-ch-ua-mobile", "?0")], "https", "example.com"),
    ([("user-agent", CHROMIUM_UA), ("sec-ch-ua-platform", '"Windows"')], "https", HOST),
    ([("user-agent", CHROMIUM_UA), ("sec-ch-ua", '"Chromium";v="99"')], "https", HOST),
    ([("user-agent", CHROMIUM_UA)], "https", "example.com"),
]


@pytest.mark.parametrize(("headers", "scheme", "host"), MISMATCH_CASES)
def test_header_mismatch_reads_only_the_navigation_headers(
    headers: list[tuple[str, str]], scheme: str, host: str
) -> None:
    # header_mismatch remembers its answers by NAVIGATION_HEADERS' values: a check that
    # read another header would be judged on a stale answer. This fails if one does.
    given = dict(headers)
    asked: set[str] = set()

    def header(name: str) -> str | None:
        asked.add(name)
        return given.get(name)

    header_verdicts(header, given.get("user-agent", ""), scheme, host)
    assert asked <= set(NAVIGATION_HEADERS)


@pytest.mark.parametrize(("headers", "scheme", "host"), MISMATCH_CASES)
def test_header_mismatch_is_any_failed_navigation_verdict(
    headers: list[tuple[str, str]], scheme: str, host: str
) -> None:
    given = dict(headers)
    user_agent = given.get("user-agent", "")
    expected = bool(failed(header_verdicts(given.get, user_agent, scheme, host, solve=False)))
    for _ in range(2):  # judged, then remembered: the same answer
        assert header_mismatch(given.get, user_agent, scheme, host) is expected


def test_a_remembered_answer_follows_each_judged_header() -> None:
    base = dict(CHROMIUM_NAVIGATION)
    assert header_mismatch(base.get, CHROMIUM_UA, "https", HOST) is False
    stripped = {k: v for k, v in base.items() if k != "sec-ch-ua"}
    assert header_mismatch(stripped.get, CHROMIUM_UA, "https", HOST) is True
    headless = {**base, "sec-ch-ua": '"HeadlessChrome";v="156"'}
    assert header_mismatch(headless.get, CHROMIUM_UA, "https", HOST) is True
    assert header_mismatch(base.get, CHROMIUM_UA, "https", HOST) is False


def test_long_header_sets_are_judged_but_not_remembered() -> None:
    _mismatch.cache_clear()
    long_ua = CHROMIUM_UA + " x" * 1000
    given = {"user-agent": long_ua}
    assert header_mismatch(given.get, long_ua, "https", "example.com") is True
    assert _mismatch.cache_info().currsize == 0
    header_mismatch(given.get, CHROMIUM_UA, "https", "example.com")
    assert _mismatch.cache_info().currsize == 1
