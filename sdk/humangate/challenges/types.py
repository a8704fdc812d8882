"""Challenge types: the three actions as compositions of steps, and how they decide.

| action              | steps                       | on soft doubt            | on hard signal |
|---------------------|-----------------------------|--------------------------|----------------|
| js_challenge        | probe, pow, signals, cdp    | pass, lower score        | fail           |
| managed_challenge   | probe, pow, signals, cdp    | ask for the interaction  | fail           |
|                     | (+int.)                     |                          |                |
| challenge           | probe, pow, signals, cdp,   | pass, lower score        | fail           |
|                     | int.                        |                          |                |

A failure never spends the ticket, so a managed page that is told
"interaction_required" shows the button and re-posts the same ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from humangate.challenges.protocol import ChallengeStep, Submission
from humangate.challenges.registry import get_step
from humangate.errors import ChallengeFailure, Failure
from humangate.levels import Action, Level
from humangate.signals import Assessment, Verdicts, assess


@dataclass(frozen=True, slots=True)
class Decision:
    failure: ChallengeFailure | None  # None: passed
    assessment: Assessment
    attested: bool = False  # a valid Private Access Token took part (humangate.pat)


@dataclass(frozen=True, slots=True)
class ChallengeType:
    action: Action
    steps: tuple[ChallengeStep, ...]
    escalation: ChallengeStep | None = None  # run when signals are only uncertain
    # Private Access Tokens (humangate.pat): steps whose failure a valid token waives,
    # and whether the escalation is asked for whenever there is no valid token.
    waived_when_attested: frozenset[str] = frozenset()
    escalate_unless_attested: bool = False

    @property
    def step_names(self) -> list[str]:
        return [step.name for step in self.steps]

    @property
    def issued_steps(self) -> tuple[ChallengeStep, ...]:
        """Every step a ticket carries parameters for: the steps, then the escalation
        (its parameters are issued in advance so escalating needs no new ticket)."""
        return self.steps if self.escalation is None else (*self.steps, self.escalation)

    def verify(self, submission: Submission) -> Decision:
        verdicts: Verdicts = {}
        failure: str | None = None
        attested = False
        for step in self.steps:
            result = step.verify(submission)
            verdicts.update(result.verdicts)
            attested = attested or result.attested
            if result.failure and not (attested and step.name in self.waived_when_attested):
                failure = failure or result.failure
        escalated = self.escalation is not None and self.escalation.name in submission.steps
        if escalated and self.escalation is not None:
            result = self.escalation.verify(submission)
            verdicts.update(result.verdicts)
            failure = failure or result.failure
        assessment = assess(verdicts)
        if assessment.hard and failure in (None, Failure.INTERACTION_REQUIRED.value):
            failure = Failure.AUTOMATED.value
        elif (
            failure is None
            and self.escalation
            and not escalated
            and not attested  # a valid Private Access Token: no interaction needed
            and (assessment.uncertain or self.escalate_unless_attested)
        ):
            failure = Failure.INTERACTION_REQUIRED.value
        return Decision(
            None if failure is None else ChallengeFailure.from_step(failure),
            assessment,
            attested,
        )


_BUILT_IN: dict[Action, tuple[tuple[str, ...], str | None]] = {
    # The probe runs first: its answers key the proof-of-work and sign the body. "cdp"
    # (humangate.challenges.cdp) also judges the interaction's press when there is one.
    Action.JS_CHALLENGE: (("probe", "pow", "signals", "cdp"), None),
    Action.MANAGED_CHALLENGE: (("probe", "pow", "signals", "cdp"), "interaction"),
    Action.CHALLENGE: (("probe", "pow", "signals", "cdp", "interaction"), None),
}


def challenge_types(extra_steps: Mapping[str, Sequence[str]]) -> dict[Level, ChallengeType]:
    """The type for each challenge level, with ``extra_steps`` (per action) appended."""
    types: dict[Level, ChallengeType] = {}
    for action, (names, escalation) in _BUILT_IN.items():
        steps = tuple(get_step(name) for name in (*names, *extra_steps.get(action.value, ())))
        types[action.required_level] = ChallengeType(
            action, steps, get_step(escalation) if escalation else None
        )
    return types
