"""The pieces every stage of the engine shares, wired once from a :class:`Config`.

One object so that the stages (visit, decide, challenge, refuse, solve, routes) read the
same clock, keys and observers; a test that sets ``engine._clock`` moves all of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import cast

from humangate import challenges, faults
from humangate.challenges.types import ChallengeType
from humangate.client.bots import VerifiedBots
from humangate.client.geo import TrustedPeers, open_geo
from humangate.client.ip import ClientIPResolver
from humangate.config import Config
from humangate.crypto import clearance, tickets
from humangate.crypto.clearance import ClearanceCodec
from humangate.crypto.tickets import Ticket, TicketBook
from humangate.crypto.tokens import KeyRing
from humangate.engine import replay
from humangate.engine.replay import ReplayDesk
from humangate.engine.risk import Strikes
from humangate.events import Event, Kind, LoggingObserver, Observer, PassObserver
from humangate.http.assets import StaticAssets
from humangate.http.cookies import CookieJar
from humangate.http.request import Request
from humangate.i18n import choose_language
from humangate.levels import Level
from humangate.observe import Analytics
from humangate.pages.settings import check_page_settings
from humangate.pat import compose as pat
from humangate.rules import service, uri
from humangate.rules.phases import Phases

logger = logging.getLogger("humangate")

PassRecorder = Callable[[str | None, str | None, float], None]
_PASSED = Kind.PASSED_WITH_CLEARANCE


def _pass_recorder(observer: Observer) -> PassRecorder:
    """How ``observer`` hears of a pass: its own record_pass, or an Event."""
    if isinstance(observer, PassObserver):
        return observer.record_pass

    def record_pass(rule: str | None, level: str | None, at: float) -> None:
        observer.record(Event(_PASSED, "", at, rule=rule, level=level))

    return record_pass


class Parts:
    __slots__ = (
        "analytics",
        "assets",
        "clearances",
        "clock",
        "config",
        "cookies",
        "favicon",
        "local_spends",
        "observers",
        "pat",
        "peers",
        "phases",
        "replays",
        "resolver",
        "services",
        "store_warnings",
        "strikes",
        "template",
        "tickets",
        "types",
        "uri_mode",
    )

    def __init__(self, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        keys = KeyRing(config.secret_keys, purposes=(tickets.PURPOSE, clearance.PURPOSE))
        self.tickets = TicketBook(keys, config.ticket_ttl)
        self.clearances = ClearanceCodec(
            keys,
            ttl=config.passage_ttl,
            skew=config.clock_skew,
            xhr_grace=config.xhr_grace,
        )
        self.resolver = ClientIPResolver(config.trusted_proxies, config.trusted_proxy_peers)
        max_age = config.passage_ttl + config.clock_skew + config.xhr_grace
        self.cookies = CookieJar(
            config.cookie_name, config.cookie_secure, config.cookie_samesite, max_age
        )
        self.assets = StaticAssets()
        # The owner's challenge template and icon, loaded once (Config only checked them).
        _, self.template, self.favicon = check_page_settings(
            config.language, config.challenge_template, config.favicon
        )
        # Each observer with how it takes a pass (see PassObserver).
        self.observers: list[tuple[Observer, PassRecorder]] = []
        self.add_observer(LoggingObserver())
        # Shared analytics (humangate.observe): counted in process, flushed in the background.
        self.analytics = Analytics(config, clock=clock)
        if config.analytics:
            self.add_observer(self.analytics.recorder)
        # One throttled warning per purpose: an outage must not log once per request.
        self.store_warnings = {
            purpose: faults.ThrottledWarning(f"for {purpose}")
            for purpose in ("ticket spending", "rate limits", "replays", "failure counts")
        }
        # Failed solves per binding, in the store (humangate.engine.risk).
        self.strikes = Strikes(self.store_warnings["failure counts"])
        # store_failure="open": tickets spent in this process while the store is down.
        self.local_spends = faults.LocalSpends()
        self.peers = TrustedPeers(config.trusted_proxies, config.trusted_proxy_peers)
        bots = VerifiedBots.load(config.bots_file) if config.verified_bots else None
        geo = open_geo(config.geoip_country_db, config.geoip_asn_db)
        self.phases = Phases(config, geo, bots)
        self.replays = ReplayDesk(
            KeyRing(config.secret_keys, purposes=(replay.PURPOSE,)),
            max_body=config.replay_max_body,
            ttl=config.ticket_ttl,
            prefix=config.path_prefix,
            secure=self.cookies.is_secure,
        )
        self.services = service.ServiceTokens(
            KeyRing(config.secret_keys, purposes=(service.PURPOSE,)),
            config.revoked_service_tokens,
        )
        # Challenge type per level, plugins resolved now so a missing one fails at start-up.
        self.types: dict[Level, ChallengeType] = challenges.challenge_types(config.challenge_steps)
        # Private Access Tokens (humangate.pat): None unless issuers are configured.
        self.pat = pat.private_tokens_for(config, self._observe_pat)
        if self.pat is not None:
            self.types = pat.with_private_tokens(
                self.types, pat.pat_step(self.pat), config.pat_policy
            )

        # How paths are normalised before rules (humangate.rules.uri).
        self.uri_mode = cast(uri.Mode, config.uri_normalization)

    def required_work(self, level: Level, rule_bits: int | None) -> int:
        """The work a clearance must have paid to pass: the rule's own difficulty, else
        the base for the action (never the risk or under-attack extras)."""
        return rule_bits if rule_bits is not None else self.config.difficulty.base(level)

    def add_observer(self, observer: Observer) -> None:
        self.observers.append((observer, _pass_recorder(observer)))

    def observe(self, kind: Kind, ray: str, **details: object) -> None:
        self.report(Event(kind, ray, self.clock(), **details))  # type: ignore[arg-type]

    def report(self, event: Event) -> None:
        """:meth:`observe` for an event already built (every challenge page reports
        one: passing its fields once costs less than collecting and spreading them)."""
        for observer, _ in self.observers:
            try:
                observer.record(event)
            except Exception:  # an observer must never break a request
                logger.exception("humangate observer %r failed", observer)

    def _observe_pat(self, outcome: str, ray: str, ticket: Ticket | None) -> None:
        level = ticket.level.label if ticket else None
        self.observe(Kind.PAT_PRESENTED, ray, reason=outcome, level=level)

    def record_pass(self, rule: str | None, level: str | None, now: float) -> None:
        # The hot path: no ray id, no store, no Event unless an observer needs one.
        for observer, record_pass in self.observers:
            try:
                record_pass(rule, level, now)
            except Exception:  # an observer must never break a request
                logger.exception("humangate observer %r failed", observer)

    def page_language(self, request: Request) -> str:
        """The owner's forced language, else the best Accept-Language match (pages.md)."""
        return choose_language(self.config.language, request.header("accept-language"))

    def favicon_url(self) -> str:
        # The site's own icon, as Cloudflare does; the owner's icon when configured.
        if self.favicon is None:
            return "/favicon.ico"
        return f"{self.config.path_prefix}favicon.ico"
