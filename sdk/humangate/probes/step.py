"""The probe step: the page runs the ticket's program, the server checks its answers.

It also owns the time limit (answers are only accepted for :data:`PROBE_SECONDS` after
the ticket was issued, unless the submission of a managed or interactive challenge
carries an interaction a person had to make) and the MAC over the whole body
(humangate.probes.binding).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto.tickets import Failure, Ticket
from humangate.levels import Level
from humangate.probes import binding
from humangate.probes.expected import expected_key, family_verdicts, program
from humangate.signals.verdicts import Verdict

PROBE_SECONDS = 60
"""How long after issue the answers are accepted without an interaction. A real
browser answers within a second or two of loading the page."""


def program_params(ticket: Ticket) -> Mapping[str, object]:
    """The ticket's program as the page runs it. The ticket id (not secret: it only
    names the ticket in the store) ties the answers' digests and key to this ticket."""
    return {**program(ticket).encoded, "t": ticket.id}


class ProbeStep:
    name: Final = "probe"
    script: Final = None  # the interpreter is compiled into challenge.js (js/src/probe.js)

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        # Only the ticket id here: the page fetches the program itself from
        # ``{prefix}probe`` (:func:`program_params`), so a challenge page that no script
        # ever runs (most of a flood) never pays for generating one.
        params: dict[str, object] = json.loads(self.issue_json(ticket))
        return params

    def issue_json(self, ticket: Ticket) -> str:
        return f'{{"t":"{ticket.id}"}}'  # hex; what every challenge page carries

    def verify(self, submission: Submission) -> StepResult:
        ticket = submission.ticket
        # Only where a person may have to click first (managed, interactive) does the
        # ticket's own expiry apply instead; a js challenge never waits for anyone.
        # The interaction's evidence is the step's own answer (``steps.interaction``,
        # judged by its step); the MAC covers it, like every other body field.
        evidence = bool(submission.answer("interaction"))
        interacted = ticket.level >= Level.MANAGED and evidence
        if not interacted and submission.now > ticket.issued_at + PROBE_SECONDS:
            return StepResult(Failure.EXPIRED.value)
        reported = submission.answer("probe").get("d")
        verdicts = family_verdicts(ticket, reported if isinstance(reported, dict) else {})
        verdicts["probe_binding"] = (
            Verdict.PASS
            if binding.mac_valid(expected_key(ticket), submission.body)
            else Verdict.FAIL
        )
        failed = any(v is Verdict.FAIL for v in verdicts.values())
        return StepResult(Failure.AUTOMATED.value if failed else None, verdicts)
