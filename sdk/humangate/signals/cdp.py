"""Chromium driven over the DevTools protocol (CDP) without the usual tells.

patchright and nodriver run a real, headed Chromium, never call ``Runtime.enable`` and
leave no automation global, so the page's own checks see a normal browser. What they
still change, and what the page sends as raw evidence (js/src/cdp.js) for this module
to judge:

- ``cdp_audit_ping`` (soft): nodriver launches Chromium with ``--no-pings``, so a
  followed link sends no hyperlink-auditing ping. The page follows one; the ping's answer
  (``{prefix}audit``, humangate.engine.audit) sets a cookie keyed to the ticket's sealed
  probe seed, which the solve must carry. Judged only for a Chromium User-Agent in a
  top-level page (the page says whether it sent the ping). Soft: Brave and some privacy
  extensions also turn pings off.
- The activation's pointerdown (pointer activations only; keyboard and assistive
  technology are never judged). ``Input.dispatchMouseEvent`` presses where the pointer
  never was, with ``force`` 0 unless the tool passes one, at the element's (often
  fractional) centre:

  - ``cdp_press_pressure`` (soft): a mouse button down with pressure 0 (the Pointer
    Events spec says 0.5 for a mouse without pressure sensing);
  - ``cdp_press_unseen`` (soft): the press is at a position no earlier pointer event
    reported (a real pointer has to travel there, and Chromium and Firefox report the
    resting position when the page loads);
  - ``cdp_press_fraction`` (soft): fractional coordinates at a device pixel ratio of 1
    (mice report whole device pixels; Wayland and macOS touchpads may not);
  - ``cdp_press_synthetic`` (hard): pressure 0 *and* a position never seen, together.

Android is not judged (TalkBack's double tap is a pressure-0 "mouse" press without
hover), nor a press of width and height 0 (a desktop screen reader's virtual click).
Measured figures: docs/challenges.md and ``python -m bench.cdp_signals``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from humangate.crypto.tickets import Ticket
from humangate.http.request import cookie_value
from humangate.signals.headers import claimed_engine
from humangate.signals.verdicts import Verdict, Verdicts

AUDIT_COOKIE_PREFIX = "hg_audit_"
PRESS_CHECKS = ("cdp_press_pressure", "cdp_press_unseen", "cdp_press_fraction")
ACTIVATION_CHECKS = (*PRESS_CHECKS, "cdp_press_synthetic")
_ANDROID = "Android"


def audit_cookie_name(ticket: Ticket) -> str:
    """The name of the cookie the ping's answer sets for ``ticket``."""
    return AUDIT_COOKIE_PREFIX + ticket.id[:12]


def audit_cookie(ticket: Ticket) -> tuple[str, str]:
    """The name and value of the cookie the ping's answer sets for ``ticket``.

    The value is a MAC under the ticket's sealed probe seed: only the server can make
    it, and only by answering that ticket's ping.
    """
    tag = hmac.new(
        ticket.probe.encode("ascii"), f"humangate-audit|{ticket.id}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return audit_cookie_name(ticket), tag


def audit_verdict(
    answer: Mapping[str, object], cookie_header: str | None, ticket: Ticket, user_agent: str
) -> Verdict:
    """``cdp_audit_ping``: the page followed its link, but no ping came back."""
    if claimed_engine(user_agent) != "chrome" or answer.get("ping") != 1:
        return Verdict.NA  # not Chromium, or a framed page that sends none
    name, value = audit_cookie(ticket)
    carried = cookie_value(cookie_header or "", name)
    ok = carried is not None and hmac.compare_digest(carried.encode(), value.encode())
    return Verdict.PASS if ok else Verdict.FAIL


def activation_verdicts(evidence: Mapping[str, object], user_agent: str) -> Verdicts:
    """The ``cdp_press_*`` verdicts for the activation's evidence (see the module doc)."""
    verdicts: Verdicts = dict.fromkeys(ACTIVATION_CHECKS, Verdict.NA)
    if evidence.get("kind") != "pointer" or evidence.get("type") != "mouse":
        return verdicts
    if _ANDROID in user_agent or evidence.get("size") == [0, 0]:
        return verdicts
    pressure, buttons = evidence.get("pressure"), evidence.get("buttons")
    pressure_zero = _number(pressure) and pressure == 0 and _number(buttons) and buttons != 0
    unseen = evidence.get("seen") is False
    fraction = evidence.get("fraction") is True and evidence.get("dpr") == 1
    verdicts["cdp_press_pressure"] = _fail_if(pressure_zero)
    verdicts["cdp_press_unseen"] = _fail_if(unseen)
    verdicts["cdp_press_fraction"] = _fail_if(fraction)
    verdicts["cdp_press_synthetic"] = _fail_if(pressure_zero and unseen)
    return verdicts


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fail_if(condition: bool) -> Verdict:
    return Verdict.FAIL if condition else Verdict.PASS
