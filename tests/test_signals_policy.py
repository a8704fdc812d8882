"""The "na" policy: unavailable is neutral only where real browsers are unavailable."""

from __future__ import annotations

from humangate.signals import PAGE_CHECKS, assess, parse_verdicts, passing_signals
from humangate.signals.policy import always_run, policy_verdicts
from humangate.signals.verdicts import Verdict

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Safari/605.1.15"
)


def _page(**overrides: str) -> dict[str, Verdict]:
    raw = {k: v for k, v in passing_signals().items() if k in PAGE_CHECKS}
    raw.update(overrides)
    return parse_verdicts(raw, PAGE_CHECKS)


def test_a_clean_browser_has_no_doubt() -> None:
    for ua in (CHROME, FIREFOX, SAFARI):
        assert policy_verdicts(_page(), ua) == {
            "browser_ua": Verdict.PASS,
            "unexpected_na": Verdict.PASS,
        }


def test_na_for_a_check_the_claimed_engine_always_runs_is_a_doubt() -> None:
    verdicts = policy_verdicts(_page(cdp_stack_getter="na"), CHROME)
    assert verdicts["unexpected_na"] is Verdict.FAIL
    assessment = assess({**_page(cdp_stack_getter="na"), **verdicts})
    assert not assessment.hard and assessment.soft == ("unexpected_na",) and assessment.score < 99


def test_all_na_is_a_doubt_for_every_engine() -> None:
    for ua in (CHROME, FIREFOX, SAFARI):
        everything_na = _page(**dict.fromkeys(PAGE_CHECKS, "na"))
        assert policy_verdicts(everything_na, ua)["unexpected_na"] is Verdict.FAIL


def test_na_stays_neutral_where_privacy_modes_return_it() -> None:
    # No Worker (blocked), no WebGL, no high-entropy client hints, no SharedWorker.
    privacy = _page(
        worker_consistent="na", headless_worker_ua="na", cdp_worker="na",
        worker_renderer_consistent="na", shared_worker_consistent="na",
        ua_data_hints_consistent="na", ua_data_blank="na", notification_permission="na",
    )  # fmt: skip
    for ua in (CHROME, FIREFOX):
        assert policy_verdicts(privacy, ua)["unexpected_na"] is Verdict.PASS


def test_a_chromium_only_check_is_not_expected_of_firefox() -> None:
    assert "cdp_stack_getter" not in always_run(FIREFOX)
    assert policy_verdicts(_page(cdp_stack_getter="na"), FIREFOX)["unexpected_na"] is Verdict.PASS


def test_a_non_browser_user_agent_never_scores_as_a_person() -> None:
    for ua in ("python-httpx/0.27", "curl/8.5.0", "", "Go-http-client/1.1"):
        verdicts = policy_verdicts(_page(), ua)
        assert verdicts["browser_ua"] is Verdict.FAIL
        assessment = assess({**_page(), **verdicts})
        assert assessment.hard == ("browser_ua",) and assessment.score < 30
