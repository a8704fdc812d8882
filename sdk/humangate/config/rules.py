"""The owner's rules as data: custom rules, rate limits and IP access rules.

Each validates itself on construction (a bad action or characteristic is a
:class:`humangate.ConfigError` naming the field); expressions are checked when the
:class:`~humangate.config.Config` holding them is built and compiled by the rule phases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from humangate.crypto.pow import MAX_DIFFICULTY
from humangate.errors import ConfigError
from humangate.levels import Action
from humangate.rules.characteristics import parse_characteristic
from humangate.rules.targets import parse_target

SKIP_TARGETS = ("rules", "rate_limits", "all")
"""What a ``skip`` rule may skip: the remaining custom rules (and the default action, as
always), the rate limiting phase, or both."""

RATE_LIMIT_ACTIONS = ("block", "log", "js_challenge", "managed_challenge", "challenge")
IP_ACCESS_MODES = ("allow", "whitelist", "block", "js_challenge", "managed_challenge", "challenge")


@dataclass(frozen=True, slots=True)
class Rule:
    """One custom rule: when ``expression`` matches, take ``action``.

    ``expression`` is in the Cloudflare rules language (see docs/rules-language.md);
    it is compiled when the :class:`Config` holding the rule is built. ``skip`` says
    what a ``skip`` rule skips (see :data:`SKIP_TARGETS`); by default the remaining
    custom rules and the default action, as Cloudflare's "All remaining custom rules".
    """

    expression: str
    action: str
    description: str = ""
    skip: Sequence[str] = ()
    # Proof-of-work bits for this rule's challenge, instead of the action's base
    # (humangate.Difficulty); risk and "under attack" still add to it, up to the ceiling.
    difficulty: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise ConfigError("rule.expression", "must be a non-empty string")
        try:
            action = Action(self.action)
        except ValueError:
            choices = ", ".join(a.value for a in Action)
            raise ConfigError("rule.action", f"{self.action!r} is not one of {choices}") from None
        _check_rule_difficulty("rule", self.difficulty, action)
        skip = (self.skip,) if isinstance(self.skip, str) else tuple(self.skip)
        if skip and action is not Action.SKIP:
            raise ConfigError("rule.skip", "only a rule with action 'skip' takes skip=")
        for target in skip:
            if target not in SKIP_TARGETS:
                raise ConfigError(
                    "rule.skip", f"{target!r} is not one of {', '.join(SKIP_TARGETS)}"
                )
        if action is Action.SKIP and not skip:
            skip = ("rules",)  # the behaviour of a bare skip since the first release
        object.__setattr__(self, "skip", skip)

    @property
    def skips_rules(self) -> bool:
        return "rules" in self.skip or "all" in self.skip

    @property
    def skips_rate_limits(self) -> bool:
        return "rate_limits" in self.skip or "all" in self.skip


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Count matching requests per characteristic tuple; mitigate above the limit.

    ``characteristics`` name what one counter is per: ``ip.src``, ``ip.src/24`` (an
    IPv4 prefix; IPv6 addresses are grouped by /64), ``ip.src.asnum``,
    ``ip.src.country``, ``http.request.clearance.uuid``, ``http.host``,
    ``http.request.uri.path`` or ``http.request.headers["name"]``. A request is
    mitigated once its counter goes *above* ``requests_per_period``, and, with a
    ``mitigation_timeout``, for that many seconds after.
    """

    expression: str
    characteristics: Sequence[str] = ("ip.src",)
    period: int = 60
    requests_per_period: int = 100
    mitigation_timeout: int = 0
    counting_expression: str | None = None
    action: str = "block"
    description: str = ""
    difficulty: int | None = None  # proof-of-work bits when the action is a challenge

    def __post_init__(self) -> None:
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise ConfigError("rate_limit.expression", "must be a non-empty string")
        chars = (
            (self.characteristics,)
            if isinstance(self.characteristics, str)
            else tuple(self.characteristics)
        )
        if not chars:
            raise ConfigError("rate_limit.characteristics", "name at least one, e.g. 'ip.src'")
        for name in chars:
            parse_characteristic(name)  # raises ConfigError naming the characteristic
        object.__setattr__(self, "characteristics", chars)
        for name, value, low, high in (
            ("period", self.period, 1, 86400),
            ("requests_per_period", self.requests_per_period, 1, 10**9),
            ("mitigation_timeout", self.mitigation_timeout, 0, 86400),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"rate_limit.{name}", f"an integer in {low}..{high}")
        if self.action not in RATE_LIMIT_ACTIONS:
            raise ConfigError(
                "rate_limit.action",
                f"{self.action!r} is not one of {', '.join(RATE_LIMIT_ACTIONS)}",
            )
        if self.counting_expression == "":
            object.__setattr__(self, "counting_expression", None)  # "" means the default
        _check_rule_difficulty("rate_limit", self.difficulty, Action(self.action))


@dataclass(frozen=True, slots=True)
class IPAccessRule:
    """An IP access rule: ``value`` is an IP, a CIDR, an ASN (``AS13335``) or a country
    code (``US``, ``T1``); ``mode`` is allow (``whitelist``), block or a challenge."""

    value: str
    mode: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.mode not in IP_ACCESS_MODES:
            raise ConfigError(
                "ip_access_rule.mode", f"{self.mode!r} is not one of {', '.join(IP_ACCESS_MODES)}"
            )
        parse_target(self.value)  # raises ConfigError

    @property
    def action(self) -> Action:
        return Action.ALLOW if self.mode == "whitelist" else Action(self.mode)


def _check_rule_difficulty(where: str, bits: object, action: Action) -> None:
    if bits is None:
        return
    if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= MAX_DIFFICULTY:
        raise ConfigError(f"{where}.difficulty", f"leading zero bits, 0..{MAX_DIFFICULTY}")
    if not action.is_challenge:
        raise ConfigError(f"{where}.difficulty", f"only a challenge action takes it, not {action}")
