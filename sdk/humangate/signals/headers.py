"""Server-side request checks (H7): do the headers fit the browser they claim to be?

Only consistency between headers is judged, never their values as identity. Sec-CH-UA
and Sec-Fetch-* are sent by browsers only to potentially trustworthy origins (https,
localhost), so their absence elsewhere is "na", not a failure.

Two kinds of check live here:

- request-agnostic ones (any request a browser makes: the challenged navigation, the
  solve POST): headless markers, client hints vs the User-Agent, Sec-Fetch-* presence;
- solve-only ones (``solve=True``): what the challenge page's own ``fetch()`` POST
  always carries (Sec-Fetch values of a same-origin fetch, Origin, Accept-Language).
  Judged only on the solve request, because a navigation legitimately looks different.

Header sets measured from plain Chromium 156 and Firefox ESR 153 (no automation, fresh
profiles) are in tests/test_signals_headers.py; both pass every check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

from humangate.signals.verdicts import Verdict, Verdicts

_CHROME = re.compile(r"\b(?:Chrome|Chromium|HeadlessChrome)/(\d+)")
_FIREFOX = re.compile(r"\bFirefox/(\d+)")
# Safari ("Version/18.0 Safari/...") or any iOS browser (CriOS, FxiOS, EdgiOS: WebKit).
_SAFARI_OR_IOS = re.compile(r"\bVersion/\d[\d.]*(?: Mobile/\w+)? Safari/|\b(?:iPhone|iPad|iPod)\b")
_BRAND = re.compile(r'"([^"]*)";\s*v="(\d+)"')
# Sec-Fetch-* shipped in Chrome 76 and Firefox 90; older versions are not judged.
_SEC_FETCH_SINCE = {"chrome": 80, "firefox": 90}
# Sec-CH-UA is sent by default (to trustworthy origins) since Chrome 89.
_CLIENT_HINTS_SINCE = 89
_CLIENT_HINT_HEADERS = ("sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform")
# In-app and mobile browsers (Android WebViews in particular) may be built without, or
# have apps that switch off, client hints: their absence is only judged on desktop UAs.
_MOBILE = re.compile(r"Android|Mobile|; wv\)")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_PLATFORMS = {
    "windows": ("Windows",),
    "macos": ("Macintosh", "Mac OS X"),
    "linux": ("Linux", "X11"),
    # Android's "desktop site" modes (Chrome's, and WebView browsers that set only a
    # desktop UA string) send an X11/Linux User-Agent with Android's client hints.
    "android": ("Android", "Linux"),
    "chrome os": ("CrOS",),
    "chromium os": ("CrOS",),
    "ios": ("iPhone", "iPad"),
}
# What the challenge page's fetch() POST carries: same origin, CORS mode, no destination.
# A navigation (mode "navigate", dest "document", site "none", Sec-Fetch-User) never
# posts the solution; HTTP clients that copy a browser's navigation headers do.
_SOLVE_FETCH = {
    "sec-fetch-site": ("same-origin",),
    "sec-fetch-mode": ("cors", "same-origin"),
    "sec-fetch-dest": ("empty",),
}

Header = Callable[[str], str | None]
Engine = Literal["chrome", "firefox", "webkit"]


def browser_major(user_agent: str) -> tuple[str, int] | None:
    """("chrome" | "firefox", major version) for the engines judged here."""
    if match := _CHROME.search(user_agent):
        return "chrome", int(match.group(1))
    if match := _FIREFOX.search(user_agent):
        return "firefox", int(match.group(1))
    return None


def claimed_engine(user_agent: str) -> Engine | None:
    """The engine family the User-Agent claims: Chromium, Gecko or (other) WebKit.

    WebKit covers Safari and every iOS browser (CriOS, FxiOS, EdgiOS are WebKit there):
    none of them implements client hints. A custom UA naming none of these is None.
    """
    if engine := browser_major(user_agent):
        return "chrome" if engine[0] == "chrome" else "firefox"
    if _SAFARI_OR_IOS.search(user_agent):
        return "webkit"
    return None


def trustworthy(scheme: str, host: str) -> bool:
    """Whether browsers send client hints and Sec-Fetch-* to this origin."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return scheme == "https" or name in _LOCAL_HOSTS or name.endswith(".localhost")


def header_verdicts(
    header: Header, user_agent: str, scheme: str, host: str, *, solve: bool = False
) -> Verdicts:
    """Verdicts for a request's headers (see checks.py, source SERVER).

    ``solve`` marks the challenge page's solve POST: only then are the solve-only checks
    judged (otherwise they are "na").
    """
    ch_ua = header("sec-ch-ua")
    engine = browser_major(user_agent)
    secure = trustworthy(scheme, host)
    verdicts: Verdicts = {
        "header_headless": _fail_if(
            "HeadlessChrome" in user_agent or "HeadlessChrome" in (ch_ua or "")
        ),
        "header_ch_ua_major": Verdict.NA,
        "header_ch_ua_platform": Verdict.NA,
        "header_ch_ua_missing": _ch_ua_missing(ch_ua, user_agent, secure),
        "header_ch_ua_unexpected": _ch_ua_unexpected(header, user_agent),
        "header_sec_fetch": Verdict.NA,
        "header_fetch_metadata": _fetch_metadata(header) if solve else Verdict.NA,
        "header_browser_set": Verdict.NA,
    }
    if engine and engine[0] == "chrome" and ch_ua:
        majors = {int(v) for brand, v in _BRAND.findall(ch_ua) if "Brand" not in brand}
        # Brand lists differ by vendor (Chromium, Google Chrome, Edge...); only the
        # version must agree with the User-Agent.
        if majors:
            verdicts["header_ch_ua_major"] = _fail_if(engine[1] not in majors)
        platform = (header("sec-ch-ua-platform") or "").strip('" ').lower()
        if platform in _PLATFORMS:
            tokens = _PLATFORMS[platform]
            verdicts["header_ch_ua_platform"] = _fail_if(not any(t in user_agent for t in tokens))
    if engine and secure and engine[1] >= _SEC_FETCH_SINCE[engine[0]]:
        verdicts["header_sec_fetch"] = _fail_if(
            header("sec-fetch-site") is None or header("sec-fetch-mode") is None
        )
        if solve:
            # Every such browser's fetch() POST carries Origin and Accept-Language; HTTP
            # libraries send neither by default. Judged where Sec-Fetch-* is (so plain
            # HTTP test clients stay neutral), and only as a doubt: privacy proxies may
            # strip Accept-Language.
            verdicts["header_browser_set"] = _fail_if(
                not header("origin") or header("accept-language") is None
            )
    return verdicts


# What header_verdicts reads when it is not judging a solve (a test holds it to this).
NAVIGATION_HEADERS = (
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "sec-fetch-site",
    "sec-fetch-mode",
)
# Requests whose judged values are longer than this are judged afresh, not remembered:
# the cache's memory stays bounded whatever the headers hold.
_REMEMBERED_CHARS = 1024


def header_mismatch(header: Header, user_agent: str, scheme: str, host: str) -> bool:
    """Whether any of header_verdicts' checks fails for a request that is not a solve.

    The answer depends only on these values, and a flood sends the same ones again and
    again: each distinct set is judged once.
    """
    return navigation_mismatch(tuple(map(header, NAVIGATION_HEADERS)), user_agent, scheme, host)


def navigation_mismatch(
    values: tuple[str | None, ...], user_agent: str, scheme: str, host: str
) -> bool:
    """:func:`header_mismatch` given the values of :data:`NAVIGATION_HEADERS`, in order
    (what ``Request.header_values`` reads in one call)."""
    if len(user_agent) + len(host) + sum(map(len, filter(None, values))) > _REMEMBERED_CHARS:
        return _mismatch.__wrapped__(user_agent, scheme, host, values)
    return _mismatch(user_agent, scheme, host, values)


@lru_cache(maxsize=1024)
def _mismatch(user_agent: str, scheme: str, host: str, values: tuple[str | None, ...]) -> bool:
    given = dict(zip(NAVIGATION_HEADERS, values, strict=True))
    verdicts = header_verdicts(given.get, user_agent, scheme, host)
    return Verdict.FAIL in verdicts.values()


def _ch_ua_missing(ch_ua: str | None, user_agent: str, secure: bool) -> Verdict:
    """A desktop Chromium >= 89 UA on a trustworthy origin without Sec-CH-UA.

    Real Chromium browsers send it on every request there (measured: navigation, fetch,
    images). Only a doubt (soft): a Firefox user with a "Chrome" UA-switcher extension,
    an enterprise proxy or an extension stripping the hints look the same.
    """
    match = _CHROME.search(user_agent)
    if not match or not secure or int(match.group(1)) < _CLIENT_HINTS_SINCE:
        return Verdict.NA
    if _MOBILE.search(user_agent):
        return Verdict.NA
    return _fail_if(ch_ua is None)


def _ch_ua_unexpected(header: Header, user_agent: str) -> Verdict:
    """Client hints from a browser claiming Firefox or Safari: neither implements them.

    Only a Chromium engine sends Sec-CH-UA*, so such a request lies about its engine
    (Playwright's Chromium with a Firefox/Safari user agent, stealth kits). A Chrome
    user whose UA-switcher extension rewrites the UA but not the hints looks the same,
    as they already do for header_ch_ua_major/platform.
    """
    if claimed_engine(user_agent) not in ("firefox", "webkit"):
        return Verdict.NA
    return _fail_if(any(header(name) is not None for name in _CLIENT_HINT_HEADERS))


def _fetch_metadata(header: Header) -> Verdict:
    """Sec-Fetch-* values the challenge page's same-origin fetch() POST never has."""
    values = {name: header(name) for name in _SOLVE_FETCH}
    if all(value is None for value in values.values()) and header("sec-fetch-user") is None:
        return Verdict.NA  # not sent at all: header_sec_fetch's business
    wrong = any(
        value is not None and value.strip().lower() not in _SOLVE_FETCH[name]
        for name, value in values.items()
    )
    return _fail_if(wrong or header("sec-fetch-user") is not None)


def primary_language(accept_language: str | None) -> str:
    """The first language tag of Accept-Language, lower-cased ("" when absent)."""
    if not accept_language:
        return ""
    return accept_language.split(",")[0].split(";")[0].strip().lower()


def _fail_if(condition: bool) -> Verdict:
    return Verdict.FAIL if condition else Verdict.PASS
