"""The frozen, validated configuration. A bad value fails here, at start-up.

``Config(...)`` validates every field on construction and raises
:class:`humangate.ConfigError` naming the field. ``Config.from_toml(path)`` reads the
same settings from a TOML file; the ``HUMANGATE_SECRET_KEYS`` environment variable
(comma-separated, newest first) overrides the secret in both.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from humangate.clearance import Binding
from humangate.clientip import ClientIPResolver
from humangate.difficulty import Difficulty
from humangate.errors import ConfigError, ExpressionError
from humangate.levels import Action
from humangate.pow import MAX_DIFFICULTY
from humangate.rules import uri
from humangate.stores._validation import redact_uri

logger = logging.getLogger("humangate")

SECRET_ENV = "HUMANGATE_SECRET_KEYS"  # noqa: S105 - the variable name, not a secret
_SAMESITE = ("Lax", "Strict", "None")
_STORE_SCHEMES = ("memory", "sqlite", "redis", "rediss", "unix")


def default_store() -> str:
    """An SQLite file in the system temp dir: shared by all workers on this machine."""
    return f"sqlite:///{Path(tempfile.gettempdir()) / 'humangate.sqlite3'}"


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
        from humangate.rules.ratelimit import parse_characteristic  # noqa: PLC0415 - cycle

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
        from humangate.rules.ipaccess import parse_target  # noqa: PLC0415 - cycle

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


def _seconds(name: str, value: object, *, minimum: float, maximum: float) -> int:
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(name, f"expected seconds or a timedelta, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise ConfigError(name, f"must be between {minimum:g} and {maximum:g} seconds")
    return int(value)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything humangate needs to know. Immutable once built."""

    secret_keys: Sequence[str] = ()
    passage_ttl: int | float | timedelta = 30 * 60
    trusted_proxies: int | Sequence[str] | None = None
    # With a hop count: read X-Forwarded-For only from peers in these networks (your
    # proxies); otherwise a client that reaches the app directly chooses its own IP.
    trusted_proxy_peers: Sequence[str] = ()
    store: str = field(default_factory=default_store)
    default_action: str = "managed_challenge"
    rules: Sequence[Rule] = ()
    lists: Mapping[str, Sequence[str | int]] = field(default_factory=dict)
    clearance_binding: Binding = field(default_factory=Binding)
    path_prefix: str = "/.humangate/"
    cookie_name: str = "humangate_clearance"
    cookie_secure: bool | None = None
    cookie_samesite: str = "Lax"
    # Proof-of-work bits for every challenge, or a humangate.Difficulty (per action,
    # risk and load steps, a ceiling for phones), or a TOML table of its fields.
    difficulty: int | Difficulty | Mapping[str, Any] = field(default_factory=Difficulty)
    ticket_ttl: int | float | timedelta = 5 * 60
    # Clearances and tickets are issued and checked by your own servers: the grace only
    # covers their clocks disagreeing (NTP keeps them well within this).
    clock_skew: int | float | timedelta = 30
    xhr_grace: int | float | timedelta = 60 * 60
    max_solve_body: int = 16 * 1024
    replay_max_body: int = 64 * 1024
    dev_mode: bool = False
    ip_access_rules: Sequence[IPAccessRule] = ()
    rate_limits: Sequence[RateLimit] = ()
    under_attack: bool = False
    geoip_country_db: str | None = None
    geoip_asn_db: str | None = None
    country_header: str | None = None
    verified_bots: bool = True
    bots_file: str | None = None
    revoked_service_tokens: Sequence[str] = ()
    # Extra challenge steps (plugins, see docs/challenges.md) appended per challenge action,
    # e.g. {"managed_challenge": ["wait"]}; names are resolved when the engine starts.
    challenge_steps: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Challenge pages (humangate.pages, docs/pages.md): a forced language code, an owner
    # template (HTML text or a file path) and a favicon (file path or bytes).
    language: str | None = None
    challenge_template: str | None = None
    favicon: str | bytes | None = None
    # Observability (docs/observability.md). Metrics and dashboard answer 404 unless a
    # token or an allowlist is set; client IPs reach logs only when log_client_ip is on.
    metrics_token: str | None = None
    metrics_allow: Sequence[str] = ()
    log_client_ip: bool = False
    analytics: bool = True
    analytics_flush_seconds: float = 5.0
    # What a store outage means per purpose (docs/storage.md, "Behaviour under faults"):
    # "closed" refuses (503 for a solve), "open" carries on without the store.
    store_failure: str = "closed"
    rate_limit_store_failure: str = "open"
    # How paths are normalised before rules (humangate.rules.uri; docs/rules.md).
    uri_normalization: str = "cloudflare"
    compiled_rules: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)
    compiled_rate_limits: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)
    compiled_template: Any = field(default=None, init=False, repr=False, compare=False)
    favicon_bytes: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise values once, here
        set_(self, "secret_keys", self._validated_secrets())
        set_(
            self,
            "passage_ttl",
            _seconds("passage_ttl", self.passage_ttl, minimum=10, maximum=30 * 86400),
        )
        set_(self, "ticket_ttl", _seconds("ticket_ttl", self.ticket_ttl, minimum=10, maximum=3600))
        set_(self, "clock_skew", _seconds("clock_skew", self.clock_skew, minimum=0, maximum=3600))
        set_(self, "xhr_grace", _seconds("xhr_grace", self.xhr_grace, minimum=0, maximum=86400))
        # Raises ConfigError naming the field.
        ClientIPResolver(self.trusted_proxies, self.trusted_proxy_peers)
        if isinstance(self.trusted_proxy_peers, str | list):
            peers = self.trusted_proxy_peers
            set_(self, "trusted_proxy_peers", (peers,) if isinstance(peers, str) else tuple(peers))
        if (
            isinstance(self.trusted_proxies, int)
            and self.trusted_proxies
            and not (self.trusted_proxy_peers)
        ):
            logger.warning(
                "humangate: trusted_proxies is a hop count without trusted_proxy_peers: a "
                "client that reaches this server directly, not through your proxy, chooses "
                "its own IP address (docs/getting-started.md)"
            )
        if isinstance(self.trusted_proxies, list):
            set_(self, "trusted_proxies", tuple(self.trusted_proxies))
        self._check_store()
        try:
            action = Action(self.default_action)
        except ValueError:
            raise ConfigError(
                "default_action", f"{self.default_action!r} is not an action"
            ) from None
        if action in (Action.SKIP, Action.LOG):
            raise ConfigError("default_action", f"{action} is not terminating; use allow")
        set_(self, "rules", tuple(self.rules))
        for index, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise ConfigError(f"rules[{index}]", "expected a humangate.Rule")
        set_(self, "lists", {name: tuple(items) for name, items in dict(self.lists).items()})
        steps = {name: tuple(names) for name, names in dict(self.challenge_steps).items()}
        for name in steps:
            if name not in ("js_challenge", "managed_challenge", "challenge"):
                raise ConfigError("challenge_steps", f"{name!r} is not a challenge action")
        set_(self, "challenge_steps", steps)
        if not isinstance(self.clearance_binding, Binding):
            raise ConfigError("clearance_binding", "expected a humangate.Binding")
        prefix = self.path_prefix
        if not (
            isinstance(prefix, str)
            and prefix.startswith("/")
            and prefix.endswith("/")
            and len(prefix) > 2
        ):
            raise ConfigError("path_prefix", "must start and end with '/', e.g. '/.humangate/'")
        if not self.cookie_name or not self.cookie_name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError("cookie_name", "letters, digits, '-' and '_' only")
        if self.cookie_samesite not in _SAMESITE:
            raise ConfigError("cookie_samesite", f"must be one of {', '.join(_SAMESITE)}")
        if self.cookie_samesite == "None" and self.cookie_secure is False:
            raise ConfigError("cookie_samesite", "SameSite=None requires cookie_secure")
        set_(self, "difficulty", Difficulty.from_setting(self.difficulty))
        if not 1024 <= self.max_solve_body <= 1024 * 1024:
            raise ConfigError("max_solve_body", "must be 1 KiB..1 MiB")
        if not 0 <= self.replay_max_body <= 1024 * 1024:
            raise ConfigError("replay_max_body", "must be 0..1 MiB (0: never hold form bodies)")
        self._check_phases()
        self._check_rule_difficulties()
        self._check_pages()
        self._compile_rules()

    def _check_rule_difficulties(self) -> None:
        ceiling = self.difficulty_policy.ceiling
        owned: list[tuple[str, int | None]] = [
            *((f"rules[{i}]", rule.difficulty) for i, rule in enumerate(self.rules)),
            *((f"rate_limits[{i}]", limit.difficulty) for i, limit in enumerate(self.rate_limits)),
        ]
        for where, bits in owned:
            if bits is not None and bits > ceiling:
                raise ConfigError(
                    f"{where}.difficulty",
                    f"{bits} bits is above difficulty.ceiling ({ceiling}); "
                    "raise the ceiling if you mean it",
                )

    def _check_pages(self) -> None:
        from humangate.pages.settings import check_page_settings  # noqa: PLC0415 - cycle

        language, template, favicon = check_page_settings(
            self.language, self.challenge_template, self.favicon
        )
        object.__setattr__(self, "language", language)
        object.__setattr__(self, "compiled_template", template)
        object.__setattr__(self, "favicon_bytes", favicon)

    def _check_phases(self) -> None:
        set_ = object.__setattr__
        for name, kind in (("ip_access_rules", IPAccessRule), ("rate_limits", RateLimit)):
            items = tuple(getattr(self, name))
            for index, item in enumerate(items):
                if not isinstance(item, kind):
                    raise ConfigError(f"{name}[{index}]", f"expected a humangate.{kind.__name__}")
            set_(self, name, items)
        if not isinstance(self.under_attack, bool):
            raise ConfigError("under_attack", "expected true or false")
        if self.country_header is not None and not self.country_header.strip():
            raise ConfigError("country_header", "a header name such as 'cf-ipcountry'")
        set_(self, "revoked_service_tokens", tuple(self.revoked_service_tokens))
        self._check_observability()

    def _check_observability(self) -> None:
        import ipaddress  # noqa: PLC0415 - only needed here

        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigError("metrics_token", "use at least 16 characters (or leave unset)")
        allow = (self.metrics_allow,) if isinstance(self.metrics_allow, str) else self.metrics_allow
        try:
            nets = tuple(str(ipaddress.ip_network(c, strict=False)) for c in allow)
        except ValueError as exc:
            raise ConfigError("metrics_allow", f"expected CIDRs (10.0.0.0/8): {exc}") from None
        object.__setattr__(self, "metrics_allow", nets)
        if self.uri_normalization not in uri.MODES:
            raise ConfigError("uri_normalization", f"one of {', '.join(map(repr, uri.MODES))}")
        for name in ("store_failure", "rate_limit_store_failure"):
            if getattr(self, name) not in ("open", "closed"):
                raise ConfigError(name, "'open' or 'closed'")
        flush = self.analytics_flush_seconds
        if isinstance(flush, bool) or not isinstance(flush, int | float):
            raise ConfigError("analytics_flush_seconds", "a number of seconds")
        if not 0.05 <= flush <= 300:
            raise ConfigError("analytics_flush_seconds", "between 0.05 and 300 seconds")

    def _validated_secrets(self) -> tuple[str, ...]:
        secrets_ = self.secret_keys
        if isinstance(secrets_, str):
            secrets_ = (secrets_,)
        env = os.environ.get(SECRET_ENV, "").strip()
        if env:
            secrets_ = tuple(part.strip() for part in env.split(",") if part.strip())
        secrets_ = tuple(secrets_)
        if not all(isinstance(s, str) for s in secrets_):
            raise ConfigError("secret_keys", "secrets must be strings")
        if secrets_:
            from humangate.tokens import KeyRing  # noqa: PLC0415 - validates each secret

            KeyRing(secrets_, purposes=())
            return secrets_
        if not self.dev_mode:
            raise ConfigError(
                "secret_keys",
                f"no secret configured: set secret_keys or ${SECRET_ENV} "
                "(generate one with `humangate keygen`); use dev_mode=True only for local demos",
            )
        from humangate.tokens import generate_secret  # noqa: PLC0415 - dev mode only

        message = (
            "humangate dev_mode: using an EPHEMERAL secret; clearances die with this process "
            "and differ between workers. Never run this in production."
        )
        warnings.warn(message, stacklevel=4)
        logger.warning(message)
        return (generate_secret(),)

    def _check_store(self) -> None:
        scheme, sep, _ = str(self.store).partition("://")
        if not sep or scheme not in _STORE_SCHEMES:
            raise ConfigError(
                "store",
                f"{redact_uri(str(self.store))!r}: expected memory://, sqlite:///path or redis://host",
            )

    def _compile_rules(self) -> None:
        from humangate.rules import compile_expression  # noqa: PLC0415 - avoid import cycle

        compiled = []
        for index, rule in enumerate(self.rules):
            try:
                compiled.append(compile_expression(rule.expression, self.lists))
            except ExpressionError as exc:
                raise ConfigError(f"rules[{index}].expression", str(exc)) from exc
        object.__setattr__(self, "compiled_rules", tuple(compiled))
        limits = []
        for index, limit in enumerate(self.rate_limits):
            texts = {
                "expression": limit.expression,
                "counting_expression": limit.counting_expression,
            }
            pair = []
            for part, text in texts.items():
                try:
                    # Only the counting expression may read the response (http.response.code).
                    response = part == "counting_expression"
                    pair.append(
                        None
                        if text is None
                        else compile_expression(text, self.lists, response=response)
                    )
                except ExpressionError as exc:
                    raise ConfigError(f"rate_limits[{index}].{part}", str(exc)) from exc
            limits.append(tuple(pair))
        object.__setattr__(self, "compiled_rate_limits", tuple(limits))

    # Durations accept seconds or timedelta and are normalised to whole seconds in
    # __post_init__; these accessors give them a precise type.
    @property
    def difficulty_policy(self) -> Difficulty:
        """``difficulty`` as given, normalised to a :class:`Difficulty`."""
        assert isinstance(self.difficulty, Difficulty)
        return self.difficulty

    @property
    def passage_seconds(self) -> int:
        return _as_int(self.passage_ttl)

    @property
    def ticket_seconds(self) -> int:
        return _as_int(self.ticket_ttl)

    @property
    def skew_seconds(self) -> int:
        return _as_int(self.clock_skew)

    @property
    def xhr_grace_seconds(self) -> int:
        return _as_int(self.xhr_grace)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Config:
        """Load settings from a TOML file (a ``[humangate]`` table or top-level keys)."""
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise ConfigError("path", f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("path", f"{path} is not valid TOML: {exc}") from None
        return cls.from_mapping(data.get("humangate", data))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Config:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(unknown[0], f"unknown setting (known: {', '.join(sorted(known))})")
        values = dict(data)
        raw_rules = values.pop("rules", [])
        rules = [_from_table(Rule, f"rules[{index}]", item) for index, item in enumerate(raw_rules)]
        for name, kind in (("rate_limits", RateLimit), ("ip_access_rules", IPAccessRule)):
            if name in values:
                values[name] = [
                    _from_table(kind, f"{name}[{index}]", item)
                    for index, item in enumerate(values[name])
                ]
        if "clearance_binding" in values:
            binding = values["clearance_binding"]
            if not isinstance(binding, Mapping):
                raise ConfigError("clearance_binding", "expected a table")
            try:
                values["clearance_binding"] = Binding(**binding)
            except TypeError as exc:
                raise ConfigError("clearance_binding", str(exc)) from None
        return cls(rules=rules, **values)


def _from_table(kind: Any, where: str, item: object) -> Any:
    fields_ = {f.name for f in dataclasses.fields(kind)}
    if not isinstance(item, Mapping) or set(item) - fields_:
        raise ConfigError(where, f"expected a table with keys from: {', '.join(sorted(fields_))}")
    try:
        return kind(**item)
    except TypeError as exc:
        raise ConfigError(where, str(exc)) from None


def _as_int(value: int | float | timedelta) -> int:
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
