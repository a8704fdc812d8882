"""Chromium driven over CDP (humangate.signals.cdp, humangate.challenges.cdp): the
server's judgement of the page's raw evidence.

The evidence samples are what js/src/cdp.js reported in bench/cdp_signals.py runs: a real
mouse moved by xdotool, patchright's ``locator.click()`` and nodriver's
``Element.mouse_click()`` on Chromium 156 under Xvfb.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from humangate.challenges import get_step
from humangate.challenges.protocol import Submission
from humangate.crypto.tickets import Ticket
from humangate.levels import Level
from humangate.signals import CHECKS, Strength, assess
from humangate.signals.cdp import (
    ACTIVATION_CHECKS,
    AUDIT_COOKIE_PREFIX,
    activation_verdicts,
    audit_cookie,
    audit_verdict,
)
from humangate.signals.verdicts import Verdict
from tests.conftest import BROWSER_UA

FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
REAL_MOUSE = {
    "kind": "pointer", "type": "mouse", "pressure": 0.5, "buttons": 1, "size": [1, 1],
    "seen": True, "fraction": False, "dpr": 1, "moves": 5,
}  # fmt: skip
PATCHRIGHT = {**REAL_MOUSE, "fraction": True, "moves": 1}
NODRIVER = {**REAL_MOUSE, "pressure": 0, "seen": False, "fraction": True, "moves": 0}


def ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id="0123456789abcdef01234567", seed="a" * 64, difficulty=4, level=Level.MANAGED,
        client_ip="198.51.100.7", ua_hash="", expires_at=2_000_000_000, target="/",
        ray="r", probe="b" * 32, issued_at=1_999_999_000,
    )  # fmt: skip
    return replace(base, **changes)


def failed(verdicts: dict[str, Verdict]) -> set[str]:
    return {name for name, verdict in verdicts.items() if verdict is Verdict.FAIL}


def test_the_checks_are_catalogued_one_hard_the_rest_soft() -> None:
    for name in ("cdp_audit_ping", *ACTIVATION_CHECKS):
        assert name in CHECKS
    hard = {
        n for n in ("cdp_audit_ping", *ACTIVATION_CHECKS) if CHECKS[n].strength is Strength.HARD
    }
    assert hard == {"cdp_press_synthetic"}


def test_a_real_mouse_press_passes_everything() -> None:
    verdicts = activation_verdicts(REAL_MOUSE, BROWSER_UA)
    assert set(verdicts) == set(ACTIVATION_CHECKS)
    assert failed(verdicts) == set()


def test_patchright_click_is_only_a_doubt() -> None:
    verdicts = activation_verdicts(PATCHRIGHT, BROWSER_UA)
    assert failed(verdicts) == {"cdp_press_fraction"}
    assert assess(verdicts).hard == ()


def test_nodriver_click_is_a_hard_failure() -> None:
    verdicts = activation_verdicts(NODRIVER, BROWSER_UA)
    assert failed(verdicts) == {
        "cdp_press_pressure", "cdp_press_unseen", "cdp_press_fraction", "cdp_press_synthetic",
    }  # fmt: skip
    assert assess(verdicts).hard == ("cdp_press_synthetic",)


@pytest.mark.parametrize(
    "evidence",
    [
        {**NODRIVER, "pressure": 0.5},  # a press where no pointer was: a doubt only
        {**NODRIVER, "seen": True},  # pressure 0 after a hover: a doubt only
    ],
)
def test_one_mark_alone_is_never_hard(evidence: dict[str, object]) -> None:
    assert assess(activation_verdicts(evidence, BROWSER_UA)).hard == ()


def test_fractions_only_count_at_pixel_ratio_one() -> None:
    assert failed(activation_verdicts({**PATCHRIGHT, "dpr": 1.25}, BROWSER_UA)) == set()


@pytest.mark.parametrize(
    ("evidence", "user_agent"),
    [
        ({"kind": "key"}, BROWSER_UA),  # keyboard activation: never judged
        ({"kind": "none"}, BROWSER_UA),
        ({}, BROWSER_UA),  # nothing sent (an older page, a plugin's own button)
        ({**NODRIVER, "type": "touch"}, BROWSER_UA),
        ({**NODRIVER, "type": "pen"}, BROWSER_UA),
        ({**NODRIVER, "size": [0, 0]}, BROWSER_UA),  # a desktop screen reader's virtual click
        (NODRIVER, ANDROID_UA),  # TalkBack's double tap: a pressure-0 "mouse" without hover
    ],
)
def test_keyboard_assistive_technology_and_touch_are_not_judged(
    evidence: dict[str, object], user_agent: str
) -> None:
    verdicts = activation_verdicts(evidence, user_agent)
    assert set(verdicts.values()) == {Verdict.NA}


@pytest.mark.parametrize(
    "evidence",
    [
        {**NODRIVER, "pressure": "0", "buttons": "1"},
        {**NODRIVER, "pressure": False, "buttons": True},
        {**NODRIVER, "pressure": None, "seen": "no", "fraction": 1, "dpr": "1"},
        {**REAL_MOUSE, "size": "0,0", "moves": "x"},
    ],
)
def test_malformed_evidence_never_raises_nor_hard_fails(evidence: dict[str, object]) -> None:
    verdicts = activation_verdicts(evidence, BROWSER_UA)
    assert verdicts["cdp_press_synthetic"] is not Verdict.FAIL


def test_audit_cookie_is_per_ticket_and_keyed_by_the_sealed_seed() -> None:
    name, value = audit_cookie(ticket())
    assert name == AUDIT_COOKIE_PREFIX + "0123456789ab"
    assert len(value) == 32
    assert audit_cookie(ticket(probe="c" * 32))[1] != value  # another seed, another MAC
    assert audit_cookie(ticket(id="f" * 24))[1] != value


def test_audit_ping_verdicts() -> None:
    t = ticket()
    name, value = audit_cookie(t)
    sent = {"ping": 1}
    assert audit_verdict(sent, f"a=b; {name}={value}", t, BROWSER_UA) is Verdict.PASS
    assert audit_verdict(sent, None, t, BROWSER_UA) is Verdict.FAIL  # nodriver: no ping
    assert audit_verdict(sent, f"{name}={'0' * 32}", t, BROWSER_UA) is Verdict.FAIL
    other_name, other_value = audit_cookie(ticket(id="f" * 24))
    assert audit_verdict(sent, f"{other_name}={other_value}", t, BROWSER_UA) is Verdict.FAIL
    # Another ticket's valid cookie under this ticket's name: still refused.
    assert audit_verdict(sent, f"{name}={other_value}", t, BROWSER_UA) is Verdict.FAIL
    # Firefox sends no pings by default; a framed page does not try.
    assert audit_verdict(sent, None, t, FIREFOX_UA) is Verdict.NA
    assert audit_verdict({"ping": 0}, None, t, BROWSER_UA) is Verdict.NA
    assert audit_verdict({}, None, t, BROWSER_UA) is Verdict.NA


def submission(t: Ticket, steps: dict[str, object], cookie: str | None = None) -> Submission:
    headers = {"cookie": cookie} if cookie else {}
    return Submission(
        ticket=t, nonce=0, elapsed_ms=None, signals={}, steps=steps, header=headers.get,
        user_agent=BROWSER_UA, scheme="http", host="testserver", now=1_999_999_100,
    )  # fmt: skip


def test_the_step_names_its_cookie_and_judges_both_kinds_of_evidence() -> None:
    step = get_step("cdp")
    t = ticket()
    assert step.issue(t) == {"c": audit_cookie(t)[0]}
    name, value = audit_cookie(t)
    clean = step.verify(submission(t, {"cdp": {"ping": 1}}, f"{name}={value}"))
    assert clean.ok and failed(clean.verdicts) == set()
    bot = step.verify(submission(t, {"cdp": {"ping": 1}, "activation": NODRIVER}))
    assert bot.ok  # the step fails nothing itself: the assessment does
    assert assess(bot.verdicts).hard == ("cdp_press_synthetic",)
    assert "cdp_audit_ping" in assess(bot.verdicts).soft
