"""Server-side request checks (H7): do the headers fit the browser they claim to be?

Only consistency between headers is judged, never their values as identity. Sec-CH-UA
and Sec-Fetch-* are sent by browsers only to potentially trustworthy origins (https,
localhost), so their absence elsewhere is "na", not a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from humangate.signals.verdicts import Verdict, Verdicts

_CHROME = re.compile(r"\b(?:Chrome|Chromium|HeadlessChrome)/(\d+)")
_FIREFOX = re.compile(r"\bFirefox/(\d+)")
_BRAND = re.compile(r'"([^"]*)";\s*v="(\d+)"')
# Sec-Fetch-* shipped in Chrome 76 and Firefox 90; older versions are not judged.
_SEC_FETCH_SINCE = {"chrome": 80, "firefox": 90}
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_PLATFORMS = {
    "windows": ("Windows",),
    "macos": ("Macintosh", "Mac OS X"),
    "linux": ("Linux", "X11"),
    "android": ("Android",),
    "chrome os": ("CrOS",),
    "ios": ("iPhone", "iPad"),
}

Header = Callable[[str], str | None]


def browser_major(user_agent: str) -> tuple[str, int] | None:
    """("chrome" | "firefox", major version) for the engines judged here."""
    if match := _CHROME.search(user_agent):
        return "chrome", int(match.group(1))
    if match := _FIREFOX.search(user_agent):
        return "firefox", int(match.group(1))
    return None


def trustworthy(scheme: str, host: str) -> bool:
    """Whether browsers send client hints and Sec-Fetch-* to this origin."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return scheme == "https" or name in _LOCAL_HOSTS or name.endswith(".localhost")


def header_verdicts(header: Header, user_agent: str, scheme: str, host: str) -> Verdicts:
    """Verdicts for the solve request's headers (see checks.py, source SERVER)."""
    ch_ua = header("sec-ch-ua")
    engine = browser_major(user_agent)
    secure = trustworthy(scheme, host)
    verdicts: Verdicts = {
        "header_headless": _fail_if(
            "HeadlessChrome" in user_agent or "HeadlessChrome" in (ch_ua or "")
        ),
        "header_ch_ua_major": Verdict.NA,
        "header_ch_ua_platform": Verdict.NA,
        "header_sec_fetch": Verdict.NA,
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
    return verdicts


def primary_language(accept_language: str | None) -> str:
    """The first language tag of Accept-Language, lower-cased ("" when absent)."""
    if not accept_language:
        return ""
    return accept_language.split(",")[0].split(";")[0].strip().lower()


def _fail_if(condition: bool) -> Verdict:
    return Verdict.FAIL if condition else Verdict.PASS
