"""Challenge plugins: the step protocol, the registry and the built-in types.

See docs/challenges.md for writing a plugin.
"""

from __future__ import annotations

from humangate.challenges.builtins import PowStep, SignalsStep
from humangate.challenges.cdp import CdpStep
from humangate.challenges.interaction import InteractionStep
from humangate.challenges.protocol import ChallengeStep, StepResult, Submission
from humangate.challenges.registry import (
    GROUP,
    get_step,
    register_challenge,
    registered,
    unregister_challenge,
)
from humangate.challenges.types import ChallengeType, Decision, challenge_types
from humangate.probes.step import ProbeStep

for _step in (ProbeStep(), PowStep(), SignalsStep(), CdpStep(), InteractionStep()):
    register_challenge(_step, replace=True)

__all__ = [
    "GROUP",
    "ChallengeStep",
    "ChallengeType",
    "Decision",
    "StepResult",
    "Submission",
    "challenge_types",
    "get_step",
    "register_challenge",
    "registered",
    "unregister_challenge",
]
