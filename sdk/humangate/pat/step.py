"""The ``pat`` challenge step: its browser half asks the redemption endpoint, its Python
half reads the attestation that endpoint sealed for this ticket.

It never fails a solve: a missing or forged attestation only means "no token", and the
challenge goes on as it would have (what a valid one changes is the challenge type's
business, see :class:`humangate.challenges.ChallengeType`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto.tickets import Ticket
from humangate.pat.gate import Attestations

NAME: Final = "pat"
logger = logging.getLogger("humangate.pat")

SCRIPT: Final = """\
// humangate Private Access Token step. The endpoint answers 401 with this ticket's
// PrivateToken challenge; a device that can attest repeats the request with a token
// by itself (this script never sees it). The console may show that 401: it is expected
// on every other browser, which simply goes on with the normal challenge.
humangate.registerStep("pat", async (challenge, view, params) => {
  try {
    const url = `${params.url}?ticket=${encodeURIComponent(challenge.ticket)}`;
    const response = await fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { accept: "application/json" },
    });
    if (!response.ok) return {};
    const body = await response.json();
    if (!body || typeof body.attestation !== "string") return {};
    // The owner waived the proof-of-work for attested devices: search no bits.
    if (params.pow_waived) challenge.difficulty = 0;
    return { answer: { attestation: body.attestation } };
  } catch {
    return {};
  }
});
"""


class PatStep:
    name: Final = NAME
    script: Final = SCRIPT

    def __init__(
        self, attestations: Attestations | None, url: str = "", *, pow_waived: bool = False
    ) -> None:
        self._attestations = attestations
        self._url = url
        self._pow_waived = pow_waived

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return {"url": self._url, "pow_waived": self._pow_waived}

    def verify(self, submission: Submission) -> StepResult:
        if self._attestations is None:
            return StepResult()
        sealed = submission.answer(NAME).get("attestation")
        issuer = self._attestations.issuer_for(submission.ticket, sealed)
        if issuer is None:
            if sealed is not None:
                logger.info("pat attestation refused ray=%s", submission.ticket.ray)
            return StepResult()
        return StepResult(attested=True)


SCRIPT_ONLY = PatStep(None)
"""Registered by name so the step's script is served; each engine composes its own
:class:`PatStep` (holding its keys) into its challenge types."""
