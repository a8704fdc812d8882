"""The built-in steps: proof-of-work and browser signals (the interaction: interaction.py).

Their browser halves are compiled into challenge.js (js/src/), so ``script`` is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto import pow
from humangate.crypto.tickets import Failure, Ticket
from humangate.probes.expected import pow_seed
from humangate.signals import PAGE_CHECKS, header_verdicts, parse_verdicts
from humangate.signals.policy import policy_verdicts


class PowStep:
    name: Final = "pow"
    script: Final = None

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return {}

    def issue_json(self, ticket: Ticket) -> str:
        return "{}"

    def verify(self, submission: Submission) -> StepResult:
        ticket = submission.ticket
        # Over the seed keyed by the probe answers: no nonce before the answers.
        if not pow.is_solution(pow_seed(ticket), submission.nonce, ticket.difficulty):
            return StepResult(Failure.WRONG_SOLUTION.value)
        return StepResult()


class SignalsStep:
    """Page and Worker verdicts (H1-H6, client H7) plus the server's header checks."""

    name: Final = "signals"
    script: Final = None

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return {}

    def issue_json(self, ticket: Ticket) -> str:
        return "{}"

    def verify(self, submission: Submission) -> StepResult:
        page = {k: v for k, v in submission.signals.items() if k in PAGE_CHECKS}
        verdicts = parse_verdicts(page, PAGE_CHECKS)
        verdicts.update(policy_verdicts(verdicts, submission.user_agent))
        verdicts.update(
            header_verdicts(
                submission.header,
                submission.user_agent,
                submission.scheme,
                submission.host,
                solve=True,
            )
        )
        return StepResult(verdicts=verdicts)
