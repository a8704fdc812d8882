"""Where Private Access Tokens enter the challenge types: the one place that says what a
valid token changes (docs/challenges.md, "Private Access Tokens").

- managed: the ``pat`` step runs first; a valid token means no interaction is asked for
  (uncertain signals included). Hard automation signals still fail the solve.
- interactive: the token is recorded but the interaction stays, unless the owner set
  ``PatPolicy(interactive=True)``: then the interaction becomes the escalation a valid
  token avoids, asked for whenever there is none.
- ``PatPolicy(require_pow=False)``: a valid token also waives the proof-of-work.
"""

from __future__ import annotations

from dataclasses import replace

from humangate.challenges import ChallengeType, register_challenge
from humangate.config import Config
from humangate.crypto.tokens import KeyRing
from humangate.levels import Level
from humangate.pat.gate import ENDPOINT, PURPOSE, Observe, PrivateTokens
from humangate.pat.keys import issuer_from_file
from humangate.pat.settings import PatPolicy, unique_names
from humangate.pat.step import SCRIPT_ONLY, PatStep

__all__ = ["ENDPOINT", "pat_step", "private_tokens_for", "with_private_tokens"]


def with_private_tokens(
    types: dict[Level, ChallengeType], step: PatStep, policy: PatPolicy
) -> dict[Level, ChallengeType]:
    waived = frozenset(() if policy.require_pow else ("pow",))
    out = dict(types)
    managed = types[Level.MANAGED]
    out[Level.MANAGED] = replace(managed, steps=(step, *managed.steps), waived_when_attested=waived)
    interactive = types[Level.INTERACTIVE]
    if policy.interactive:
        interaction = next(s for s in interactive.steps if s.name == "interaction")
        out[Level.INTERACTIVE] = replace(
            interactive,
            steps=(step, *(s for s in interactive.steps if s is not interaction)),
            escalation=interaction,
            waived_when_attested=waived,
            escalate_unless_attested=True,
        )
    else:
        out[Level.INTERACTIVE] = replace(interactive, steps=(step, *interactive.steps))
    return out


def private_tokens_for(config: Config, observe: Observe) -> PrivateTokens | None:
    """The engine's Private Access Token support, or None when no issuer is configured."""
    if not config.private_access_tokens:
        return None
    issuers = unique_names(
        [
            issuer_from_file(item) if isinstance(item, str) else item
            for item in config.private_access_tokens
        ]
    )
    register_challenge(SCRIPT_ONLY, replace=True)  # serves the step's script by name
    return PrivateTokens(
        issuers,
        config.pat_policy,
        KeyRing(config.secret_keys, purposes=(PURPOSE,)),
        nonce_ttl=config.clock_skew + 60,
        endpoint_url=f"{config.path_prefix}{ENDPOINT}",
        observe=observe,
    )


def pat_step(tokens: PrivateTokens) -> PatStep:
    return PatStep(
        tokens.attestations, tokens.endpoint_url, pow_waived=not tokens.policy.require_pow
    )
