"""Solving: the body a challenge page POSTs, parsed and bounded; the ticket opened and
checked against this client; the challenge type's verdict; the ticket spent once; the
clearance issued.

Everything in the body is the client's word: the nonce and verdicts are checked by the
challenge type; the solve time and solver name are only logged and counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from humangate import challenges
from humangate.crypto.tickets import Ticket
from humangate.effects import Flow, Spend
from humangate.engine.parts import Parts
from humangate.engine.unavailable import SITE_UNAVAILABLE, STORE_UNAVAILABLE, site_unavailable
from humangate.engine.visit import Visit
from humangate.errors import ChallengeFailure, Failure, TokenError
from humangate.events import Kind
from humangate.http import answers
from humangate.http.request import Request, json_object
from humangate.http.response import Response
from humangate.i18n import catalog
from humangate.levels import Level
from humangate.signals import Assessment

signals_logger = logging.getLogger("humangate.signals")

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
    data = json_object(body)
    if data is None:
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


@dataclass(frozen=True, slots=True)
class SolveChecked:
    """A verified, spent challenge solution: who solved which ticket, and how well."""

    visit: Visit
    ticket: Ticket
    now: float
    assessment: Assessment
    solve_ms: int | None
    pat: bool = False  # the client presented a valid Private Access Token


class Solver:
    __slots__ = ("_parts",)

    def __init__(self, parts: Parts) -> None:
        self._parts = parts

    def solve(self, visit: Visit) -> Flow[Response]:
        """``POST {prefix}solve`` (the body already read into ``visit.request``)."""
        checked = yield from self.check(visit)
        if isinstance(checked, Response):
            return checked
        return self._solved(
            visit,
            checked.ticket,
            checked.now,
            checked.assessment,
            solve_ms=checked.solve_ms,
            pat=checked.pat,
        )

    def check(self, visit: Visit) -> Flow[SolveChecked | Response]:
        """A posted solution verified and its ticket spent: what the solve endpoint and the
        Turnstile widget both accept. A Response is the refusal (a 4xx JSON body the
        challenge script understands, or a 503)."""
        parts = self._parts
        config = parts.config
        request = visit.request
        ray = answers.new_ray_id()
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return answers.problem(
                answers.Problems.UNSUPPORTED_MEDIA_TYPE,
                "Send the solution as application/json.",
                ray,
            )
        if len(request.body) > config.max_solve_body:
            return answers.problem(answers.Problems.TOO_LARGE, "Solution too large.", ray)
        body = parse_solve_body(request.body)
        if body is None:
            return answers.problem(
                answers.Problems.BAD_REQUEST,
                'Expected {"ticket": "...", "nonce": <integer>}.',
                ray,
            )
        now = parts.clock()
        try:
            ticket = parts.tickets.open(body.token)
        except TokenError:
            return (yield from self._failed(ChallengeFailure(Failure.INVALID), None, ray, visit))
        reason = parts.tickets.check_client(
            ticket, visit.ip, visit.user_agent, now, config.clock_skew
        )
        failure = None if reason is None else ChallengeFailure(reason)
        assessment = None
        attested = False
        if failure is None:
            # Proof of work, page/Worker verdicts, header checks, interaction, plugins.
            decision = parts.types[ticket.level].verify(
                body.submission(request, visit.user_agent, ticket, now)
            )
            assessment = decision.assessment
            attested = decision.attested
            # Names of the checks that fired, never their inputs, and the page's word on
            # which solver found the nonce and how long it took: for operators and e2e.
            signals_logger.info(
                "solve ray=%s level=%s outcome=%s score=%d hard=%s soft=%s solver=%s ms=%s pat=%s",
                ticket.ray,
                ticket.level.label,
                "passed" if decision.failure is None else decision.failure.detail,
                assessment.score,
                ",".join(assessment.hard) or "-",
                ",".join(assessment.soft) or "-",
                body.solver,
                "-" if body.elapsed_ms is None else body.elapsed_ms,
                "valid" if decision.attested else "-",
            )
            failure = decision.failure
        if failure is not None or assessment is None:
            failed = failure or ChallengeFailure(Failure.INVALID)
            return (yield from self._failed(failed, ticket, ray, visit))
        # store_failure="open": during an outage the ticket is spent in this process's
        # memory instead (humangate.faults.LocalSpends); None: refuse, the store is down.
        first_use = yield from parts.local_spends.spend_once(
            Spend(f"ticket:{ticket.id}", max(ticket.expires_at - now, 0) + 60),
            config.store_failure,
            parts.store_warnings["ticket spending"],
        )
        if first_use is None:
            # The site's fault, not the visitor's: say so, and say why in the event.
            parts.observe(
                Kind.CHALLENGE_FAILED,
                ray,
                reason=STORE_UNAVAILABLE,
                rule=ticket.event_rule,
                level=ticket.level.label,
            )
            message = catalog(parts.page_language(request))[f"failure_{SITE_UNAVAILABLE}"]
            return site_unavailable(ray, message)
        if not first_use:
            return (yield from self._failed(ChallengeFailure(Failure.REPLAYED), ticket, ray, visit))
        # Forget this client's failed solves: it has just done the work.
        yield from parts.strikes.after_success(visit.binding)
        return SolveChecked(visit, ticket, now, assessment, body.elapsed_ms, attested)

    def _solved(
        self,
        visit: Visit,
        ticket: Ticket,
        now: float,
        assessment: Assessment,
        *,
        solve_ms: int | None = None,
        pat: bool = False,
    ) -> Response:
        parts = self._parts
        cookie = self.clearance_cookie(
            visit, ticket.level, now, assessment, pat=pat, work=ticket.difficulty
        )
        # Refers to the ray id of the challenge it answers, as the seeds ask, and is
        # counted under the rule that challenged (sealed in the ticket).
        parts.observe(
            Kind.CHALLENGE_SOLVED,
            ticket.ray,
            rule=ticket.event_rule,
            level=ticket.level.label,
            solve_ms=solve_ms,
            **visit.where(parts.config.log_client_ip),
        )
        return answers.json_response(
            200,
            {"ok": True, "redirect": ticket.target},
            ticket.ray,
            extra=(cookie,),
        )

    def clearance_cookie(
        self,
        visit: Visit,
        level: Level,
        now: float,
        assessment: Assessment,
        *,
        pat: bool = False,
        work: int,
    ) -> tuple[str, str]:
        """The Set-Cookie line of a clearance at ``level`` for this visitor (also the
        widget's pre-clearance), recording ``work``: the difficulty its proof of work was
        solved at."""
        parts = self._parts
        # A higher clearance replaces a lower one, never the other way round; so does the
        # work paid (both were paid by this client within the held one's lifetime).
        held = visit.clearance.level if visit.clearance else Level.NONE
        paid = visit.clearance.work if visit.clearance else 0
        _, cookie = parts.clearances.issue(
            max(held, level),
            visit.binding,
            now,
            score=assessment.score,
            js_passed=assessment.js_passed,
            # A valid Private Access Token keeps counting for rules (humangate.pat.valid)
            # while the clearance lasts, and is not lost by a later, lower solve.
            pat=pat or bool(visit.clearance and visit.clearance.pat),
            work=max(paid, work),
        )
        return parts.cookies.set(visit.request.scheme, cookie)

    def _failed(
        self, failure: ChallengeFailure, ticket: Ticket | None, ray: str, visit: Visit
    ) -> Flow[Response]:
        """What the page is told: the public reason only (the detail was logged). The
        failure counts against this client's binding: its next challenge is harder
        (humangate.engine.risk)."""
        parts = self._parts
        request = visit.request
        reason = failure.reason
        parts.observe(
            Kind.CHALLENGE_FAILED,
            ray,
            reason=reason.value,
            rule=ticket.event_rule if ticket else None,
            level=ticket.level.label if ticket else None,
        )
        data: dict[str, object] = {
            "ok": False,
            "reason": reason.value,
            # The page prefers its own catalog's text for `reason`; this is the fallback.
            "message": catalog(parts.page_language(request))[f"failure_{reason.value}"],
            "ray_id": ray,
        }
        if ticket is not None:
            data["redirect"] = ticket.target
        yield from parts.strikes.after_failure(visit.binding, reason)
        return answers.json_response(403, data, ray, extra=(("cf-mitigated", "challenge"),))
