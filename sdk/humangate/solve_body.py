"""The body a challenge page POSTs to the solve endpoint, parsed and bounded.

Everything here is the client's word: the nonce and verdicts are checked by the
challenge type; the solve time and solver name are only logged and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from humangate import challenges
from humangate.request import Request
from humangate.tickets import Ticket

MAX_ELAPSED_MS = 3_600_000

SOLVERS = frozenset({"wasm-simd", "js", "main"})
"""What found the nonce, as challenge.js reports it: a worker's engine, or the chunked
main-thread fallback. Anything else is logged as "unknown" (never client text)."""


@dataclass(frozen=True, slots=True)
class SolveBody:
    token: str
    nonce: int
    signals: dict[str, object] = field(default_factory=dict)
    steps: dict[str, object] = field(default_factory=dict)
    elapsed_ms: int | None = None
    solver: str = "unknown"

    def submission(
        self, request: Request, user_agent: str, ticket: Ticket, now: float
    ) -> challenges.Submission:
        """What the challenge type verifies."""
        return challenges.Submission(
            ticket=ticket,
            nonce=self.nonce,
            elapsed_ms=self.elapsed_ms,
            signals=self.signals,
            steps=self.steps,
            header=request.header,
            user_agent=user_agent,
            scheme=request.scheme,
            host=request.host,
            now=now,
            body=request.body,
        )


def parse_solve_body(body: bytes) -> SolveBody | None:
    """``{"ticket": str, "nonce": int, ...}`` or None for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    token, nonce, signals = data.get("ticket"), data.get("nonce"), data.get("signals", {})
    if not isinstance(token, str) or isinstance(nonce, bool) or not isinstance(nonce, int):
        return None
    if not isinstance(signals, dict):
        return None
    steps = data.get("steps")
    return SolveBody(
        token=token,
        nonce=nonce,
        signals=signals,
        steps=steps if isinstance(steps, dict) else {},
        elapsed_ms=_elapsed(data.get("elapsed_ms")),
        solver=_solver(data.get("solver")),
    )


def _elapsed(value: object) -> int | None:
    """The browser-reported solve time, clamped (analytics only)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return min(max(value, 0), MAX_ELAPSED_MS)


def _solver(value: object) -> str:
    return value if isinstance(value, str) and value in SOLVERS else "unknown"
