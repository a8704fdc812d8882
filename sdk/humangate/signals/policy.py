"""The "na" policy: when an unavailable check is a doubt, and who is no browser at all.

A check reports "na" when the API it needs is missing. Privacy modes really do that for
some checks (no WebGL, blocked workers, spoofed client hints), so "na" stays neutral
there. The checks below need nothing a privacy mode removes: every browser of the
claimed engine runs them (the privacy e2e browsers included), so their "na" is what a
client that did not run them sends, and it is a doubt. A User-Agent naming no browser
engine is never a person's browser: a hard failure.
"""

from __future__ import annotations

from collections.abc import Mapping

from humangate.signals.headers import browser_major, claimed_engine
from humangate.signals.verdicts import Verdict, Verdicts

# Plain property reads and descriptor checks on the page's own objects.
_EVERY_ENGINE = frozenset(
    {
        "webdriver",
        "headless_ua",
        "outer_size_zero",
        "ua_match",
        "navigator_own_props",
        "error_name_descriptor",
        "div_offset_height",
        "automation_globals",
        "iframe_content_window",
    }
)
_CHROMIUM = frozenset({"cdp_stack_getter", "cdp_prepare_stack", "chrome_object"})
_CHROMIUM_89 = frozenset({"webdriver_descriptor"})
_FIREFOX = frozenset({"ua_data_engine"})


def always_run(user_agent: str) -> frozenset[str]:
    """The page checks a browser claiming ``user_agent`` never reports as "na"."""
    engine = claimed_engine(user_agent)
    if engine == "chrome":
        major = browser_major(user_agent)
        newer = major is not None and major[1] >= 89
        return _EVERY_ENGINE | _CHROMIUM | (_CHROMIUM_89 if newer else frozenset())
    if engine == "firefox":
        return _EVERY_ENGINE | _FIREFOX
    if engine == "webkit":
        return _EVERY_ENGINE
    return frozenset()


def policy_verdicts(page: Mapping[str, Verdict], user_agent: str) -> Verdicts:
    """``browser_ua`` and ``unexpected_na`` for the page's verdicts."""
    if claimed_engine(user_agent) is None:
        return {"browser_ua": Verdict.FAIL, "unexpected_na": Verdict.NA}
    missing = [name for name in always_run(user_agent) if page.get(name) is Verdict.NA]
    return {
        "browser_ua": Verdict.PASS,
        "unexpected_na": Verdict.FAIL if missing else Verdict.PASS,
    }
