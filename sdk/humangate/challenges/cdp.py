"""The "cdp" step: evidence about Chromium driven over the DevTools protocol.

Its JS half (js/src/cdp.js) sends the hyperlink-auditing ping and, with the interaction,
describes the activating press (``steps.activation``); humangate.signals.cdp judges both.
It fails nothing itself: the verdicts go into the assessment (one hard, the rest soft).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto.tickets import Ticket
from humangate.signals.cdp import activation_verdicts, audit_cookie_name, audit_verdict


class CdpStep:
    name: Final = "cdp"
    script: Final = None  # compiled into challenge.js (js/src/cdp.js)

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        params: dict[str, object] = json.loads(self.issue_json(ticket))
        return params

    def issue_json(self, ticket: Ticket) -> str:
        # Only the cookie's name (a fixed prefix and hex): the page waits for it.
        return f'{{"c":"{audit_cookie_name(ticket)}"}}'

    def verify(self, submission: Submission) -> StepResult:
        verdicts = activation_verdicts(submission.answer("activation"), submission.user_agent)
        verdicts["cdp_audit_ping"] = audit_verdict(
            submission.answer("cdp"),
            submission.header("cookie"),
            submission.ticket,
            submission.user_agent,
        )
        return StepResult(verdicts=verdicts)
