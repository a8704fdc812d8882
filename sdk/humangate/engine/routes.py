"""humangate's own endpoints under ``path_prefix``: one table of name -> route.

A route says which methods it takes (anything else is a 405), how many bytes of body
it reads (only the POST endpoints read one) and what answers it. Names not in the
table are a 404 problem document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import parse_qs

from humangate import challenges
from humangate.crypto.tickets import Ticket
from humangate.effects import Blocking, Flow, ReadBody, Spend
from humangate.engine import audit, cleared
from humangate.engine.challenge import Challenger, done_page
from humangate.engine.outcome import Answer, Forward, Outcome
from humangate.engine.parts import Parts
from humangate.engine.solve import Solver
from humangate.engine.visit import Visit
from humangate.errors import ConfigError, StoreError, TokenError
from humangate.http import answers
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.pages.endpoints import catalog_response, favicon_response
from humangate.pat import compose as pat
from humangate.probes.step import program_params

GET = ("GET", "HEAD")
POST = ("POST",)

# A route's work: the request (its body read when the route takes one) and the name
# after the prefix -> the outcome, possibly after store operations.
Handler = Callable[[Request, str], Flow[Outcome]]
VisitOf = Callable[[Request], Visit]


@dataclass(frozen=True, slots=True)
class Route:
    methods: tuple[str, ...] | None  # None: the handler answers every method itself
    handler: Handler
    body_limit: int | None = None  # bytes of body read before the handler runs


class Routes:
    __slots__ = ("_challenger", "_exact", "_parts", "_prefixed", "_solver", "_visit_of")

    def __init__(
        self,
        parts: Parts,
        visit_of: VisitOf,
        challenger: Challenger,
        solver: Solver,
        extra: dict[str, Route] | None = None,
    ) -> None:
        self._parts = parts
        self._visit_of = visit_of
        self._challenger = challenger
        self._solver = solver
        config = parts.config
        self._exact: dict[str, Route] = {
            "solve": Route(POST, self._solve, config.max_solve_body),
            "cleared": Route(POST, self._cleared, cleared.MAX_BODY),
            # The challenge page's hyperlink-auditing ping (engine/audit.py): any method.
            "audit": Route(None, self._audit),
            "challenge": Route(GET, self._challenge),
            # The probe program of a challenge page's ticket (probes/step.py).
            "probe": Route(GET, self._probe),
            "done": Route(
                None, _answering(lambda request, _: answers.head_aware(request, done_page()))
            ),
            "favicon.ico": Route(GET, self._catalog_or_icon),
            "metrics": Route(None, self._analytics),
            "dashboard": Route(None, self._analytics),
            **(extra or {}),  # the widget's routes (humangate.engine.widget)
        }
        if parts.pat is not None:  # Private Access Tokens configured (humangate.pat)
            self._exact[pat.ENDPOINT] = Route(GET, self._redeem_token)
        # Longest prefix first: a plugin's script is found before the static files.
        self._prefixed: tuple[tuple[str, Route], ...] = (
            ("static/challenges/", Route(GET, _answering(self._plugin_script))),
            ("static/", Route(GET, _answering(self._asset))),
            ("i18n/", Route(GET, self._catalog_or_icon)),
        )

    def route(self, name: str) -> Route | None:
        route = self._exact.get(name)
        if route is None:
            for prefix, candidate in self._prefixed:
                if name.startswith(prefix):
                    return candidate
        return route

    def answer(self, request: Request, name: str) -> Flow[Outcome]:
        """The outcome for ``{prefix}{name}``."""
        route = self.route(name)
        if route is None:
            return Answer(not_found())
        if route.methods is not None and request.method not in route.methods:
            return Answer(answers.method_not_allowed(", ".join(route.methods)))
        if route.body_limit is not None:
            body = yield ReadBody(route.body_limit)
            if isinstance(body, bytes):  # None: the caller put it in the Request already
                request = replace(request, body=body)
        return (yield from route.handler(request, name))

    # -- handlers ------------------------------------------------------------------------

    def _solve(self, request: Request, name: str) -> Flow[Outcome]:
        return Answer((yield from self._solver.solve(self._visit_of(request))))

    def _challenge(self, request: Request, name: str) -> Flow[Outcome]:
        return Answer((yield from self._challenger.explicit(self._visit_of(request))))

    def held_form(self, request: Request) -> Flow[Outcome]:
        """A holding page's submission, back at the form's own address (its body read;
        engine/replay.py): the held form goes to the app if authentic, sent to the
        address it was sealed for, this client's, cleared, and not sent before."""
        parts = self._parts
        replays = parts.replays
        now = parts.clock()
        visit = self._visit_of(request)
        held = replays.open(request, visit.ip, now)
        refused = Answer(replays.refused(request, answers.new_ray_id()))
        if held is None or not held.requirement.met_by(visit.clearance):
            return refused
        try:
            first_use = yield Spend(f"replay:{held.id}", max(held.expires_at - now, 0) + 60)
        except StoreError as exc:
            parts.store_warnings["replays"](exc)
            first_use = False
        if not first_use:
            return refused
        return Forward(visit.forget, visit.clearance, replay=held.replay)

    def _cleared(self, request: Request, name: str) -> Flow[Outcome]:
        """Another tab earned the clearance this tab's ticket asks for (engine/cleared.py)."""
        parts = self._parts
        visit = self._visit_of(request)
        return Answer(
            cleared.cleared_answer(
                request,
                parts.tickets,
                client_ip=visit.ip,
                user_agent=visit.user_agent,
                clearance=visit.clearance,
                now=parts.clock(),
                skew=parts.config.clock_skew,
            )
        )
        yield  # a generator, like every handler

    def _audit(self, request: Request, name: str) -> Flow[Outcome]:
        parts = self._parts
        return Answer(audit.audit_answer(request, parts.tickets, now=parts.clock()))
        yield  # a generator, like every handler

    def _probe(self, request: Request, name: str) -> Flow[Outcome]:
        """``{prefix}probe?ticket=…``: the program of that ticket, if current and this
        client's. Regenerated from the sealed seed (and cached), so asking twice costs
        once and answers the same."""
        ticket = self._token_ticket(request)
        ray = answers.new_ray_id()
        if ticket is None:
            return Answer(
                answers.problem(
                    answers.Problems.INVALID_TICKET,
                    "This challenge expired or belongs to another browser: reload the page.",
                    ray,
                )
            )
        return Answer(
            answers.head_aware(request, answers.json_response(200, program_params(ticket), ray))
        )
        yield  # a generator, like every handler

    def _redeem_token(self, request: Request, name: str) -> Flow[Outcome]:
        """``{prefix}pat?ticket=…``: a Private Access Token for that ticket's challenge."""
        parts = self._parts
        assert parts.pat is not None  # routed only when configured
        redeemed = yield from parts.pat.redeem(request, self._token_ticket(request), parts.clock())
        return Answer(answers.head_aware(request, redeemed))

    def _token_ticket(self, request: Request) -> Ticket | None:
        """The ticket a token redemption names, if current and this client's."""
        parts = self._parts
        try:
            ticket = parts.tickets.open(parse_qs(request.query).get("ticket", [""])[0])
        except TokenError:
            return None
        visit = self._visit_of(request)
        failure = parts.tickets.check_client(
            ticket, visit.ip, visit.user_agent, parts.clock(), parts.config.clock_skew
        )
        return ticket if failure is None else None

    def _analytics(self, request: Request, name: str) -> Flow[Outcome]:
        analytics = self._parts.analytics
        ip = self._parts.resolver.resolve(request.peer, request.headers)
        # Store reads and a flush: blocking work, run off the event loop under ASGI.
        found = yield Blocking(partial(analytics.endpoint, name, request, ip))
        if isinstance(found, Response):
            return Answer(found)
        return Answer(not_found())  # unconfigured or not allowed: as if not there

    def _catalog_or_icon(self, request: Request, name: str) -> Flow[Outcome]:
        etag = request.header("if-none-match")
        icon = self._parts.favicon
        if name == "favicon.ico":
            found = None if icon is None else favicon_response(icon, request.method, etag)
        else:
            found = catalog_response(name[len("i18n/") :], request.method, etag)
        return Answer(found or not_found())
        yield  # a generator, like every handler

    def _plugin_script(self, request: Request, name: str) -> Response | None:
        """The JS half of a plugin step, served from the registered step itself."""
        if not name.endswith(".js"):
            return self._asset(request, name)
        try:
            step = challenges.get_step(name[len("static/challenges/") : -len(".js")])
        except ConfigError:
            return None
        if step.script is None:
            return None
        headers = (
            ("content-type", "text/javascript; charset=utf-8"),
            ("cache-control", "public, max-age=300"),
            ("x-content-type-options", "nosniff"),
        )
        return answers.head_aware(request, Response(200, headers, step.script.encode()))

    def _asset(self, request: Request, name: str) -> Response | None:
        return self._parts.assets.response(
            name[len("static/") :],
            request.method,
            request.header("if-none-match"),
            request.header("accept-encoding"),
        )


def _answering(make: Callable[[Request, str], Response | None]) -> Handler:
    """A handler that answers without store operations (None: not found)."""

    def handler(request: Request, name: str) -> Flow[Outcome]:
        return Answer(make(request, name) or not_found())
        yield  # a generator, like every handler

    return handler


def not_found() -> Response:
    ray = answers.new_ray_id()
    return answers.problem(answers.Problems.NOT_FOUND, "No such humangate endpoint.", ray)
