"""Signal verdicts, server-side header checks and the bot score (humangate.signals)."""

from __future__ import annotations

import pytest

from humangate.signals import (
    CHECKS,
    PAGE_CHECKS,
    Strength,
    Verdict,
    assess,
    header_verdicts,
    parse_verdicts,
    passing_signals,
    primary_language,
)

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CH_UA = '"Chromium";v="130", "Not?A_Brand";v="99"'


def headers(**values: str) -> dict[str, str]:
    return {k.replace("_", "-"): v for k, v in values.items()}


def judge(user_agent: str, scheme: str = "http", host: str = "127.0.0.1:8000", **h: str):  # type: ignore[no-untyped-def]
    given = headers(**h)
    return header_verdicts(given.get, user_agent, scheme, host)


def test_missing_required_verdicts_fail_so_a_client_cannot_pass_by_sending_less() -> None:
    verdicts = parse_verdicts({"webdriver": "pass"}, PAGE_CHECKS)
    assert verdicts["webdriver"] is Verdict.PASS
    assert all(verdicts[name] is Verdict.FAIL for name in PAGE_CHECKS if name != "webdriver")
    assert assess(verdicts).hard


def test_malformed_and_unknown_verdicts() -> None:
    verdicts = parse_verdicts(
        {"webdriver": True, "headless_ua": "maybe", "made_up": "fail", "cdp_worker": "na"},
        ("webdriver", "headless_ua"),
    )
    assert verdicts == {
        "webdriver": Verdict.FAIL,  # not a verdict string: treated as missing
        "headless_ua": Verdict.FAIL,
        "cdp_worker": Verdict.NA,
    }


def test_unavailable_apis_are_neutral() -> None:
    # Privacy tools and other engines make APIs unavailable: "na" never costs points.
    verdicts = parse_verdicts(dict.fromkeys(PAGE_CHECKS, "na"), PAGE_CHECKS)
    outcome = assess(verdicts)
    assert outcome.hard == () and outcome.soft == () and outcome.score == 99
    assert outcome.js_passed


def test_score_bands() -> None:
    clean = assess(parse_verdicts(passing_signals(), PAGE_CHECKS))
    assert (clean.score, clean.js_passed, clean.uncertain) == (99, True, False)
    soft = assess({"lang_match": Verdict.FAIL, "chrome_object": Verdict.FAIL})
    assert soft.hard == () and soft.soft == ("chrome_object", "lang_match")
    assert soft.score == 59 and soft.js_passed and soft.uncertain
    many_soft = assess(dict.fromkeys(("lang_match", "chrome_object", "outer_size_zero",
                                      "notification_permission"), Verdict.FAIL))  # fmt: skip
    assert many_soft.score == 30  # doubtful, but still above the "automated" band
    hard = assess({"webdriver": Verdict.FAIL, "lang_match": Verdict.FAIL})
    assert hard.hard == ("webdriver",) and not hard.js_passed and 1 <= hard.score <= 9
    worst = assess(dict.fromkeys(PAGE_CHECKS, Verdict.FAIL))
    assert worst.score == 1


# Checks that compare two contexts of the same browser and never judge the value itself
# (no WebGL or software WebGL is normal; only page != Worker is a doubt, and a soft one).
CONSISTENCY_ONLY = {"worker_renderer_consistent"}


def test_never_penalised_properties_are_not_checks() -> None:
    # automation-detection.md §3: environmental properties of real people's machines.
    banned = ("webgl", "gpu", "screen", "font", "media", "device", "memory", "concurrency",
              "timezone", "voices", "canvas", "audio")  # fmt: skip
    for name, check in CHECKS.items():
        assert not any(word in name for word in banned), name
        if name in CONSISTENCY_ONLY:
            assert name.endswith("_consistent") and check.strength is Strength.SOFT, name
            continue
        assert not any(word in check.about.lower() for word in ("webgl", "font")), name


def test_passing_signals_cover_every_client_check() -> None:
    assert set(passing_signals()) == set(PAGE_CHECKS)
    assert passing_signals(webdriver=True)["webdriver"] == "fail"


def test_hard_and_soft_split_follows_the_reference() -> None:
    for name in ("webdriver", "headless_worker_ua", "automation_globals", "cdp_worker",
                 "native_to_string", "worker_consistent", "ua_match", "interaction"):  # fmt: skip
        assert CHECKS[name].strength is Strength.HARD, name
    for name in ("lang_match", "notification_permission", "chrome_object", "pointer_plausible",
                 "interaction_time", "header_sec_fetch"):  # fmt: skip
        assert CHECKS[name].strength is Strength.SOFT, name


# -- server side (H7) -------------------------------------------------------------------


def test_real_chrome_headers_pass() -> None:
    verdicts = judge(
        CHROME,
        sec_ch_ua=CH_UA,
        sec_ch_ua_platform='"Linux"',
        sec_fetch_site="same-origin",
        sec_fetch_mode="cors",
    )
    assert Verdict.FAIL not in verdicts.values()
    # Only the checks about other engines, or the solve request, have nothing to judge.
    not_judged = {n for n, v in verdicts.items() if v is Verdict.NA}
    assert not_judged == {"header_ch_ua_unexpected", "header_fetch_metadata", "header_browser_set"}


def test_headless_chrome_in_user_agent_or_client_hints() -> None:
    assert judge(CHROME.replace("Chrome/", "HeadlessChrome/"))["header_headless"] is Verdict.FAIL
    hinted = judge(CHROME, sec_ch_ua='"HeadlessChrome";v="130"')
    assert hinted["header_headless"] is Verdict.FAIL


def test_spoofed_user_agent_contradicts_client_hints() -> None:
    # Playwright's user_agent option changes the UA but not Sec-CH-UA's real version.
    spoofed = CHROME.replace("Chrome/130", "Chrome/120")
    assert judge(spoofed, sec_ch_ua=CH_UA)["header_ch_ua_major"] is Verdict.FAIL
    # Stealth kits claim Windows in the hints while the UA says Linux (or vice versa).
    windows = judge(CHROME, sec_ch_ua=CH_UA, sec_ch_ua_platform='"Windows"')
    assert windows["header_ch_ua_platform"] is Verdict.FAIL


def test_brand_list_alone_is_not_a_signal() -> None:
    # Distro Chromium and Playwright's build send no "Google Chrome" brand: fine.
    assert judge(CHROME, sec_ch_ua=CH_UA)["header_ch_ua_major"] is Verdict.PASS
    branded = '"Google Chrome";v="130", "Chromium";v="130", "Not_A Brand";v="24"'
    assert judge(CHROME, sec_ch_ua=branded)["header_ch_ua_major"] is Verdict.PASS


def test_sec_fetch_required_only_where_browsers_send_it() -> None:
    assert judge(CHROME)["header_sec_fetch"] is Verdict.FAIL  # localhost: Chrome sends it
    assert judge(CHROME, "https", "example.com")["header_sec_fetch"] is Verdict.FAIL
    # Plain http to a public host: browsers send neither Sec-Fetch-* nor client hints.
    plain = judge(CHROME, "http", "example.com")
    assert plain["header_sec_fetch"] is Verdict.NA and plain["header_ch_ua_major"] is Verdict.NA
    old = CHROME.replace("Chrome/130", "Chrome/70")
    assert judge(old, "https", "example.com")["header_sec_fetch"] is Verdict.NA


def test_firefox_has_no_client_hints_and_is_not_penalised() -> None:
    verdicts = judge(FIREFOX, sec_fetch_site="same-origin", sec_fetch_mode="cors")
    assert verdicts["header_ch_ua_major"] is Verdict.NA
    assert verdicts["header_ch_ua_platform"] is Verdict.NA
    assert verdicts["header_sec_fetch"] is Verdict.PASS


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en-us"),
        ("de;q=0.8", "de"),
        ("", ""),
        (None, ""),
    ],
)
def test_primary_language(header: str | None, expected: str) -> None:
    assert primary_language(header) == expected
