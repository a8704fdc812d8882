"""What the server can tell about a visitor before a challenge page runs.

Feeds :meth:`humangate.Difficulty.bits`. Everything here is cheap (no store access), so
challenge answers stay cheap to serve under attack.

Recent failed solves are counted in a plain "strikes" cookie. It needs no signature:
its only effect is to *raise* the visitor's own difficulty, so forging or dropping it
can at best bring a client back to the base difficulty it would get anyway. Clients
that drop cookies are for rate limiting rules to slow down.
"""

from __future__ import annotations

from humangate.crypto.clearance import Clearance
from humangate.difficulty import LOW_SCORE, MAX_COUNTED_FAILURES, Risk
from humangate.errors import Failure
from humangate.http.cookies import CookieJar
from humangate.http.request import Request
from humangate.signals.headers import header_verdicts
from humangate.signals.verdicts import Verdict

STRIKE_SECONDS = 10 * 60
"""How long a failed solve keeps raising the difficulty."""

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
    """The strikes cookie: how many counted failures in the last :data:`STRIKE_SECONDS`."""

    __slots__ = ("_jar",)

    def __init__(self, clearance_cookie: str, secure: bool | None, samesite: str) -> None:
        self._jar = CookieJar(f"{clearance_cookie}_strikes", secure, samesite, STRIKE_SECONDS)

    def count(self, request: Request) -> int:
        value = request.cookies.get(self._jar.name_for(request.scheme), "")
        # Anything but a small decimal reads as none (the cookie only ever raises work).
        if not value.isdecimal() or len(value) > 2:
            return 0
        return min(int(value), MAX_COUNTED_FAILURES)

    def after_failure(self, request: Request, failure: Failure) -> tuple[tuple[str, str], ...]:
        """The Set-Cookie header for a failed solve (none when it does not count)."""
        if failure not in COUNTED:
            return ()
        count = min(self.count(request) + 1, MAX_COUNTED_FAILURES)
        return (self._jar.set(request.scheme, str(count)),)

    def after_success(self, request: Request) -> tuple[tuple[str, str], ...]:
        """Clear the cookie on a solve, if the visitor had one."""
        if self._jar.name_for(request.scheme) not in request.cookies:
            return ()
        return (self._jar.clear(request.scheme),)


def assess(request: Request, clearance: Clearance | None, strikes: int) -> Risk:
    """The risk of the request a challenge is about to be issued for."""
    verdicts = header_verdicts(request.header, request.user_agent, request.scheme, request.host)
    return Risk(
        failures=strikes,
        header_mismatch=Verdict.FAIL in verdicts.values(),
        low_score=clearance is not None and clearance.score < LOW_SCORE,
    )
