"""The order rules run in, as on Cloudflare:

1. IP access rules (allow beats block; an allowed IP/ASN skips everything below),
2. custom rules in order (``skip`` skips the remaining custom rules and/or the rate
   limiting phase; ``log`` records and goes on; the rest end the custom phase),
3. rate limiting rules,
4. the default action — raised to a managed challenge in "under attack" mode.

A terminating action ends evaluation. :meth:`Phases.decide` is a generator like the
engine: the only store operations it yields are a rate limit's counters, so a request
that matches no rate limiting rule never touches the store. A rate limit whose counting
expression reads the response leaves :attr:`Verdict.pending` counts, added by
:func:`humangate.rules.ratelimit.count_response` once the app has answered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from humangate.client.bots import VerifiedBots
from humangate.client.geo import GeoInfo, GeoLookup, NoGeo
from humangate.client.ip import IPAddress
from humangate.config import Config, Rule
from humangate.effects import Flow
from humangate.levels import Action
from humangate.rules.context import RequestFields
from humangate.rules.expression import compile_expression
from humangate.rules.ipaccess import IPAccessTable
from humangate.rules.ratelimit import CompiledRateLimit, Limited, PendingCount
from humangate.rules.values import MISSING

if TYPE_CHECKING:
    from humangate.crypto.clearance import Clearance

events = logging.getLogger("humangate.events")

IP_ACCESS = "ip_access"
CUSTOM = "custom"
RATE_LIMIT = "rate_limit"
DEFAULT = "default"
UNDER_ATTACK = "under_attack"


@dataclass(frozen=True, slots=True)
class Match:
    phase: str
    label: str
    action: Action
    difficulty: int | None = None  # the rule's own proof-of-work bits, if it set them


@dataclass(slots=True)
class Verdict:
    """The action for a request, the phase that chose it, and every rule that matched."""

    action: Action = Action.ALLOW
    phase: str = DEFAULT
    limited: Limited | None = None
    matches: list[Match] = field(default_factory=list)
    # Rate limits that count this request only once the app's response is known.
    pending: list[PendingCount] = field(default_factory=list)


class LazyExtra(Mapping[str, object]):
    """The non-request fields, each computed the first time a rule reads it: a
    request whose rules never read ``ip.src.country`` never looks the IP up."""

    __slots__ = ("_compute", "_values")

    def __init__(
        self, values: dict[str, object], compute: Mapping[str, Callable[[], object]]
    ) -> None:
        self._values = values
        self._compute = compute

    def __getitem__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            pass
        compute = self._compute.get(name)
        if compute is None:
            raise KeyError(name)
        value = self._values[name] = compute()
        return value

    def get(self, name: str, default: object = None) -> object:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter({*self._values, *self._compute})

    def __len__(self) -> int:
        return len({*self._values, *self._compute})


class Phases:
    """The compiled phases of one :class:`Config`."""

    __slots__ = ("_access", "_bots", "_config", "_geo", "_limits", "_rules", "locates")

    def __init__(self, config: Config, geo: GeoLookup, bots: VerifiedBots | None) -> None:
        self._config = config
        self._geo = geo
        # Whether a visitor's country or network can be known at all (see Visit.where).
        self.locates = not isinstance(geo, NoGeo) or bool(config.country_header)
        self._bots = bots
        self._access = IPAccessTable(config.ip_access_rules)
        # Compiled here, where they run (Config only checked that they compile).
        lists = config.lists
        self._rules = tuple(
            (rule, compile_expression(rule.expression, lists)) for rule in config.rules
        )
        self._limits = tuple(
            CompiledRateLimit(
                limit,
                compile_expression(limit.expression, lists),
                None
                if limit.counting_expression is None
                else compile_expression(limit.counting_expression, lists, response=True),
            )
            for limit in config.rate_limits
        )

    @property
    def is_trivial(self) -> bool:
        """Nothing to evaluate: the default action (or under-attack) decides alone."""
        return not (self._access or self._rules or self._limits)

    def fields(
        self,
        request_fields: Callable[[Mapping[str, object]], RequestFields],
        ip: IPAddress | None,
        user_agent: str,
        values: dict[str, object],
        header_country: str | None,
    ) -> RequestFields:
        """The rule fields: ``values`` as given, geo and bot fields computed on demand."""
        geo: list[GeoInfo] = []

        def info() -> GeoInfo:
            if not geo:
                geo.append(self._geo.lookup(ip) if ip is not None else GeoInfo())
            return geo[0]

        def country() -> object:
            return header_country or info().country or MISSING

        compute: dict[str, Callable[[], object]] = {
            "ip.src.country": country,
            "ip.src.continent": lambda: info().continent or MISSING,
            "ip.src.asnum": lambda: MISSING if info().asn is None else info().asn,
            "cf.bot_management.verified_bot": lambda: bool(
                self._bots is not None and self._bots.is_verified(ip, user_agent)
            ),
        }
        return request_fields(LazyExtra(values, compute))

    def decide(
        self,
        fields: RequestFields,
        ip: IPAddress | None,
        now: float | None = None,
        clearance: Clearance | None = None,
    ) -> Flow[Verdict]:
        """The verdict for a request. ``now`` places it in the rate limits' windows;
        ``clearance`` is the visitor's, for rate limits with a challenge action: one
        earned after the limit was exceeded lets its holder go on (see ratelimit)."""
        verdict = Verdict()
        config = self._config
        skip_rules = skip_limits = False
        if self._access:
            found = self._access.match(
                ip,
                lambda: _int_or_none(fields.get("ip.src.asnum")),
                lambda: _str_or_none(fields.get("ip.src.country")),
            )
            if found is not None:
                label = found.rule.note or f"{found.rule.value} → {found.rule.mode}"
                verdict.matches.append(Match(IP_ACCESS, label, found.action))
                if found.action is not Action.ALLOW:
                    return _end(verdict, found.action, IP_ACCESS)
                # Allow bypasses custom rules, rate limits and the default action.
                return _end(verdict, Action.ALLOW, IP_ACCESS)
        ended: Action | None = None
        for rule, expression in self._rules:
            if not expression.evaluate(fields):
                continue
            action = Action(rule.action)
            verdict.matches.append(Match(CUSTOM, _label(rule), action, rule.difficulty))
            if action is Action.LOG:
                events.info("rule matched (log)", extra={"humangate": {"rule": _label(rule)}})
                continue
            if action is Action.SKIP:
                skip_limits = skip_limits or rule.skips_rate_limits
                if rule.skips_rules:
                    skip_rules = True
                    break
                continue
            ended = action
            break
        if ended is not None and ended is not Action.ALLOW:
            return _end(verdict, self._harden(ended), CUSTOM)
        if not skip_limits and ended is None:
            moment = time.time() if now is None else now
            for limit in self._limits:
                if not limit.expression.evaluate(fields):
                    continue
                later: list[str] | None = [] if limit.counts_after_response else None
                limited = yield from limit.check(fields, moment, clearance, later)
                if later:
                    verdict.pending.append(PendingCount(limit, tuple(later), fields))
                if limited is None:
                    continue
                label = limit.rule.description or limit.rule.expression
                verdict.matches.append(
                    Match(RATE_LIMIT, label, limited.action, limit.rule.difficulty)
                )
                if limited.action is Action.LOG:
                    events.info("rate limit exceeded (log)", extra={"humangate": {"rule": label}})
                    continue
                verdict.limited = limited
                return _end(verdict, self._harden(limited.action), RATE_LIMIT)
        if ended is Action.ALLOW:
            return _end(verdict, Action.ALLOW, CUSTOM)
        if skip_rules:
            return _end(verdict, Action.ALLOW, CUSTOM)
        default = Action(config.default_action)
        hardened = self._harden(default)
        return _end(verdict, hardened, DEFAULT if hardened is default else UNDER_ATTACK)

    def _harden(self, action: Action) -> Action:
        """Under attack, nothing that reaches here gets less than a managed challenge."""
        if self._config.under_attack and action in (Action.ALLOW, Action.JS_CHALLENGE):
            return Action.MANAGED_CHALLENGE
        return action


def _end(verdict: Verdict, action: Action, phase: str) -> Verdict:
    verdict.action = action
    verdict.phase = phase
    return verdict


def _label(rule: Rule) -> str:
    return rule.description or rule.expression


def _int_or_none(value: object) -> int | None:
    return value if type(value) is int else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
