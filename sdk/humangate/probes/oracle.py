"""The server's own answers to a ticket's probe, for tests without a browser.

Only whoever holds the secret key can do this: it opens the sealed ticket and
regenerates the program's answers. The project's own tests and benchmarks solve through
it; an attacker without the key cannot. (Site owners' test suites skip challenges with
:func:`humangate.testing.give_clearance` instead.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from humangate.crypto import pow
from humangate.crypto.tickets import Ticket, TicketBook
from humangate.crypto.tokens import KeyRing
from humangate.probes import binding
from humangate.probes.expected import expected_key, program


@dataclass(frozen=True, slots=True)
class KnownAnswers:
    ticket: Ticket
    digests: dict[str, str]  # what the page posts as steps.probe.d
    key: str  # never posted: seeds the proof-of-work, signs the body
    pow_seed: str


def known_answers(secret_keys: Sequence[str], token: str, purpose: str = "ticket") -> KnownAnswers:
    """``purpose`` "jsd": a JavaScript Detections ticket (humangate.engine.jsd)."""
    keys = KeyRing(secret_keys, purposes=(purpose,))
    ticket = TicketBook(keys, ttl=60, purpose=purpose).open(token)
    prog = program(ticket)
    digests = {
        family: binding.digest(ticket.id, family, prog.family_answer(family))
        for family in dict.fromkeys(prog.families)
    }
    key = expected_key(ticket)
    return KnownAnswers(ticket, digests, key, binding.pow_seed(ticket.seed, key))


def signed_body(key: str, payload: Mapping[str, object]) -> bytes:
    """``payload`` as the page posts it: JSON with a proof signed under ``key``."""
    body = json.dumps({**payload, binding.PROOF_FIELD: binding.ZERO_PROOF}, separators=(",", ":"))
    return binding.sign(key, body.encode())


def solution_body(
    secret_keys: Sequence[str],
    challenge: Mapping[str, object],
    *,
    signals: Mapping[str, object],
    nonce: int | None = None,
    steps: Mapping[str, object] | None = None,
    elapsed_ms: int | None = 5,
    extra: Mapping[str, object] | None = None,
    purpose: str = "ticket",
) -> bytes:
    """The body a real browser posts for ``challenge`` (the page's challenge data).

    ``extra`` adds top-level fields (``solver``...), signed like the rest.
    """
    token = str(challenge["ticket"])
    known = known_answers(secret_keys, token, purpose)
    if nonce is None:
        nonce = pow.solve(known.pow_seed, int(str(challenge["difficulty"])))
    payload: dict[str, object] = {
        "ticket": token,
        "nonce": nonce,
        "signals": dict(signals),
        "steps": {**(steps or {}), "probe": {"d": known.digests}},
    }
    if elapsed_ms is not None:
        payload["elapsed_ms"] = elapsed_ms
    payload.update(extra or {})
    return signed_body(known.key, payload)
