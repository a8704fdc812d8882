"""JavaScript Detections' side of the engine: the endpoints and the injection plan.

``GET {prefix}jsd/ticket``
    What the script needs to run one detection: a ticket sealed for this client (exact
    IP, User-Agent hash, 60 seconds, purpose ``jsd``: it never opens as a challenge
    ticket) with its probe program, or ``{"fresh": true, "next": s}`` when the cookie
    already carries a passing result with more than :data:`REFRESH_MARGIN` to go.
``POST {prefix}jsd``
    The detection: the ticket's probe answers, a light proof of work and the page and
    Worker verdicts, checked exactly as a ``js_challenge`` solve is (humangate.challenges);
    the ticket is spent once. The answer sets or refreshes the clearance cookie with the
    result and its own 15-minute lifespan (``js_until``). The level, its expiry, the work
    paid, the clearance id and a Private Access Token's mark are kept as they were: a
    detection never raises a level, and a failed one never removes one.
``GET {prefix}jsd/api.js``
    The same script for API mode (``?onload=fn``), for owners who place it themselves.

Everything posted is the client's word; what it costs a forger is what a ``js_challenge``
costs (docs/js-detections.md, "What a forger can do"). A post for another client's
ticket or with another client's clearance, a replayed or expired ticket, a forged token,
an oversized or malformed body: a 4xx JSON problem, nothing changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

from humangate import challenges
from humangate.challenges.types import ChallengeType
from humangate.crypto.clearance import Clearance
from humangate.crypto.tickets import Ticket, TicketBook, language_hash
from humangate.crypto.tokens import KeyRing
from humangate.effects import Flow, Spend
from humangate.engine.outcome import Answer, Outcome
from humangate.engine.parts import Parts
from humangate.engine.routes import GET, POST, Route, VisitOf, not_found
from humangate.engine.solve import parse_solve_body
from humangate.engine.unavailable import STORE_UNAVAILABLE, site_unavailable
from humangate.engine.visit import Visit
from humangate.errors import ExpressionError, Failure, TokenError
from humangate.events import Kind
from humangate.http import answers
from humangate.http.assets import hashed_name
from humangate.http.request import Request
from humangate.jsd import LIFESPAN
from humangate.jsd.csp import Origin, placement
from humangate.jsd.decide import Header, request_skip, response_skip
from humangate.jsd.inject import Injector, script_tag
from humangate.levels import Action, Level
from humangate.probes.step import PROBE_SECONDS, program_params
from humangate.rules import compile_expression
from humangate.rules.regex import Searcher
from humangate.rules.wildcard import wildcard_regex

PURPOSE = "jsd"
DIFFICULTY = 12
"""Proof-of-work bits of a detection: about 4,000 hashes, a few milliseconds on the
page's own thread. It makes each post cost something; the probe program is what only a
real engine answers."""
REFRESH_MARGIN = 120
"""The script runs again this many seconds before a passing result expires."""
SCRIPT = "jsd.js"
STEPS = ("probe", "pow", "signals")


class Detections:
    """One engine's JavaScript Detections (built whether or not injection is on: the
    API script and its endpoints serve owners who place the script themselves)."""

    __slots__ = ("_expression", "_parts", "_paths", "_src", "_tickets", "_type", "_visit_of")

    def __init__(self, parts: Parts, visit_of: VisitOf) -> None:
        config = parts.config
        self._parts = parts
        self._visit_of = visit_of
        keys = KeyRing(config.secret_keys, purposes=(PURPOSE,))
        self._tickets = TicketBook(keys, PROBE_SECONDS, purpose=PURPOSE)
        # A js_challenge's built-in steps, never the owner's extra ones (an interaction).
        self._type = ChallengeType(
            Action.JS_CHALLENGE, tuple(challenges.get_step(name) for name in STEPS)
        )
        self._src = f"{config.path_prefix}static/{hashed_name(SCRIPT)}"
        self._paths: tuple[Searcher, ...] = tuple(
            wildcard_regex(pattern, case_sensitive=True) for pattern in config.js_detections_paths
        )
        expression = config.js_detections_expression
        try:
            self._expression = compile_expression(expression, config.lists) if expression else None
        except ExpressionError:  # Config checked it already
            self._expression = None

    def routes(self) -> dict[str, Route]:
        return {
            "jsd": Route(POST, self._post, self._parts.config.max_solve_body),
            "jsd/ticket": Route(GET, self._ticket),
            "jsd/api.js": Route(GET, self._api),
        }

    # -- injection -----------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._parts.config.js_detections

    def injector(
        self,
        request: Callable[[], Request],
        status: int,
        header: Header,
        nonce_hint: Callable[[], str | None] | None = None,
    ) -> Injector | None:
        """The injector for this response, or None: leave it alone.

        ``header`` reads the *response's* headers (repeated lines joined with ", ");
        ``request`` builds the request only for an HTML page (most responses are not);
        ``nonce_hint`` gives a CSP nonce the framework will put in the policy (django-csp).
        """
        if not self._parts.config.js_detections or response_skip(status, header) is not None:
            return None  # not a page: nothing to count
        built = request()
        skip = request_skip(built.method, built.header) or self._not_here(built)
        if skip is None:
            enforced = header("content-security-policy")
            report_only = header("content-security-policy-report-only")
            hint = None
            if nonce_hint is not None and enforced is None and report_only is None:
                hint = nonce_hint()
            where = placement(
                [enforced] if enforced else [],
                [report_only] if report_only else [],
                Origin.of(built.scheme, built.host, self._src),
                hint,
            )
            if where is None:
                skip = "csp"
            else:
                tag = script_tag(self._src, where.nonce, workers=where.workers)
                return Injector(tag, on_decided=self._decided)
        self._parts.observe(Kind.JSD_PAGE, "", reason=skip)
        return None

    def _not_here(self, request: Request) -> str | None:
        if self._paths and not any(p(request.path) for p in self._paths):
            return "path"
        expression = self._expression
        if expression is not None and not expression.evaluate(self._visit_of(request).fields):
            return "expression"
        return None

    def _decided(self, injected: bool, reason: str | None) -> None:
        self._parts.observe(Kind.JSD_PAGE, "", reason="injected" if injected else reason)

    # -- endpoints -----------------------------------------------------------------------

    def _api(self, request: Request, name: str) -> Flow[Outcome]:
        found = self._parts.assets.response(
            SCRIPT,
            request.method,
            request.header("if-none-match"),
            request.header("accept-encoding"),
        )
        return Answer(found or not_found())
        yield  # a generator, like every handler

    def _ticket(self, request: Request, name: str) -> Flow[Outcome]:
        parts = self._parts
        visit = self._visit_of(request)
        now = parts.clock()
        ray = answers.new_ray_id()
        held = visit.clearance
        left = _passing_for(held, now) if held is not None else 0
        if left > REFRESH_MARGIN:
            return Answer(answers.json_response(200, {"fresh": True, "next": left}, ray))
        ticket, token = self._tickets.issue(
            level=Level.NONE,
            difficulty=DIFFICULTY,
            client_ip=visit.ip,
            user_agent=visit.user_agent,
            target="/",
            ray=ray,
            now=now,
        )
        prefix = parts.config.path_prefix
        data = {
            "ticket": token,
            "seed": ticket.seed,
            "difficulty": ticket.difficulty,
            "steps": list(STEPS),
            # The program inline: this answer is already a fetch of the page's script.
            "step_params": {
                **{step.name: dict(step.issue(ticket)) for step in self._type.steps},
                "probe": dict(program_params(ticket)),
            },
            "ua_hash": ticket.ua_hash,
            "lang_hash": language_hash(request.header("accept-language")),
            "worker_url": f"{prefix}static/{hashed_name('pow-worker.js')}",
            "post_url": f"{prefix}jsd",
        }
        return Answer(answers.json_response(200, data, ray))
        yield  # a generator, like every handler

    def _post(self, request: Request, name: str) -> Flow[Outcome]:
        parts = self._parts
        config = parts.config
        ray = answers.new_ray_id()
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return self._refused(415, "unsupported-media-type", "Send application/json.", ray)
        if len(request.body) > config.max_solve_body:
            return self._refused(413, "too-large", "Detection too large.", ray)
        body = parse_solve_body(request.body)
        if body is None:
            return self._refused(400, "bad-request", 'Expected {"ticket": ..., "nonce": n}.', ray)
        site = (request.header("sec-fetch-site") or "same-origin").strip().lower()
        if site != "same-origin":
            return self._refused(403, "cross-site", "Only the site's own pages post here.", ray)
        visit = self._visit_of(request)
        if self._foreign_clearance(request, visit):
            return self._refused(
                403, Failure.OTHER_CLIENT.value, "Another client's clearance.", ray
            )
        now = parts.clock()
        try:
            ticket = self._tickets.open(body.token)
        except TokenError:
            return self._refused(403, Failure.INVALID.value, "Not a detection ticket.", ray)
        failure = self._tickets.check_client(
            ticket, visit.ip, visit.user_agent, now, config.clock_skew
        )
        if failure is not None:
            return self._refused(403, failure.value, "Not this client's ticket.", ray)
        decision = self._type.verify(body.submission(request, visit.user_agent, ticket, now))
        reason = decision.failure.reason if decision.failure is not None else None
        if reason is not None and reason is not Failure.AUTOMATED:
            # A wrong proof of work or answers past the ticket's minute: nothing was
            # detected, so nothing is recorded.
            return self._refused(403, reason.value, "The detection did not verify.", ray)
        first_use = yield from parts.local_spends.spend_once(
            Spend(f"jsd:{ticket.id}", max(ticket.expires_at - now, 0) + 60),
            config.store_failure,
            parts.store_warnings["ticket spending"],
        )
        if first_use is None:
            parts.observe(Kind.JSD_POST, ray, reason=STORE_UNAVAILABLE)
            return Answer(site_unavailable(ray, "The site cannot record this right now."))
        if not first_use:
            return self._refused(403, Failure.REPLAYED.value, "This ticket was used.", ray)
        passed = decision.assessment.js_passed and reason is None
        cookie = self._result_cookie(visit, passed, decision.assessment.score, now)
        parts.observe(Kind.JSD_POST, ray, reason="passed" if passed else "failed")
        return Answer(
            answers.json_response(
                200, {"ok": True, "next": LIFESPAN - REFRESH_MARGIN}, ray, extra=(cookie,)
            )
        )

    def _result_cookie(self, visit: Visit, passed: bool, score: int, now: float) -> tuple[str, str]:
        parts = self._parts
        held = visit.clearance
        until = int(now) + LIFESPAN
        if held is not None and held.level > Level.NONE:
            # The level, its lifetime, its work, id and PAT mark stay as they were.
            clearance = replace(held, score=score, js_passed=passed, js_until=until)
        else:
            clearance = Clearance(
                level=Level.NONE,
                issued_at=int(now),
                expires_at=until,
                binding=visit.binding,
                # Kept across refreshes: rate limits by clearance id still count it.
                id=held.id if held is not None else secrets.token_hex(8),
                score=score,
                js_passed=passed,
                js_until=until,
            )
        value = parts.clearances.seal(clearance)
        lasts = max(clearance.expires_at, until) - int(now) + parts.config.clock_skew
        return parts.cookies.set(visit.request.scheme, value, max_age=lasts)

    def _foreign_clearance(self, request: Request, visit: Visit) -> bool:
        """The post carries an authentic clearance bound to another network or browser."""
        if visit.clearance is not None:
            return False
        value = request.cookies.get(self._parts.cookies.name_for(request.scheme))
        if not value:
            return False
        found = self._parts.clearances.authentic(value)
        return found is not None and found.binding != visit.binding

    def _refused(self, status: int, reason: str, detail: str, ray: str) -> Answer:
        self._parts.observe(Kind.JSD_POST, ray, reason=reason)
        return Answer(
            answers.problem(answers.Problems.detection_refused(status, reason), detail, ray)
        )


def _passing_for(clearance: Clearance, now: float) -> int:
    """Seconds a passing result has left (0: none, failed or expired)."""
    if clearance.js_passed is not True:
        return 0
    until = clearance.js_until or clearance.expires_at
    return max(0, int(until - now))


__all__ = ["DIFFICULTY", "PURPOSE", "REFRESH_MARGIN", "Detections", "Ticket"]
