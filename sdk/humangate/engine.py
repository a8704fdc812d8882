"""The sans-IO decision pipeline: one neutral request in, one outcome out.

``Engine.process(request)`` is a generator (see :mod:`humangate.effects`): it yields the
few store operations it needs (spending a ticket on solve) and returns an
:class:`Answer` (humangate responds itself) or a :class:`Forward` (call the app, adding
these response headers). It never imports a web framework and never does I/O itself.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar, cast
from urllib.parse import parse_qs

from humangate import answers, challenges, faults, pages
from humangate.assets import StaticAssets
from humangate.bots import VerifiedBots
from humangate.clearance import Clearance, ClearanceCodec, Requirement
from humangate.clientip import FORWARDED_HEADERS, ClientIPResolver, IPAddress
from humangate.config import Config
from humangate.effects import Flow, Spend
from humangate.errors import ConfigError, StoreError, TokenError
from humangate.events import Event, Kind, LoggingObserver, Observer, PassObserver
from humangate.geo import TrustedPeers, header_country, open_geo
from humangate.i18n import available, catalog, choose_language
from humangate.immutable import immutable
from humangate.levels import Action, Level
from humangate.observe import Analytics
from humangate.pages.endpoints import SCRIPT_MESSAGES, catalog_response, favicon_response
from humangate.preflight import is_cors_preflight
from humangate.replay import Replay, ReplayDesk, is_replayable
from humangate.request import MAX_HEADER_VALUE, Request, Response, cookie_value
from humangate.risk import Strikes, assess
from humangate.rules import ratelimit, service, uri
from humangate.rules.context import RequestFields
from humangate.rules.phases import DEFAULT, Match, Phases, Verdict
from humangate.rules.ratelimit import Limited
from humangate.signals import Assessment, primary_language
from humangate.solve_body import parse_solve_body
from humangate.tickets import Failure, Ticket, TicketBook, user_agent_hash
from humangate.tokens import KeyRing

logger = logging.getLogger("humangate")
signals_logger = logging.getLogger("humangate.signals")

HeaderList = tuple[tuple[str, str], ...]
PassRecorder = Callable[[str | None, str | None, float], None]
H = TypeVar("H")  # an adapter's own representation of a request's headers
_PASSED = Kind.PASSED_WITH_CLEARANCE
# settle()'s memory of which clearance a visitor's request lines name: entries, and the
# longest Cookie + User-Agent it keeps (so the cache stays within a few megabytes).
SETTLE_CACHE_SIZE = 1024
SETTLE_CACHE_KEY_CHARS = 4096


@immutable
class Answer:
    """humangate answers the request itself; the app is not called.

    ``replay_level`` is set when a form POST was challenged (what the clearance must
    show: level and work): an adapter that can hold the body reads it (at most
    ``config.replay_max_body + 1`` bytes) and answers with
    ``engine.hold(request, body, replay_level)`` instead; ``response`` (a "submit the
    form again" 403) is what an adapter without that support sends.
    """

    response: Response
    replay_level: Requirement | None = None


@immutable
class Forward:
    """Call the app; add ``headers`` to its response (e.g. replace a bad cookie)."""

    headers: HeaderList = ()
    clearance: Clearance | None = None
    replay: Replay | None = None  # call the app with this held request instead
    # Rate limits that count by the response (http.response.code): the adapter runs
    # count_response(status) with the store once the app has started its response.
    count_response: Callable[[int], Flow[None]] | None = None


Outcome = Answer | Forward


@immutable
class _Held:
    """A clearance a returning visitor's request lines name, as settle() keeps it: the
    answer it gives and what it checks on every request."""

    forward: Forward  # Forward((), clearance): the answer when current and high enough
    level: Level
    work: int
    not_before: float
    not_after: float


@immutable
class _Visitor:
    """What the engine knows about the client making this request."""

    ip: IPAddress | None
    user_agent: str
    binding: str
    clearance: Clearance | None
    bad_cookie: bool


@dataclass(frozen=True, slots=True)
class _Refusal:
    """What differs between a block (403) and a rate limit (429) answer."""

    status: int
    page: Literal["block", "rate_limited"]
    event: Kind
    title: str
    detail: str
    extra_fields: dict[str, object] | None = None

    @property
    def problem_kind(self) -> str:
        return "blocked" if self.page == "block" else "rate-limited"


def _pass_recorder(observer: Observer) -> PassRecorder:
    """How ``observer`` hears of a pass: its own record_pass, or an Event."""
    if isinstance(observer, PassObserver):
        return observer.record_pass

    def record_pass(rule: str | None, level: str | None, at: float) -> None:
        observer.record(Event(_PASSED, "", at, rule=rule, level=level))

    return record_pass


class Engine:
    __slots__ = (
        "_analytics",
        "_assets",
        "_clearances",
        "_clock",
        "_config",
        "_cookies",
        "_fixed_action",
        "_held_clearance",
        "_observers",
        "_peers",
        "_phases",
        "_reads_forwarded",
        "_replays",
        "_resolver",
        "_services",
        "_settled_level",
        "_settled_work",
        "_store_warnings",
        "_strikes",
        "_tickets",
        "_types",
        "_uri_mode",
    )

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._uri_mode = cast(uri.Mode, config.uri_normalization)
        keys = KeyRing(config.secret_keys, purposes=("ticket", "clearance"))
        self._tickets = TicketBook(keys, config.ticket_seconds)
        self._clearances = ClearanceCodec(
            keys,
            ttl=config.passage_seconds,
            skew=config.skew_seconds,
            xhr_grace=config.xhr_grace_seconds,
        )
        self._resolver = ClientIPResolver(config.trusted_proxies, config.trusted_proxy_peers)
        max_age = config.passage_seconds + config.skew_seconds + config.xhr_grace_seconds
        self._cookies = answers.CookieJar(
            config.cookie_name, config.cookie_secure, config.cookie_samesite, max_age
        )
        self._assets = StaticAssets()
        # Each observer with how it takes a pass (see PassObserver).
        self._observers: list[tuple[Observer, PassRecorder]] = []
        self.add_observer(LoggingObserver())
        # Shared analytics (humangate.observe): counted in process, flushed in the background.
        self._analytics = Analytics(config, clock=clock)
        if config.analytics:
            self.add_observer(self._analytics.recorder)
        # One throttled warning per purpose: an outage must not log once per request.
        self._store_warnings = {
            purpose: faults.ThrottledWarning(f"for {purpose}")
            for purpose in ("ticket spending", "rate limits", "replays", "failure counts")
        }
        self._strikes = Strikes(self._store_warnings["failure counts"])
        self._peers = TrustedPeers(config.trusted_proxies, config.trusted_proxy_peers)
        bots = VerifiedBots.load(config.bots_file) if config.verified_bots else None
        self._phases = Phases(config, open_geo(config.geoip_country_db, config.geoip_asn_db), bots)
        # No rule to evaluate: every request gets the default action (config is frozen).
        self._fixed_action = (
            Action(config.default_action)
            if self._phases.is_trivial and not config.under_attack
            else None
        )
        self._replays = ReplayDesk(
            KeyRing(config.secret_keys, purposes=("replay",)),
            max_body=config.replay_max_body,
            ttl=config.ticket_seconds,
            prefix=config.path_prefix,
        )
        self._services = service.ServiceTokens(
            KeyRing(config.secret_keys, purposes=(service.PURPOSE,)),
            config.revoked_service_tokens,
        )
        # What settle() needs, worked out once: the level the lone challenge action asks
        # for (None: settle() never applies) and whether the client IP comes from headers.
        self._settled_level = (
            self._fixed_action.required_level
            if self._fixed_action is not None and self._fixed_action.is_challenge
            else None
        )
        self._settled_work = (
            self._required_work(self._settled_level, None) if self._settled_level else 0
        )
        self._reads_forwarded = self._resolver.reads_headers
        self._held_clearance = functools.lru_cache(maxsize=SETTLE_CACHE_SIZE)(
            self._find_held_clearance
        )
        # Challenge type per level, plugins resolved now so a missing one fails at start-up.
        self._types = challenges.challenge_types(config.challenge_steps)

    @property
    def config(self) -> Config:
        return self._config

    def add_observer(self, observer: Observer) -> None:
        """Report every future decision to ``observer`` too (metrics, analytics)."""
        self._observers.append((observer, _pass_recorder(observer)))

    def _observe(self, kind: Kind, ray: str, **details: object) -> None:
        event = Event(kind, ray, self._clock(), **details)  # type: ignore[arg-type]
        for observer, _ in self._observers:
            try:
                observer.record(event)
            except Exception:  # an observer must never break a request
                logger.exception("humangate observer %r failed", observer)

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
        if required is None or not cookies or path.startswith(self._config.path_prefix):
            return None
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
        now = self._clock()
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
        value = cookie_value(cookies, self._cookies.name_for(scheme))
        if not value:
            return None
        ip = self._resolver.resolve(peer, forwarded)
        binding = self._config.clearance_binding.fingerprint(ip, user_agent)
        clearance = self._clearances.bound(value, binding)
        if clearance is None:
            return None
        not_before, not_after = self._clearances.lifetime(clearance)
        return _Held(Forward((), clearance), clearance.level, clearance.work, not_before, not_after)

    def process(self, request: Request) -> Flow[Outcome]:
        """Decide what happens to ``request`` (a generator; drive it with effects.run_*)."""
        prefix = self._config.path_prefix
        if request.path.startswith(prefix) and not request.websocket:
            return (yield from self._endpoint(request, request.path[len(prefix) :]))
        visitor = self._visitor(request)
        if self._fixed_action is not None:  # no rules: no verdict to build, nothing counted
            return (yield from self._act(request, visitor, self._fixed_action, DEFAULT))
        mode = self._uri_mode
        if uri.needs_normalising(request.path, mode):
            # Rules and app must see one path: send the client to the normal form first.
            location = uri.redirect_location(request.path, request.query, mode)
            return Answer(_head_aware(request, _moved(location)))
        verdict = yield from self._decide(request, visitor)
        deciding = _deciding_match(verdict)
        rule = deciding.label if deciding else verdict.phase  # "default" or "under_attack"
        if verdict.limited is not None and verdict.action is Action.BLOCK:
            return Answer(self._rate_limited(request, visitor, verdict.limited, rule))
        if verdict.limited is not None:
            # Over a challenge-action rate limit: the clearance held predates the limit
            # being exceeded (the phases let a fresher one through), so solve again.
            visitor = replace(visitor, clearance=None)
        bits = deciding.difficulty if deciding else None
        outcome = yield from self._act(request, visitor, verdict.action, rule, bits)
        if verdict.pending and isinstance(outcome, Forward):
            outcome = replace(outcome, count_response=self._response_counter(verdict))
        return outcome

    def _response_counter(self, verdict: Verdict) -> Callable[[int], Flow[None]]:
        """Counts this request, once, for rate limits whose counting expression reads
        the response status; a store failure counts nothing (never an error)."""
        warn = self._store_warnings["rate limits"]
        counted = False

        def count(status: int) -> Flow[None]:
            nonlocal counted
            if not counted:
                counted = True
                flow = ratelimit.count_response(verdict.pending, status)
                yield from faults.tolerate(flow, warn, "open")

        return count

    # -- rules ---------------------------------------------------------------------------

    def _decide(self, request: Request, visitor: _Visitor) -> Flow[Verdict]:
        """Run the rule phases (humangate.rules.phases) for this request."""
        fields = self.rule_fields(request, visitor.ip, visitor.clearance)
        flow = self._phases.decide(fields, visitor.ip, self._clock(), visitor.clearance)
        # Counters the store cannot give: "open" reads them as zero, "closed" as over the
        # limit (docs/storage.md, "Behaviour under faults"); never a 500.
        mode = self._config.rate_limit_store_failure
        return (yield from faults.tolerate(flow, self._store_warnings["rate limits"], mode))

    def rule_fields(
        self, request: Request, ip: IPAddress | None, clearance: Clearance | None
    ) -> RequestFields:
        """The fields rules read for ``request`` (also used by ``humangate rules test``)."""
        level = clearance.level if clearance else Level.NONE
        values: dict[str, object] = {
            "humangate.clearance.level": level.label,
            "http.request.clearance.uuid": clearance.id if clearance else "",
            # The browser signals' outcome, carried by the clearance (no clearance: unset
            # score, and JS detection has not passed).
            "cf.bot_management.js_detection.passed": bool(clearance and clearance.js_passed),
        }
        if clearance is not None:
            values["cf.bot_management.score"] = clearance.score
        token = request.header(service.HEADER)
        verified = token is not None and self._services.verify(token, self._clock()) is not None
        values["humangate.service.verified"] = verified
        country = None
        header = self._config.country_header
        if header and self._peers.trusts(request.peer):
            country = header_country(request.header(header))
        return self._phases.fields(
            lambda extra: RequestFields(request, ip, extra, uri_mode=self._uri_mode),
            ip,
            request.user_agent,
            values,
            country,
        )

    @property
    def phases(self) -> Phases:
        return self._phases

    def _act(
        self,
        request: Request,
        visitor: _Visitor,
        action: Action,
        rule: str | None = None,
        rule_bits: int | None = None,
    ) -> Flow[Outcome]:
        forget = (self._cookies.clear(request.scheme),) if visitor.bad_cookie else ()
        if action is Action.BLOCK:
            return Answer(self._block(request, visitor, forget, rule))
        if action.is_challenge and not _is_unchallengeable(request):
            level = action.required_level
            need = Requirement(level, self._required_work(level, rule_bits))
            if not need.met_by(visitor.clearance):
                if is_replayable(request):
                    ray = answers.new_ray_id()
                    retry = self._replays.must_retry(request, ray, need, forget)
                    return Answer(retry, replay_level=need)
                strikes = yield from self._strikes.count(visitor.binding)
                return Answer(
                    self._challenge(request, visitor, need, forget, rule, strikes=strikes)
                )
            label = visitor.clearance.level.label if visitor.clearance else None
            self._record_pass(rule, label, self._clock())
        return Forward(forget, visitor.clearance)

    def _required_work(self, level: Level, rule_bits: int | None) -> int:
        """The work a clearance must have paid to pass: the rule's own difficulty, else
        the base for the action (never the risk or under-attack extras)."""
        return rule_bits if rule_bits is not None else self._config.difficulty_policy.base(level)

    def _record_pass(self, rule: str | None, level: str | None, now: float) -> None:
        # The hot path: no ray id, no store, no Event unless an observer needs one.
        for observer, record_pass in self._observers:
            try:
                record_pass(rule, level, now)
            except Exception:  # an observer must never break a request
                logger.exception("humangate observer %r failed", observer)

    def _visitor(self, request: Request) -> _Visitor:
        ip = self._resolver.resolve(request.peer, request.headers)
        user_agent = request.user_agent
        binding = self._config.clearance_binding.fingerprint(ip, user_agent)
        value = request.cookies.get(self._cookies.name_for(request.scheme))
        clearance = self._clearances.bound(value, binding) if value else None
        if clearance is not None:
            now = self._clock()
            # XHR/fetch get extra grace past expiry; ask only when it could matter.
            if not self._clearances.is_current(clearance, now) and not (
                request.is_background_fetch
                and self._clearances.is_current(clearance, now, background=True)
            ):
                clearance = None
        return _Visitor(
            ip, user_agent, binding, clearance, bad_cookie=bool(value) and clearance is None
        )

    def _where(self, request: Request, visitor: _Visitor) -> dict[str, object]:
        """Country/ASN for an event when known, and the client IP only if the owner opted
        in (``log_client_ip``). Only on non-pass paths: a lookup is not free."""
        fields = self.rule_fields(request, visitor.ip, visitor.clearance)
        country, asn = fields.get("ip.src.country"), fields.get("ip.src.asnum")
        where: dict[str, object] = {
            "country": country if isinstance(country, str) and len(country) == 2 else None,
            "asn": asn if type(asn) is int else None,
        }
        if self._config.log_client_ip and visitor.ip is not None:
            where["client_ip"] = str(visitor.ip)
        return where

    # -- answers -------------------------------------------------------------------------

    def _challenge(
        self,
        request: Request,
        visitor: _Visitor,
        need: Requirement,
        extra: HeaderList,
        rule: str | None = None,
        *,
        strikes: int = 0,
    ) -> Response:
        ray = answers.new_ray_id()
        headers = (("cf-mitigated", "challenge"), *extra)
        if request.websocket:
            return answers.problem(
                403, "challenge", "Challenge required", "", ray, extra_headers=headers
            )
        level = need.level
        risk = assess(request, visitor.clearance, strikes)
        difficulty = self._config.difficulty_policy.bits(
            level, risk, rule_bits=need.work, under_attack=self._config.under_attack
        )
        ticket, token = self._tickets.issue(
            level=level,
            difficulty=difficulty,
            client_ip=visitor.ip,
            user_agent=visitor.user_agent,
            target=request.target,
            ray=ray,
            now=self._clock(),
        )
        self._observe(
            Kind.CHALLENGE_ISSUED,
            ray,
            level=level.label,
            path=request.path,
            rule=rule,
            action=level.label,
            difficulty=difficulty,
            **self._where(request, visitor),
        )
        if not request.accepts_html:
            return answers.problem(
                403,
                "challenge",
                "Challenge required",
                "Open this URL in a web browser to pass the challenge, then retry with its "
                "clearance cookie.",
                ray,
                extra_fields={
                    "level": level.label,
                    "work": need.work,
                    "challenge_url": ticket.target,
                },
                extra_headers=headers,
            )
        nonce = answers.new_nonce()
        language = self._page_language(request)
        messages = catalog(language)
        prefix = self._config.path_prefix
        template = self._config.compiled_template
        body = pages.challenge_page(
            language=language,
            nonce=nonce,
            host=request.host,
            ray=ray,
            client_ip=str(visitor.ip or ""),
            script_url=f"{prefix}static/challenge.js",
            challenge={
                **self._challenge_data(ticket, token, messages, language),
                **self._step_data(ticket, request),
            },
            favicon_url=self._favicon_url(),
            template=template,
            # ::GEO:: of a custom template; looked up only when a template is in use.
            country=self._country(request, visitor) if template is not None else "",
        )
        return _head_aware(request, answers.html_response(403, body, ray, nonce, headers))

    def _page_language(self, request: Request) -> str:
        """The owner's forced language, else the best Accept-Language match (pages.md)."""
        return choose_language(self._config.language, request.header("accept-language"))

    def _favicon_url(self) -> str:
        # The site's own icon, as Cloudflare does; the owner's icon when configured.
        if self._config.favicon_bytes is None:
            return "/favicon.ico"
        return f"{self._config.path_prefix}favicon.ico"

    def _country(self, request: Request, visitor: _Visitor) -> str:
        country = self.rule_fields(request, visitor.ip, visitor.clearance).get("ip.src.country")
        return country if isinstance(country, str) else ""

    def _challenge_data(
        self, ticket: Ticket, token: str, messages: dict[str, str], language: str = "en"
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
            "steps": self._types[ticket.level].step_names,
            # The page re-renders in navigator.language's catalog when it differs from
            # this pre-selection, unless the owner forced the language.
            "language": language,
            "language_forced": self._config.language is not None,
            "languages": sorted(available()),
            "i18n_url": f"{prefix}i18n/",
            "custom_template": self._config.compiled_template is not None,
            "messages": {key: messages[key] for key in SCRIPT_MESSAGES},
        }

    def _step_data(self, ticket: Ticket, request: Request) -> dict[str, object]:
        """What the signal, interaction and plugin steps need in the page."""
        kind = self._types[ticket.level]
        prefix = self._config.path_prefix
        steps = (*kind.steps, *((kind.escalation,) if kind.escalation else ()))
        return {
            # Hashes, not values: the page compares its own navigator.userAgent and
            # language against them and reports only whether they matched.
            "ua_hash": ticket.ua_hash,
            "lang_hash": user_agent_hash(primary_language(request.header("accept-language"))),
            "escalation": kind.escalation.name if kind.escalation else None,
            "step_params": {step.name: dict(step.issue(ticket)) for step in steps},
            "step_scripts": {
                step.name: f"{prefix}static/challenges/{step.name}.js"
                for step in steps
                if step.script is not None
            },
        }

    def _rate_limited(
        self, request: Request, visitor: _Visitor, limited: Limited, rule: str | None = None
    ) -> Response:
        headers: HeaderList = (("retry-after", str(limited.retry_after)),)
        if visitor.bad_cookie:
            headers = (*headers, self._cookies.clear(request.scheme))
        return self._refuse(
            request,
            visitor,
            _Refusal(
                429,
                "rate_limited",
                Kind.RATE_LIMITED,
                "Too many requests",
                f"Slow down; retry after {limited.retry_after} seconds.",
                {"retry_after": limited.retry_after},
            ),
            headers,
            rule,
        )

    def _block(
        self, request: Request, visitor: _Visitor, extra: HeaderList, rule: str | None = None
    ) -> Response:
        detail = "The site owner does not allow this request."
        refusal = _Refusal(403, "block", Kind.BLOCKED, "Access denied", detail)
        return self._refuse(request, visitor, refusal, extra, rule)

    def _refuse(
        self,
        request: Request,
        visitor: _Visitor,
        refusal: _Refusal,
        headers: HeaderList,
        rule: str | None,
    ) -> Response:
        """A block or rate-limit answer: the page for browsers, a problem for the rest."""
        ray = answers.new_ray_id()
        self._observe(
            refusal.event,
            ray,
            path=request.path,
            rule=rule,
            action="block",
            **self._where(request, visitor),
        )
        if not request.accepts_html or request.websocket:
            return answers.problem(
                refusal.status,
                refusal.problem_kind,
                refusal.title,
                refusal.detail,
                ray,
                extra_fields=refusal.extra_fields,
                extra_headers=headers,
            )
        nonce = answers.new_nonce()
        body = pages.block_page(
            language=self._page_language(request),
            nonce=nonce,
            host=request.host,
            ray=ray,
            client_ip=str(visitor.ip or ""),
            favicon_url=self._favicon_url(),
            kind=refusal.page,
        )
        return _head_aware(
            request, answers.html_response(refusal.status, body, ray, nonce, headers)
        )

    # -- humangate's own endpoints -------------------------------------------------------

    def _endpoint(self, request: Request, name: str) -> Flow[Outcome]:
        if name.startswith("static/challenges/") and name.endswith(".js"):
            # The JS half of a plugin step, served from the registered step itself.
            if request.method not in ("GET", "HEAD"):
                return Answer(_method_not_allowed("GET, HEAD"))
            script = _plugin_script(name[len("static/challenges/") : -len(".js")])
            if script is not None:
                return Answer(_head_aware(request, _script_response(script)))
        elif name.startswith("static/"):
            if request.method not in ("GET", "HEAD"):
                return Answer(_method_not_allowed("GET, HEAD"))
            asset = self._assets.response(
                name[len("static/") :], request.method, request.header("if-none-match")
            )
            if asset is not None:
                return Answer(asset)
        elif name.startswith("i18n/") or name == "favicon.ico":
            if request.method not in ("GET", "HEAD"):
                return Answer(_method_not_allowed("GET, HEAD"))
            etag = request.header("if-none-match")
            icon = self._config.favicon_bytes
            if name == "favicon.ico" and icon is not None:
                return Answer(favicon_response(icon, request.method, etag))
            found = catalog_response(name[len("i18n/") :], request.method, etag)
            if found is not None:
                return Answer(found)
        elif name == "solve":
            if request.method != "POST":
                return Answer(_method_not_allowed("POST"))
            return (yield from self._solve(request))
        elif name == "replay":
            if request.method != "POST":
                return Answer(_method_not_allowed("POST"))
            return (yield from self._replay(request))
        elif name == "challenge":
            if request.method not in ("GET", "HEAD"):
                return Answer(_method_not_allowed("GET, HEAD"))
            return Answer((yield from self._explicit_challenge(request)))
        elif name == "done":
            return Answer(_head_aware(request, _done_page()))
        elif name in ("metrics", "dashboard"):
            ip = self._resolver.resolve(request.peer, request.headers)
            found = self._analytics.endpoint(name, request, ip)
            if found is not None:  # unconfigured or not allowed: the plain 404 below
                return Answer(found)
        ray = answers.new_ray_id()
        return Answer(
            answers.problem(404, "not-found", "Not found", "No such humangate endpoint.", ray)
        )

    def body_limit(self, method: str, path: str) -> int | None:
        """How many bytes of this request's body the engine reads (None: leave it alone).

        Only humangate's own POST endpoints have their bodies read here; a challenged
        form POST to the app is read later, on demand (see :attr:`Answer.replay_level`).
        """
        if method != "POST" or not path.startswith(self._config.path_prefix):
            return None
        name = path[len(self._config.path_prefix) :]
        if name == "solve":
            return self._config.max_solve_body
        if name == "replay":
            return self._replays.form_limit
        return None

    def hold(self, request: Request, body: bytes, level: Requirement) -> Response:
        """The holding page for a challenged form POST whose ``body`` the adapter read."""
        visitor = self._visitor(request)
        forget = (self._cookies.clear(request.scheme),) if visitor.bad_cookie else ()
        return self._replays.hold(
            request, body, level, client_ip=visitor.ip, now=self._clock(), extra=forget
        )

    def _explicit_challenge(self, request: Request) -> Flow[Response]:
        """``{prefix}challenge?level=...&work=...``: a challenge that returns to
        ``{prefix}done``.

        What the SPA helper and the form holding page show in an iframe. A visitor who
        already holds the level and the work goes straight to the done page. ``work``
        asks for more than the level's base (a rule's own difficulty); asking for less
        has no effect, and a clearance bought here passes only what its work paid for.
        """
        query = parse_qs(request.query)
        try:
            level = Level.from_label(query.get("level", ["managed"])[0])
        except ValueError:
            level = Level.MANAGED
        level = max(level, Level.NON_INTERACTIVE)
        asked = query.get("work", [""])[0]
        # No route asks for more than the ceiling (rules' difficulty is checked against it).
        ceiling = self._config.difficulty_policy.ceiling
        work = min(int(asked), ceiling) if asked.isdecimal() and len(asked) <= 2 else 0
        need = Requirement(level, max(work, self._required_work(level, None)))
        visitor = self._visitor(request)
        if need.met_by(visitor.clearance):
            return _head_aware(request, _done_page())
        forget = (self._cookies.clear(request.scheme),) if visitor.bad_cookie else ()
        done = f"{self._config.path_prefix}done"
        target = replace(request, path=done, raw_path=done, query="")
        strikes = yield from self._strikes.count(visitor.binding)
        return self._challenge(target, visitor, need, forget, strikes=strikes)

    def _replay(self, request: Request) -> Flow[Outcome]:
        """Send a held form POST to the app: authentic, this client, cleared, once."""
        ray = answers.new_ray_id()
        now = self._clock()
        visitor = self._visitor(request)
        held = self._replays.open(request, visitor.ip, now)
        refused = answers.problem(
            403,
            "replay-refused",
            "Request must be retried",
            "This held form submission is not valid here (expired, already sent, or "
            "from another browser). Submit the form again.",
            ray,
        )
        if held is None:
            return Answer(refused)
        if not held.requirement.met_by(visitor.clearance):
            return Answer(refused)
        original = held.replay
        try:
            first_use = yield Spend(f"replay:{held.id}", max(held.expires_at - now, 0) + 60)
        except StoreError as exc:
            self._store_warnings["replays"](exc)
            first_use = False
        if not first_use:
            return Answer(refused)
        forget = (self._cookies.clear(request.scheme),) if visitor.bad_cookie else ()
        return Forward(forget, visitor.clearance, replay=original)

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
        body = parse_solve_body(request.body)
        if body is None:
            return Answer(
                answers.problem(
                    400,
                    "bad-request",
                    "Bad request",
                    'Expected {"ticket": "...", "nonce": <integer>}.',
                    ray,
                )
            )
        now = self._clock()
        try:
            ticket = self._tickets.open(body.token)
        except TokenError:
            return (yield from self._failed(Failure.INVALID, None, ray, request))
        visitor = self._visitor(request)
        failure = self._tickets.check_client(
            ticket,
            visitor.ip,
            visitor.user_agent,
            now,
            self._config.skew_seconds,
        )
        assessment = None
        if failure is None:
            # Proof of work, page/Worker verdicts, header checks, interaction, plugins.
            decision = self._types[ticket.level].verify(
                body.submission(request, visitor.user_agent, ticket, now)
            )
            assessment = decision.assessment
            # Names of the checks that fired, never their inputs, and the page's word on
            # which solver found the nonce and how long it took: for operators and e2e.
            signals_logger.info(
                "solve ray=%s level=%s outcome=%s score=%d hard=%s soft=%s solver=%s ms=%s",
                ticket.ray,
                ticket.level.label,
                decision.failure or "passed",
                assessment.score,
                ",".join(assessment.hard) or "-",
                ",".join(assessment.soft) or "-",
                body.solver,
                "-" if body.elapsed_ms is None else body.elapsed_ms,
            )
            if decision.failure is not None:
                known = decision.failure in Failure.__members__.values()
                failure = Failure(decision.failure) if known else Failure.STEP_FAILED
        if failure is not None or assessment is None:
            return (yield from self._failed(failure or Failure.INVALID, ticket, ray, request))
        try:
            first_use = yield Spend(f"ticket:{ticket.id}", max(ticket.expires_at - now, 0) + 60)
        except StoreError as exc:
            self._store_warnings["ticket spending"](exc)
            if self._config.store_failure == "open":
                # The owner chose availability: accept, unrecorded (one replay possible).
                return Answer(
                    self._solved(
                        request, visitor, ticket, now, assessment, solve_ms=body.elapsed_ms
                    )
                )
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
            return (yield from self._failed(Failure.REPLAYED, ticket, ray, request))
        yield from self._strikes.after_success(visitor.binding)
        solve_ms = body.elapsed_ms
        return Answer(self._solved(request, visitor, ticket, now, assessment, solve_ms=solve_ms))

    def _solved(
        self,
        request: Request,
        visitor: _Visitor,
        ticket: Ticket,
        now: float,
        assessment: Assessment,
        *,
        solve_ms: int | None = None,
    ) -> Response:
        # A higher clearance replaces a lower one, never the other way round; so does the
        # work paid (both were paid by this client within the held one's lifetime).
        held = visitor.clearance.level if visitor.clearance else Level.NONE
        paid = visitor.clearance.work if visitor.clearance else 0
        _, cookie = self._clearances.issue(
            max(held, ticket.level),
            visitor.binding,
            now,
            score=assessment.score,
            js_passed=assessment.js_passed,
            work=max(paid, ticket.difficulty),
        )
        # Refers to the ray id of the challenge it answers, as the seeds ask.
        self._observe(
            Kind.CHALLENGE_SOLVED,
            ticket.ray,
            level=ticket.level.label,
            solve_ms=solve_ms,
            **self._where(request, visitor),
        )
        return answers.json_response(
            200,
            {"ok": True, "redirect": ticket.target},
            ticket.ray,
            extra=(self._cookies.set(request.scheme, cookie),),
        )

    def _failed(
        self, failure: Failure, ticket: Ticket | None, ray: str, request: Request
    ) -> Flow[Outcome]:
        """A failed solve: counted against this client's binding (the next challenge is
        harder, humangate.risk), then answered."""
        yield from self._strikes.after_failure(self._visitor(request).binding, failure)
        return Answer(self._solve_failed(failure, ticket, ray, request))

    def _solve_failed(
        self, failure: Failure, ticket: Ticket | None, ray: str, request: Request | None = None
    ) -> Response:
        self._observe(
            Kind.CHALLENGE_FAILED,
            ray,
            reason=failure.value,
            level=ticket.level.label if ticket else None,
        )
        data: dict[str, object] = {
            "ok": False,
            "reason": failure.value,
            # The page prefers its own catalog's text for `reason`; this is the fallback.
            "message": catalog(self._page_language(request) if request else "en")[
                f"failure_{failure.value}"
            ],
            "ray_id": ray,
        }
        if ticket is not None:
            data["redirect"] = ticket.target
        return answers.json_response(403, data, ray, extra=(("cf-mitigated", "challenge"),))


def _deciding_match(verdict: Verdict) -> Match | None:
    """The rule that decided (None when the default action or under-attack mode did)."""
    for match in reversed(verdict.matches):
        if match.phase == verdict.phase:
            return match
    return None


def _done_page() -> Response:
    ray = answers.new_ray_id()
    nonce = answers.new_nonce()
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Verified</title></head><body><p>Verified. You can continue.</p></body></html>"
    )
    return answers.html_response(200, body.encode(), ray, nonce)


def _plugin_script(name: str) -> bytes | None:
    try:
        step = challenges.get_step(name)
    except ConfigError:
        return None
    return step.script.encode() if step.script is not None else None


def _script_response(script: bytes) -> Response:
    headers = (
        ("content-type", "text/javascript; charset=utf-8"),
        ("cache-control", "public, max-age=300"),
        ("x-content-type-options", "nosniff"),
    )
    return Response(200, headers, script)


def _is_unchallengeable(request: Request) -> bool:
    """Requests a challenge can never help with, so challenge actions let them through.

    A CORS preflight cannot carry cookies, so it could never pass; the real request that
    follows it is challenged instead (only a bodiless one shaped as browsers send it:
    humangate.preflight). The site's ``/favicon.ico`` is what the challenge page itself
    shows in the tab; challenging it only hides the icon. Blocks still apply.
    """
    if request.method == "OPTIONS":
        return is_cors_preflight(request)
    return request.method in ("GET", "HEAD") and request.path == "/favicon.ico"


def _moved(location: str) -> Response:
    ray = answers.new_ray_id()
    body = b"This address is not in normal form; it moved to the one in Location.\n"
    headers = (
        ("location", location),
        ("content-type", "text/plain; charset=utf-8"),
        *answers.base_headers(ray),
    )
    return Response(308, headers, body)


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
