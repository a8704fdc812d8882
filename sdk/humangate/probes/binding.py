"""How the probe answers key the rest of the solve.

From a ticket's answers (the server's expected ones, or the page's measured ones):

- ``digest(family)``: what the page reports per family, so the server can tell which
  family failed without the raw answers ever being sent;
- ``key``: a secret of the submission, never sent;
- ``pow_seed``: the proof-of-work puzzle is over SHA-256(seed ‖ key), so no nonce can
  be searched before the answers are known, and a nonce found for one ticket's answers
  solves nothing else;
- ``mac``: HMAC-SHA256 under ``key`` over the exact body bytes (with the MAC's own
  64 hex digits zeroed), so signals, interaction evidence, plugin answers and the nonce
  cannot be swapped in from another source without the answers.

Every input names the ticket id, so answers for ticket A never fit ticket B.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PROOF_FIELD = "proof"
_PROOF = re.compile(rb'"proof":"([0-9a-f]{64})"')
ZERO_PROOF = "0" * 64


def _h(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def digest(ticket_id: str, family: str, answer: str) -> str:
    return _h("humangate-probe-digest", ticket_id, family, answer)[:32]


def key(ticket_id: str, answers: tuple[str, ...] | list[str]) -> str:
    return _h("humangate-probe-key", ticket_id, *answers)


def pow_seed(seed: str, probe_key: str) -> str:
    """The 64-character seed the proof-of-work is searched and checked over."""
    return hashlib.sha256((seed + probe_key).encode("ascii")).hexdigest()


def mac(probe_key: str, zeroed_body: bytes) -> str:
    return hmac.new(probe_key.encode("ascii"), zeroed_body, hashlib.sha256).hexdigest()


def sign(probe_key: str, body_with_zero_proof: bytes) -> bytes:
    """The body with its zeroed proof replaced by the MAC (what the page does)."""
    zero = f'"{PROOF_FIELD}":"{ZERO_PROOF}"'.encode()
    if body_with_zero_proof.count(zero) != 1:
        raise ValueError("the body must contain the zeroed proof exactly once")
    tag = mac(probe_key, body_with_zero_proof)
    return body_with_zero_proof.replace(zero, f'"{PROOF_FIELD}":"{tag}"'.encode())


def mac_valid(probe_key: str, body: bytes) -> bool:
    """Whether ``body`` carries exactly one proof and it is the MAC of the rest."""
    found = _PROOF.findall(body)
    if len(found) != 1:
        return False
    zeroed = _PROOF.sub(f'"{PROOF_FIELD}":"{ZERO_PROOF}"'.encode(), body)
    return hmac.compare_digest(mac(probe_key, zeroed), found[0].decode("ascii"))
