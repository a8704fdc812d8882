"""The frozen, validated configuration: plain data. A bad value fails here, at start-up.

``Config(...)`` validates every field on construction and raises
:class:`humangate.ConfigError` naming the field; it never reads the environment.
``Config.from_env()`` and ``Config.from_toml(path)`` are the explicit steps that do
(see :mod:`humangate.config.environment` for the variables and which value wins).
Compiling rules and templates is left to the parts that use them (the rule phases, the
challenge page); here they are only checked.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from humangate.client.ip import ClientIPResolver
from humangate.config import environment
from humangate.config.normalised import DifficultySetting, Duration
from humangate.config.rules import IPAccessRule, RateLimit, Rule
from humangate.config.secret_strength import weakness
from humangate.crypto.clearance import Binding
from humangate.crypto.tokens import KeyRing, generate_secret
from humangate.difficulty import Difficulty
from humangate.errors import ConfigError, ExpressionError
from humangate.levels import Action
from humangate.pages.custom import CustomTemplate
from humangate.pages.settings import check_page_settings
from humangate.pat.settings import PatIssuer, PatPolicy, check_issuers
from humangate.rules import compile_expression, uri
from humangate.rules.wildcard import WildcardError, wildcard_regex
from humangate.stores import STORE_SCHEMES, check_store_uri
from humangate.stores._validation import redact_uri
from humangate.stores.default import default_store  # one SQLite file per application
from humangate.suggest import did_you_mean

logger = logging.getLogger("humangate")

SECRET_ENV = environment.SECRET_KEYS
_SAMESITE = ("Lax", "Strict", "None")


# No slots=True: it would replace the Duration and DifficultySetting descriptors
# (config/normalised.py) with plain slots, and their values would go in unchecked.
@dataclass(frozen=True)
class Config:
    """Everything humangate needs to know. Immutable once built."""

    secret_keys: Sequence[str] = ()
    # Durations: seconds or a timedelta, held as whole seconds.
    passage_ttl: Duration = Duration(30 * 60, minimum=10, maximum=30 * 86400)
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
    difficulty: DifficultySetting = DifficultySetting(Difficulty())
    ticket_ttl: Duration = Duration(5 * 60, minimum=10, maximum=3600)
    # Clearances and tickets are issued and checked by your own servers: the grace only
    # covers their clocks disagreeing (NTP keeps them well within this).
    clock_skew: Duration = Duration(30, minimum=0, maximum=3600)
    xhr_grace: Duration = Duration(60 * 60, minimum=0, maximum=86400)
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
    # Start-up check of the store (humangate.config.startup): an unreachable Redis is a
    # "warn"ing or an "error"; "off" skips the checks.
    store_check: str = "warn"
    # Private Access Tokens (humangate.pat, docs/challenges.md): trusted issuers (PatIssuer
    # or the path of a `humangate pat fetch-keys` file) and what a valid token changes.
    private_access_tokens: Sequence[PatIssuer | str] = ()
    pat_policy: PatPolicy = field(default_factory=PatPolicy)
    # The Turnstile-compatible widget (docs/turnstile.md): humangate.turnstile.Sitekey each.
    sitekeys: Sequence[Any] = ()
    # How paths are normalised before rules (humangate.rules.uri; docs/rules.md).
    uri_normalization: str = "cloudflare"
    # JavaScript Detections (humangate.jsd, docs/js-detections.md): inject the detection
    # script into HTML pages; when paths are listed (wildcards, "/shop/*") only there,
    # and when an expression is given only for requests it matches.
    js_detections: bool = False
    js_detections_paths: Sequence[str] = ()
    js_detections_expression: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise values once, here
        set_(self, "secret_keys", self._validated_secrets())
        self._check_proxies()
        self._check_store()
        try:
            action = Action(self.default_action)
        except ValueError:
            raise ConfigError(
                "default_action", f"{self.default_action!r} is not an action"
            ) from None
        if action in (Action.SKIP, Action.LOG):
            raise ConfigError("default_action", f"{action} is not terminating; use allow")
        # Tables (dicts) are accepted wherever rules are, as in Flask/Django settings.
        set_(self, "rules", _items(Rule, "rules", self.rules))
        set_(self, "lists", {name: tuple(items) for name, items in dict(self.lists).items()})
        steps = {name: tuple(names) for name, names in dict(self.challenge_steps).items()}
        for name in steps:
            if name not in ("js_challenge", "managed_challenge", "challenge"):
                raise ConfigError("challenge_steps", f"{name!r} is not a challenge action")
        set_(self, "challenge_steps", steps)
        if isinstance(self.clearance_binding, Mapping):
            set_(
                self,
                "clearance_binding",
                _from_table(Binding, "clearance_binding", self.clearance_binding),
            )
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
        if not 1024 <= self.max_solve_body <= 1024 * 1024:
            raise ConfigError("max_solve_body", "must be 1 KiB..1 MiB")
        if not 0 <= self.replay_max_body <= 1024 * 1024:
            raise ConfigError("replay_max_body", "must be 0..1 MiB (0: never hold form bodies)")
        self._check_pat()
        self._check_phases()
        self._check_rule_difficulties()
        self._check_pages()
        self._check_sitekeys()
        self._check_expressions()
        self._check_js_detections()

    def _check_proxies(self) -> None:
        set_ = object.__setattr__
        # Raises ConfigError naming the field.
        ClientIPResolver(self.trusted_proxies, self.trusted_proxy_peers)
        if isinstance(self.trusted_proxy_peers, str | list):
            peers = self.trusted_proxy_peers
            set_(self, "trusted_proxy_peers", (peers,) if isinstance(peers, str) else tuple(peers))
        hops = isinstance(self.trusted_proxies, int) and self.trusted_proxies
        if hops and not self.trusted_proxy_peers:
            logger.warning(
                "humangate: trusted_proxies is a hop count without trusted_proxy_peers: a "
                "client that reaches this server directly, not through your proxy, "
                "chooses its own IP address (docs/getting-started.md)"
            )
        if isinstance(self.trusted_proxies, list):
            set_(self, "trusted_proxies", tuple(self.trusted_proxies))

    def _check_rule_difficulties(self) -> None:
        ceiling = self.difficulty.ceiling
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

    def _check_pat(self) -> None:
        set_ = object.__setattr__
        issuers = self.private_access_tokens
        if isinstance(issuers, Sequence) and not isinstance(issuers, str | bytes):
            issuers = [
                _from_table(PatIssuer, f"private_access_tokens[{index}]", item)
                if isinstance(item, Mapping)
                else item
                for index, item in enumerate(issuers)
            ]
        set_(self, "private_access_tokens", check_issuers(issuers))
        if isinstance(self.pat_policy, Mapping):
            set_(self, "pat_policy", _from_table(PatPolicy, "pat_policy", self.pat_policy))
        if not isinstance(self.pat_policy, PatPolicy):
            raise ConfigError("pat_policy", "expected a humangate.PatPolicy")

    def _check_sitekeys(self) -> None:
        from humangate.turnstile.sitekeys import Sitekey, SitekeyBook  # noqa: PLC0415 - cycle

        keys = tuple(
            _from_table(Sitekey, f"sitekeys[{index}]", key) if isinstance(key, Mapping) else key
            for index, key in enumerate(self.sitekeys)
        )
        for index, key in enumerate(keys):
            if not isinstance(key, Sitekey):
                raise ConfigError(f"sitekeys[{index}]", "expected a humangate.turnstile.Sitekey")
        SitekeyBook(keys)  # raises ConfigError for a sitekey or secret given twice
        object.__setattr__(self, "sitekeys", keys)

    def _check_pages(self) -> None:
        language, _, _ = check_page_settings(self.language, self.challenge_template, self.favicon)
        object.__setattr__(self, "language", language)

    @property
    def compiled_template(self) -> CustomTemplate | None:
        """The owner's challenge template, parsed again (files are re-read): the engine
        loads it once when it starts."""
        return check_page_settings(self.language, self.challenge_template, self.favicon)[1]

    @property
    def favicon_bytes(self) -> bytes | None:
        """The owner's favicon bytes, read again: the engine loads them once at start."""
        return check_page_settings(self.language, self.challenge_template, self.favicon)[2]

    def _check_phases(self) -> None:
        set_ = object.__setattr__
        for name, kind in (("ip_access_rules", IPAccessRule), ("rate_limits", RateLimit)):
            set_(self, name, _items(kind, name, getattr(self, name)))
        if not isinstance(self.under_attack, bool):
            raise ConfigError("under_attack", "expected true or false")
        if self.country_header is not None and not self.country_header.strip():
            raise ConfigError("country_header", "a header name such as 'cf-ipcountry'")
        set_(self, "revoked_service_tokens", tuple(self.revoked_service_tokens))
        self._check_observability()

    def _check_observability(self) -> None:
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
        if self.store_check not in ("warn", "error", "off"):
            raise ConfigError("store_check", "'warn', 'error' or 'off'")
        flush = self.analytics_flush_seconds
        if isinstance(flush, bool) or not isinstance(flush, int | float):
            raise ConfigError("analytics_flush_seconds", "a number of seconds")
        if not 0.05 <= flush <= 300:
            raise ConfigError("analytics_flush_seconds", "between 0.05 and 300 seconds")

    def _validated_secrets(self) -> tuple[str, ...]:
        secrets_ = self.secret_keys
        if isinstance(secrets_, str):
            secrets_ = (secrets_,)
        secrets_ = tuple(secrets_)
        if not all(isinstance(s, str) for s in secrets_):
            raise ConfigError("secret_keys", "secrets must be strings")
        if secrets_:
            KeyRing(secrets_, purposes=())  # validates each secret
            for index, secret in enumerate(secrets_):
                problem = weakness(secret)
                if problem is not None:
                    raise ConfigError("secret_keys", f"secret #{index} {problem}")
            return secrets_
        if not self.dev_mode:
            raise ConfigError(
                "secret_keys",
                f"no secret configured: set secret_keys, or ${SECRET_ENV} with "
                "Config.from_env() "
                "(generate one with `humangate keygen`); use dev_mode=True only for local demos",
            )
        message = (
            "humangate dev_mode: using an EPHEMERAL secret; clearances die with this process "
            "and differ between workers. Never run this in production."
        )
        logger.warning(message)  # once: unconfigured logging still prints it to stderr
        return (generate_secret(),)

    def _check_store(self) -> None:
        scheme, sep, _ = str(self.store).partition("://")
        if not sep or scheme not in STORE_SCHEMES:
            raise ConfigError(
                "store",
                f"{redact_uri(str(self.store))!r}: expected memory://, sqlite:///path or redis://host",
            )
        check_store_uri(self.store)  # options, driver installed; files and servers at start-up

    def _check_expressions(self) -> None:
        """Every expression compiles (the rule phases compile them again to use them)."""
        for index, rule in enumerate(self.rules):
            try:
                compile_expression(rule.expression, self.lists)
            except ExpressionError as exc:
                raise ConfigError(f"rules[{index}].expression", str(exc)) from exc
        for index, limit in enumerate(self.rate_limits):
            for part, text in (
                ("expression", limit.expression),
                ("counting_expression", limit.counting_expression),
            ):
                try:
                    # Only the counting expression may read the response (http.response.code).
                    if text is not None:
                        compile_expression(text, self.lists, response=part == "counting_expression")
                except ExpressionError as exc:
                    raise ConfigError(f"rate_limits[{index}].{part}", str(exc)) from exc

    def _check_js_detections(self) -> None:
        if not isinstance(self.js_detections, bool):
            raise ConfigError("js_detections", "expected true or false")
        paths = self.js_detections_paths
        if isinstance(paths, str):
            paths = (paths,)
        if not isinstance(paths, Sequence) or not all(isinstance(p, str) for p in paths):
            raise ConfigError("js_detections_paths", "expected a list of paths such as '/shop/*'")
        for index, pattern in enumerate(paths):
            if not pattern.startswith("/"):
                raise ConfigError(f"js_detections_paths[{index}]", "a path starts with '/'")
            try:
                wildcard_regex(pattern, case_sensitive=True)
            except WildcardError as exc:
                raise ConfigError(f"js_detections_paths[{index}]", exc.message) from None
        object.__setattr__(self, "js_detections_paths", tuple(paths))
        expression = self.js_detections_expression
        if expression is not None:
            if not isinstance(expression, str) or not expression.strip():
                raise ConfigError("js_detections_expression", "a rules expression, or unset")
            try:
                compile_expression(expression, self.lists)
            except ExpressionError as exc:
                raise ConfigError("js_detections_expression", str(exc)) from exc

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **settings: Any) -> Config:
        """A Config from the ``HUMANGATE_*`` environment variables, with ``settings``
        given in code winning over them (each one it overrides is logged).

        The variables: ``HUMANGATE_SECRET_KEYS`` (comma-separated, newest first),
        ``HUMANGATE_STORE``, ``HUMANGATE_DEFAULT_ACTION``, ``HUMANGATE_TRUSTED_PROXIES``
        (a hop count or comma-separated CIDRs) and ``HUMANGATE_DEV_MODE`` (1/0).
        """
        found = environment.read(os.environ if environ is None else environ)
        return cls.from_mapping(environment.merge({}, found, settings))

    @classmethod
    def from_toml(
        cls,
        path: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> Config:
        """Load settings from a TOML file (a ``[humangate]`` table or top-level keys).

        The ``HUMANGATE_*`` variables (see :meth:`from_env`) win over the file, and
        ``settings`` given in code win over both.
        """
        table = environment.load_toml(path)
        found = environment.read(os.environ if environ is None else environ)
        return cls.from_mapping(environment.merge(table, found, settings))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Config:
        """A Config from a mapping of its field names (TOML, Flask or Django settings)."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                "settings", f"expected a table of settings, not {type(data).__name__}"
            )
        known = public_fields(cls)
        for name in data:
            if name not in known:
                hint = did_you_mean(name, (*known, "humangate"))
                raise ConfigError(
                    str(name), f"unknown setting{hint}; settings are: {', '.join(sorted(known))}"
                )
        return cls(**data)


def public_fields(kind: Any) -> tuple[str, ...]:
    """The fields an owner sets (internal ones, if any, are not suggested)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.init)


def _items(kind: Any, name: str, items: object) -> tuple[Any, ...]:
    """``items`` as a tuple of ``kind``, each given as one or as a table of its fields."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise ConfigError(name, f"expected a list of humangate.{kind.__name__} or tables")
    converted = []
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if isinstance(item, Mapping):
            converted.append(_from_table(kind, where, item))
        elif isinstance(item, kind):
            converted.append(item)
        else:
            raise ConfigError(where, f"expected a humangate.{kind.__name__} or a table")
    return tuple(converted)


def _from_table(kind: Any, where: str, item: Mapping[str, Any]) -> Any:
    fields_ = public_fields(kind)
    for key in item:
        if key not in fields_:
            raise ConfigError(
                f"{where}.{key}",
                f"unknown key{did_you_mean(key, fields_)}; the keys are: {', '.join(fields_)}",
            )
    required = [
        f.name
        for f in dataclasses.fields(kind)
        if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    for key in required:
        if key not in item:
            raise ConfigError(f"{where}.{key}", "missing (required)")
    return kind(**item)
