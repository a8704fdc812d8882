"""What the server can tell about a visitor before a challenge page runs.

Feeds :meth:`humangate.Difficulty.bits`. Headers and the held clearance cost nothing to
read. Recent failed solves are counted in the store, keyed by the clearance binding (the
visitor's network and browser, as :class:`humangate.crypto.clearance.Binding` defines
them), so a client cannot shed them by dropping a cookie. The count is read only when a
challenge is about to be issued and written only when a solve fails or succeeds: a visitor
who holds a clearance never causes a store call here. A store that cannot answer counts
nothing (the base difficulty, never an error).
"""

from __future__ import annotations

from collections.abc import Callable

from humangate import faults
from humangate.crypto.clearance import Clearance
from humangate.difficulty import LOW_SCORE, MAX_COUNTED_FAILURES, Risk
from humangate.effects import Flow, Increment
from humangate.errors import Failure
from humangate.http.request import Request
from humangate.signals.headers import NAVIGATION_HEADERS, navigation_mismatch

STRIKE_SECONDS = 10 * 60
"""How long failed solves keep raising the difficulty (a fixed window from the first)."""

# Failures a person rarely causes. A slow solve (expired), a changed network
# (other_client) and the managed escalation to a button are not held against anyone.
COUNTED = frozenset(
    {
        Failure.INVALID,
        Failure.WRONG_SOLUTION,
        Failure.REPLAYED,
        Failure.AUTOMATED,
        Failure.STEP_FAILED,
    }
)


class Strikes:
    """Counted failed solves per binding in the last :data:`STRIKE_SECONDS` (store)."""

    __slots__ = ("_warn",)

    def __init__(self, warn: Callable[[BaseException], None]) -> None:
        self._warn = warn

    def count(self, binding: str) -> Flow[int]:
        found = yield from self._tolerated(binding, 0)
        return min(max(found, 0), MAX_COUNTED_FAILURES) if isinstance(found, int) else 0

    def after_failure(self, binding: str, failure: Failure) -> Flow[None]:
        if failure in COUNTED:
            yield from self._tolerated(binding, 1)

    def after_success(self, binding: str) -> Flow[None]:
        """Forget this binding's failures: the visitor has just done the work."""
        found = yield from self._tolerated(binding, 0)
        if isinstance(found, int) and found:
            yield from self._tolerated(binding, -found)

    def _tolerated(self, binding: str, amount: int) -> Flow[object]:
        # "open": an unanswered read is this request's own amount (0 or 1), never more.
        # (The generator itself, not one wrapping it: every challenge answer reads this.)
        operation = Increment(f"strikes:{binding}", STRIKE_SECONDS, amount)
        return faults.tolerate_one(operation, self._warn, "open")


def assess(request: Request, user_agent: str, clearance: Clearance | None, strikes: int) -> Risk:
    """The risk of the request a challenge is about to be issued for (``user_agent``:
    its User-Agent, which the visit has read already)."""
    values = request.header_values(NAVIGATION_HEADERS)
    mismatch = navigation_mismatch(values, user_agent, request.scheme, request.host)
    return Risk(
        failures=strikes,
        header_mismatch=mismatch,
        low_score=clearance is not None and clearance.score < LOW_SCORE,
    )
