"""The sans-IO decision pipeline: one neutral request in, one outcome out.

``Engine.process(request)`` is a generator (see :mod:`humangate.effects`): it yields the
few store operations it needs (spending a ticket on solve) and returns an
:class:`Answer` (humangate responds itself) or a :class:`Forward` (call the app, adding
these response headers). It never imports a web framework and never does I/O itself.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from humangate import answers, pages, pow
from humangate.assets import StaticAssets
from humangate.clearance import Clearance, ClearanceCodec
from humangate.clientip import ClientIPResolver, IPAddress
from humangate.config import Config
from humangate.effects import Flow, Spend
from humangate.errors import StoreError, TokenError
from humangate.i18n import catalog
from humangate.levels import Action, Level
from humangate.request import Request, Response
from humangate.rules.context import RequestFields
from humangate.tickets import Failure, Ticket, TicketBook
from humangate.tokens import KeyRing

logger = logging.getLogger("humangate")
events = logging.getLogger("humangate.events")

HeaderList = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """humangate answers the request itself; the app is not called."""

    response: Response


@dataclass(frozen=True, slots=True)
class Forward:
    """Call the app; add ``headers`` to its response (e.g. replace a bad cookie)."""

    headers: HeaderList = ()
    clearance: Clearance | None = None


Outcome = Answer | Forward


@dataclass(frozen=True, slots=True)
class _Visitor:
    """What the engine knows about the client making this request."""

    ip: IPAddress | None
    user_agent: str
    binding: str
    clearance: Clearance | None
    bad_cookie: bool


class Engine:
    __slots__ = ("_assets", "_clearances", "_clock", "_config", "_cookies", "_resolver", "_tickets")

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        keys = KeyRing(config.secret_keys, purposes=("ticket", "clearance"))
        self._tickets = TicketBook(keys, config.ticket_seconds)
        self._clearances = ClearanceCodec(
            keys,
            ttl=config.passage_seconds,
            skew=config.skew_seconds,
            xhr_grace=config.xhr_grace_seconds,
        )
        self._resolver = ClientIPResolver(config.trusted_proxies)
        max_age = config.passage_seconds + config.skew_seconds + config.xhr_grace_seconds
        self._cookies = answers.CookieJar(
            config.cookie_name, config.cookie_secure, config.cookie_samesite, max_age
        )
        self._assets = StaticAssets()

    @property
    def config(self) -> Config:
        return self._config

    def process(self, request: Request) -> Flow[Outcome]:
        """Decide what happens to ``request`` (a generator; drive it with effects.run_*)."""
        prefix = self._config.path_prefix
        if request.path.startswith(prefix) and not request.websocket:
            return (yield from self._endpoint(request, request.path[len(prefix) :]))
        visitor = self._visitor(request)
        action = self._decide(request, visitor)
        return self._act(request, visitor, action)

    # -- rules ---------------------------------------------------------------------------

    def _decide(self, request: Request, visitor: _Visitor) -> Action:
        config = self._config
        if not config.compiled_rules:
            return Action(config.default_action)
        level = visitor.clearance.level if visitor.clearance else Level.NONE
        fields = RequestFields(
            request,
            visitor.ip,
            {
                "humangate.clearance.level": level.label,
                "http.request.clearance.uuid": visitor.clearance.id if visitor.clearance else "",
            },
        )
        for rule, expression in zip(config.rules, config.compiled_rules, strict=True):
            if not expression.evaluate(fields):
                continue
            action = Action(rule.action)
            if action is Action.LOG:
                events.info(
                    "rule matched (log)",
                    extra={"humangate": {"rule": rule.description or rule.expression}},
                )
                continue
            if action is Action.SKIP:
                return Action.ALLOW  # skip the remaining rules and the default action
            return action
        return Action(config.default_action)

    def _act(self, request: Request, visitor: _Visitor, action: Action) -> Outcome:
        forget = (self._cookies.clear(request.scheme),) if visitor.bad_cookie else ()
        if action is Action.BLOCK:
            return Answer(self._block(request, visitor, forget))
        if action.is_challenge:
            cleared = (
                visitor.clearance is not None and visitor.clearance.level >= action.required_level
            )
            if not cleared:
                return Answer(self._challenge(request, visitor, action.required_level, forget))
        return Forward(forget, visitor.clearance)

    def _visitor(self, request: Request) -> _Visitor:
        ip = self._resolver.resolve(request.peer, request.headers)
        user_agent = request.user_agent
        binding = self._config.clearance_binding.fingerprint(ip, user_agent)
        value = request.cookies.get(self._cookies.name_for(request.scheme))
        clearance = None
        if value:
            clearance = self._clearances.verify(
                value, binding, self._clock(), background=request.is_background_fetch
            )
        return _Visitor(
            ip, user_agent, binding, clearance, bad_cookie=bool(value) and clearance is None
        )

    # -- answers -------------------------------------------------------------------------

    def _challenge(
        self, request: Request, visitor: _Visitor, level: Level, extra: HeaderList
    ) -> Response:
        ray = answers.new_ray_id()
        headers = (("cf-mitigated", "challenge"), *extra)
        if request.websocket:
            return answers.problem(
                403, "challenge", "Challenge required", "", ray, extra_headers=headers
            )
        ticket, token = self._tickets.issue(
            level=level,
            difficulty=self._config.difficulty,
            client_ip=visitor.ip,
            user_agent=visitor.user_agent,
            target=request.target,
            ray=ray,
            now=self._clock(),
        )
        events.info(
            "challenge issued",
            extra={"humangate": {"ray": ray, "level": level.label, "path": request.path}},
        )
        if not request.accepts_html:
            return answers.problem(
                403,
                "challenge",
                "Challenge required",
                "Open this URL in a web browser to pass the challenge, then retry with its "
                "clearance cookie.",
                ray,
                extra_fields={"level": level.label, "challenge_url": ticket.target},
                extra_headers=headers,
            )
        nonce = answers.new_nonce()
        language = "en"
        messages = catalog(language)
        prefix = self._config.path_prefix
        body = pages.challenge_page(
            language=language,
            nonce=nonce,
            host=request.host,
            ray=ray,
            client_ip=str(visitor.ip or ""),
            script_url=f"{prefix}static/challenge.js",
            challenge=self._challenge_data(ticket, token, messages),
        )
        return _head_aware(request, answers.html_response(403, body, ray, nonce, headers))

    def _challenge_data(
        self, ticket: Ticket, token: str, messages: dict[str, str]
    ) -> dict[str, object]:
        prefix = self._config.path_prefix
        return {
            "v": 1,
            "ticket": token,
            "seed": ticket.seed,
            "difficulty": ticket.difficulty,
            "solve_url": f"{prefix}solve",
            "worker_url": f"{prefix}static/pow-worker.js",
            "level": ticket.level.label,
            "ray": ticket.ray,
            "steps": ["pow"],
            "messages": {
                key: messages[key]
                for key in (
                    "working",
                    "success",
                    "failed",
                    "retrying",
                    "progress_label",
                    "cookies_disabled",
                )
            },
        }

    def _block(self, request: Request, visitor: _Visitor, extra: HeaderList) -> Response:
        ray = answers.new_ray_id()
        events.info("blocked", extra={"humangate": {"ray": ray, "path": request.path}})
        if not request.accepts_html or request.websocket:
            return answers.problem(
                403,
                "blocked",
                "Access denied",
                "The site owner does not allow this request.",
                ray,
                extra_headers=extra,
            )
        nonce = answers.new_nonce()
        body = pages.block_page(
            language="en", nonce=nonce, host=request.host, ray=ray, client_ip=str(visitor.ip or "")
        )
        return _head_aware(request, answers.html_response(403, body, ray, nonce, extra))

    # -- humangate's own endpoints -------------------------------------------------------

    def _endpoint(self, request: Request, name: str) -> Flow[Outcome]:
        if name.startswith("static/"):
            if request.method not in ("GET", "HEAD"):
                return Answer(_method_not_allowed("GET, HEAD"))
            asset = self._assets.response(
                name[len("static/") :], request.method, request.header("if-none-match")
            )
            if asset is not None:
                return Answer(asset)
        elif name == "solve":
            if request.method != "POST":
                return Answer(_method_not_allowed("POST"))
            return (yield from self._solve(request))
        ray = answers.new_ray_id()
        return Answer(
            answers.problem(404, "not-found", "Not found", "No such humangate endpoint.", ray)
        )

    def _solve(self, request: Request) -> Flow[Outcome]:
        ray = answers.new_ray_id()
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return Answer(
                answers.problem(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "Send the solution as application/json.",
                    ray,
                )
            )
        if len(request.body) > self._config.max_solve_body:
            return Answer(
                answers.problem(413, "too-large", "Payload too large", "Solution too large.", ray)
            )
        submission = _parse_submission(request.body)
        if submission is None:
            return Answer(
                answers.problem(
                    400,
                    "bad-request",
                    "Bad request",
                    'Expected {"ticket": "...", "nonce": <integer>}.',
                    ray,
                )
            )
        token, nonce, signals = submission
        now = self._clock()
        try:
            ticket = self._tickets.open(token)
        except TokenError:
            return Answer(self._solve_failed(Failure.INVALID, None, ray))
        visitor = self._visitor(request)
        failure = self._tickets.check_client(
            ticket,
            visitor.ip,
            visitor.user_agent,
            now,
            self._config.skew_seconds,
        )
        if failure is None and not pow.is_solution(ticket.seed, nonce, ticket.difficulty):
            failure = Failure.WRONG_SOLUTION
        if failure is None and _looks_automated(visitor.user_agent, signals):
            failure = Failure.AUTOMATED
        if failure is not None:
            return Answer(self._solve_failed(failure, ticket, ray))
        try:
            first_use = yield Spend(f"ticket:{ticket.id}", max(ticket.expires_at - now, 0) + 60)
        except StoreError as exc:
            logger.warning("store unavailable while spending a ticket: %s", exc)
            return Answer(
                answers.problem(
                    503,
                    "unavailable",
                    "Try again shortly",
                    "Verification is briefly unavailable.",
                    ray,
                    extra_headers=(("retry-after", "5"),),
                )
            )
        if not first_use:
            return Answer(self._solve_failed(Failure.REPLAYED, ticket, ray))
        return Answer(self._solved(request, visitor, ticket, now))

    def _solved(self, request: Request, visitor: _Visitor, ticket: Ticket, now: float) -> Response:
        # A higher clearance replaces a lower one, never the other way round.
        held = visitor.clearance.level if visitor.clearance else Level.NONE
        _, cookie = self._clearances.issue(max(held, ticket.level), visitor.binding, now)
        events.info(
            "challenge solved",
            extra={"humangate": {"ray": ticket.ray, "level": ticket.level.label}},
        )
        return answers.json_response(
            200,
            {"ok": True, "redirect": ticket.target},
            ticket.ray,
            extra=(self._cookies.set(request.scheme, cookie),),
        )

    def _solve_failed(self, failure: Failure, ticket: Ticket | None, ray: str) -> Response:
        events.info("challenge failed", extra={"humangate": {"ray": ray, "reason": failure.value}})
        data: dict[str, object] = {
            "ok": False,
            "reason": failure.value,
            "message": catalog("en")[f"failure_{failure.value}"],
            "ray_id": ray,
        }
        if ticket is not None:
            data["redirect"] = ticket.target
        return answers.json_response(403, data, ray, extra=(("cf-mitigated", "challenge"),))


def _parse_submission(body: bytes) -> tuple[str, int, dict[str, object]] | None:
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
    return token, nonce, signals


def _looks_automated(user_agent: str, signals: dict[str, object]) -> bool:
    """Hard automation markers: a headless User-Agent, or the page saw webdriver set."""
    return "HeadlessChrome" in user_agent or signals.get("webdriver") is not False


def _method_not_allowed(allow: str) -> Response:
    ray = answers.new_ray_id()
    return answers.problem(
        405,
        "method-not-allowed",
        "Method not allowed",
        f"Use {allow}.",
        ray,
        extra_headers=(("allow", allow),),
    )


def _head_aware(request: Request, response: Response) -> Response:
    if request.method == "HEAD":
        return Response(response.status, response.headers, b"")
    return response
