"""The engine: one neutral request in, one outcome out.

``Engine.process(request)`` is a generator (see :mod:`humangate.effects`): it yields the
I/O it needs (store operations, reading a body, blocking analytics reads) and returns an
:class:`Answer` (humangate responds itself) or a :class:`Forward` (call the app, adding
these response headers). It never imports a web framework and never does I/O itself.

The stages follow the request: a :class:`Visit` is built once (:mod:`.visit`), the rule
phases decide (:mod:`.decide`), and the visit is passed, challenged (:mod:`.challenge`)
or refused (:mod:`.refuse`); requests under the prefix go to the own endpoints
(:mod:`.routes`, solving in :mod:`.solve`). :meth:`Engine.settle` is the measured fast
path beside it all for a returning visitor whose clearance settles the request.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from humangate.client.ip import FORWARDED_HEADERS, IPAddress
from humangate.config import Config
from humangate.crypto.clearance import Clearance, Requirement
from humangate.effects import Flow, ReadBody
from humangate.engine.challenge import Challenger
from humangate.engine.decide import Decider, deciding_match
from humangate.engine.jsd import Detections
from humangate.engine.outcome import Answer, Forward, Outcome
from humangate.engine.parts import Parts
from humangate.engine.refuse import Refuser
from humangate.engine.replay import HINT_COOKIE
from humangate.engine.routes import Routes
from humangate.engine.solve import Solver
from humangate.engine.visit import Visit, visit_of
from humangate.engine.widget import Widget
from humangate.errors import StoreError
from humangate.events import Observer
from humangate.http import answers
from humangate.http.preflight import is_cors_preflight
from humangate.http.request import MAX_HEADER_VALUE, Request, cookie_value
from humangate.http.response import Response
from humangate.immutable import immutable
from humangate.levels import Action, Level
from humangate.observe import Analytics
from humangate.rules import uri
from humangate.rules.context import RequestFields
from humangate.rules.phases import DEFAULT, Phases, Verdict
from humangate.turnstile.siteverify import Siteverifier

H = TypeVar("H")  # an adapter's own representation of a request's headers
# settle()'s memory of which clearance a visitor's request lines name: entries, and the
# longest Cookie + User-Agent it keeps (so the cache stays within a few megabytes).
SETTLE_CACHE_SIZE = 1024
SETTLE_CACHE_KEY_CHARS = 4096


@immutable
class _Held:
    """A clearance a returning visitor's request lines name, as settle() keeps it: the
    answer it gives and what it checks on every request."""

    forward: Forward  # Forward((), clearance): the answer when current and high enough
    level: Level
    work: int
    not_before: float
    not_after: float


class Engine:
    __slots__ = (
        "_challenger",
        "_decider",
        "_fixed_action",
        "_held_clearance",
        "_parts",
        "_prefix",
        "_reads_forwarded",
        "_record_pass",
        "_refuser",
        "_routes",
        "_settled_level",
        "_settled_work",
        "_widget",
        "detections",
    )

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.time) -> None:
        parts = self._parts = Parts(config, clock)
        self._decider = Decider(parts)
        self._challenger = Challenger(parts)
        self._refuser = Refuser(parts)
        solver = Solver(parts)
        # The Turnstile-compatible widget's endpoints (humangate.turnstile).
        self._widget = Widget(parts, self._visit, self._challenger, solver)
        # JavaScript Detections: the injection plan and its endpoints (humangate.jsd).
        self.detections = Detections(parts, self._visit)
        self._routes = Routes(
            parts,
            self._visit,
            self._challenger,
            solver,
            extra={**self._widget.routes(), **self.detections.routes()},
        )
        # No rule to evaluate: every request gets the default action (config is frozen).
        self._fixed_action = (
            Action(config.default_action)
            if parts.phases.is_trivial and not config.under_attack
            else None
        )
        # What settle() needs, worked out once: the level the lone challenge action asks
        # for (None: settle() never applies) and whether the client IP comes from headers.
        self._settled_level = (
            self._fixed_action.required_level
            if self._fixed_action is not None and self._fixed_action.is_challenge
            else None
        )
        self._settled_work = (
            parts.required_work(self._settled_level, None) if self._settled_level else 0
        )
        self._reads_forwarded = parts.resolver.reads_headers
        self._prefix = config.path_prefix
        self._record_pass = parts.record_pass
        self._held_clearance = functools.lru_cache(maxsize=SETTLE_CACHE_SIZE)(
            self._find_held_clearance
        )

    @property
    def config(self) -> Config:
        return self._parts.config

    @property
    def siteverifier(self) -> Siteverifier:
        """What ``humangate.turnstile.verify`` uses in this process (see the adapters)."""
        return self._widget.siteverifier

    @property
    def phases(self) -> Phases:
        return self._parts.phases

    def add_observer(self, observer: Observer) -> None:
        """Report every future decision to ``observer`` too (metrics, analytics)."""
        self._parts.add_observer(observer)

    def rule_fields(
        self, request: Request, ip: IPAddress | None, clearance: Clearance | None
    ) -> RequestFields:
        """The fields rules read for ``request`` (also used by ``humangate rules test``)."""
        return self._decider.rule_fields(request, ip, clearance)

    # The clock, phases and analytics live in the shared parts; these let tests and
    # tools reach them where they always were.
    @property
    def _clock(self) -> Callable[[], float]:
        return self._parts.clock

    @_clock.setter
    def _clock(self, clock: Callable[[], float]) -> None:
        self._parts.clock = clock

    @property
    def _phases(self) -> Phases:
        return self._parts.phases

    @property
    def _analytics(self) -> Analytics:
        return self._parts.analytics

    # -- the settled fast path ----------------------------------------------------------

    @property
    def settles(self) -> bool:
        """Whether :meth:`settle` can ever apply (a lone challenge action decides every
        request). When not, an adapter need not gather what settle() reads."""
        return self._settled_level is not None

    def settle(
        self,
        scheme: str,
        path: str,
        peer: str | None,
        *,
        cookies: str | None,
        user_agent: str,
        headers: H,
        header: Callable[[H, str], str | None],
    ) -> Forward | None:
        """The common request decided without a Request or a flow, or None: use process().

        It applies when a challenge action alone decides (no rule, not under attack) and
        the visitor holds a clearance that satisfies it; the answer is then the Forward
        process() gives. Anything else returns None: humangate's own paths, no clearance
        or one that does not verify, any other action.

        The adapter hands over the Cookie and User-Agent lines itself (every call reads
        them; a direct lookup is cheapest) and, for the rest, its own ``headers`` with a
        function that reads them: ``header(headers, name)`` is a header by lower-case
        name, repeated lines joined with ", " as :meth:`Request.header` does, or None.
        (A plain function and the adapter's data, so no callable is built per request.)
        Only the forwarding headers, behind trusted proxies, are asked for.
        """
        required = self._settled_level
        if required is None or not cookies or path.startswith(self._prefix):
            return None
        if HINT_COOKIE in cookies:
            return None  # a held form may be on its way back: process() reads it
        forwarded = (
            tuple((name, found) for name in FORWARDED_HEADERS if (found := header(headers, name)))
            if self._reads_forwarded
            else ()
        )
        # Returning visitors send the same lines request after request: remember which
        # clearance they name (a bounded cache; over-long lines are looked up afresh).
        find = (
            self._held_clearance
            if len(cookies) + len(user_agent) <= SETTLE_CACHE_KEY_CHARS
            else self._find_held_clearance
        )
        held = find(scheme, cookies, peer, user_agent, forwarded)
        if held is None or held.level < required or held.work < self._settled_work:
            return None  # none, not this visitor's, or too low: process() answers
        now = self._parts.clock()
        if not held.not_before <= now <= held.not_after:
            return None  # expired (checked on every request, never cached)
        self._record_pass(DEFAULT, held.level.label, now)
        return held.forward

    def _find_held_clearance(
        self,
        scheme: str,
        cookies: str,
        peer: str | None,
        user_agent: str,
        forwarded: tuple[tuple[str, str], ...],
    ) -> _Held | None:
        """The authentic clearance these request lines carry for this client, current or
        not: a function of its arguments alone, so settle() may cache it."""
        if len(user_agent) > MAX_HEADER_VALUE:
            return None  # process() refuses the request's clearance too
        parts = self._parts
        value = cookie_value(cookies, parts.cookies.name_for(scheme))
        if not value:
            return None
        ip = parts.resolver.resolve(peer, forwarded)
        binding = parts.config.clearance_binding.fingerprint(ip, user_agent)
        clearance = parts.clearances.bound(value, binding)
        if clearance is None:
            return None
        not_before, not_after = parts.clearances.lifetime(clearance)
        return _Held(Forward((), clearance), clearance.level, clearance.work, not_before, not_after)

    # -- the full flow ------------------------------------------------------------------

    def process(self, request: Request) -> Flow[Outcome]:
        """Decide what happens to ``request`` (a generator; drive it with effects.run_*)."""
        prefix = self._parts.config.path_prefix
        if request.path.startswith(prefix) and not request.websocket:
            return (yield from self._routes.answer(request, request.path[len(prefix) :]))
        if self._parts.replays.may_carry(request):
            return (yield from self._held_form_back(request))
        return (yield from self._decide_and_act(request))

    def _held_form_back(self, request: Request) -> Flow[Outcome]:
        """A POST that may be a holding page's submission (engine/replay.py): its body is
        read first. The held form goes to the app; any other form goes through the gate
        as usual, the app getting the body that was read."""
        replays = self._parts.replays
        body = yield ReadBody(replays.form_limit)
        if not isinstance(body, bytes):  # no body to read here: nothing was consumed
            return (yield from self._decide_and_act(request))
        request = replace(request, body=body)
        if replays.is_submission(body):
            return (yield from self._routes.held_form(request))
        outcome = yield from _with_body_read(self._decide_and_act(request), body)
        if isinstance(outcome, Forward) and outcome.replay is None:
            outcome = replace(outcome, replay=replays.passthrough(request))
        return outcome

    def _decide_and_act(self, request: Request) -> Flow[Outcome]:
        visit = self._visit(request)
        if self._fixed_action is not None:  # no rules: no verdict to build, nothing counted
            return (yield from self._act(visit, self._fixed_action, DEFAULT))
        mode = self._parts.uri_mode
        if uri.needs_normalising(request.path, mode):
            # Rules and app must see one path: send the client to the normal form first.
            location = uri.redirect_location(request.path, request.query, mode)
            return Answer(answers.head_aware(request, _moved(location)))
        verdict = yield from self._decider.decide(visit)
        deciding = deciding_match(verdict)
        rule = deciding.label if deciding else verdict.phase  # "default" or "under_attack"
        if verdict.limited is not None and verdict.action is Action.BLOCK:
            return Answer(self._refuser.rate_limited(visit, verdict.limited, rule))
        if verdict.limited is not None:
            # Over a challenge-action rate limit: the clearance held predates the limit
            # being exceeded (the phases let a fresher one through), so solve again.
            visit = visit.without_clearance()
        bits = deciding.difficulty if deciding else None
        outcome = yield from self._act(visit, verdict.action, rule, bits)
        if verdict.pending and isinstance(outcome, Forward):
            outcome = replace(outcome, count_response=self._decider.response_counter(verdict))
        return outcome

    def require(self, request: Request, action: Action, rule: str = "route") -> Flow[Outcome]:
        """What a route that requires ``action`` answers (humangate.decorators),
        after the rules let the request through: the challenge (or, for a form POST, the
        held-form answer) when the visitor's clearance is below it, else a Forward."""
        return (yield from self._act(self._visit(request), action, rule))

    def _visit(self, request: Request) -> Visit:
        return visit_of(request, self._parts, self._decider.rule_fields)

    # Kept under their old names: tests drive the phases with them.
    _visitor = _visit

    def _decide(self, request: Request, visit: Visit) -> Flow[Verdict]:
        return self._decider.decide(visit)

    def _act(
        self,
        visit: Visit,
        action: Action,
        rule: str | None = None,
        rule_bits: int | None = None,
    ) -> Flow[Outcome]:
        """Pass, challenge or block this visit as ``action`` says."""
        if action is Action.BLOCK:
            return Answer(self._refuser.block(visit, rule))
        clearance = visit.clearance
        if action.is_challenge and not _is_unchallengeable(visit.request):
            level = action.required_level
            need = Requirement(level, self._parts.required_work(level, rule_bits))
            if not need.met_by(clearance):
                return Answer((yield from self._challenger.answer(visit, need, rule)))
            label = clearance.level.label if clearance else None
            self._parts.record_pass(rule, label, self._parts.clock())
        return Forward(visit.forget, clearance)


T = TypeVar("T")


def _with_body_read(flow: Flow[T], body: bytes) -> Flow[T]:
    """``flow``, its ReadBody operations answered from ``body`` (already read from the
    request); every other operation is passed through to the runner."""
    try:
        operation = next(flow)
        while True:
            if isinstance(operation, ReadBody):
                operation = flow.send(body[: operation.limit + 1])
                continue
            try:
                result = yield operation
            except StoreError as exc:  # the runners throw store failures only
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _is_unchallengeable(request: Request) -> bool:
    """Requests a challenge can never help with, so challenge actions let them through.

    A CORS preflight cannot carry cookies, so it could never pass; the real request that
    follows it is challenged instead (only a bodiless one shaped as browsers send it:
    humangate.http.preflight). The site's ``/favicon.ico`` is what the challenge page itself
    shows in the tab; challenging it only hides the icon. Blocks still apply.
    """
    if request.method == "OPTIONS":
        return is_cors_preflight(request)
    return request.method in ("GET", "HEAD") and request.path == "/favicon.ico"


def _moved(location: str) -> Response:
    """The 308 to a path's normal form (humangate.rules.uri)."""
    ray = answers.new_ray_id()
    body = b"This address is not in normal form; it moved to the one in Location.\n"
    headers = (
        ("location", location),
        ("content-type", "text/plain; charset=utf-8"),
        *answers.base_headers(ray),
    )
    return Response(308, headers, body)
