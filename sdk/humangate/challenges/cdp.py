"""The "cdp" step: evidence about Chromium driven over the DevTools protocol.

Its JS half (js/src/cdp.js) sends the hyperlink-auditing ping and, with the interaction,
describes the activating press (``steps.activation``); humangate.signals.cdp judges both.
It fails nothing itself: the verdicts go into the assessment (one hard, the rest soft).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto.tickets import Ticket
from humangate.signals.cdp import activation_verdicts, audit_cookie_name, audit_verdict


class CdpStep:
    name: Final = "cdp"
    script: Final = None  # compiled into challenge.js (js/src/cdp.js)

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        # Only the cookie's name: the page waits for it before posting.
        return {"c": audit_cookie_name(ticket)}

    def issue_json(self, ticket: Ticket) -> str:
        return f'{{"c":"{audit_cookie_name(ticket)}"}}'  # a fixed prefix and hex

    def verify(self, submission: Submission) -> StepResult:
        verdicts = activation_verdicts(submission.answer("activation"), submission.user_agent)
        verdicts["cdp_audit_ping"] = audit_verdict(
            submission.answer("cdp"),
            submission.header("cookie"),
            submission.ticket,
            submission.user_agent,
        )
        return StepResult(verdicts=verdicts)
