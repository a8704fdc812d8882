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
from humangate.errors import ConfigError, ExpressionError
from humangate.levels import Action
from humangate.pow import MAX_DIFFICULTY
from humangate.stores._validation import redact_uri

logger = logging.getLogger("humangate")

SECRET_ENV = "HUMANGATE_SECRET_KEYS"  # noqa: S105 - the variable name, not a secret
_SAMESITE = ("Lax", "Strict", "None")
_STORE_SCHEMES = ("memory", "sqlite", "redis", "rediss", "unix")


def default_store() -> str:
    """An SQLite file in the system temp dir: shared by all workers on this machine."""
    return f"sqlite:///{Path(tempfile.gettempdir()) / 'humangate.sqlite3'}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when ``expression`` matches, take ``action``.

    ``expression`` is in the Cloudflare rules language (see docs/rules-language.md);
    it is compiled when the :class:`Config` holding the rule is built.
    """

    expression: str
    action: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise ConfigError("rule.expression", "must be a non-empty string")
        try:
            Action(self.action)
        except ValueError:
            choices = ", ".join(a.value for a in Action)
            raise ConfigError("rule.action", f"{self.action!r} is not one of {choices}") from None


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
    store: str = field(default_factory=default_store)
    default_action: str = "managed_challenge"
    rules: Sequence[Rule] = ()
    lists: Mapping[str, Sequence[str | int]] = field(default_factory=dict)
    clearance_binding: Binding = field(default_factory=Binding)
    path_prefix: str = "/.humangate/"
    cookie_name: str = "humangate_clearance"
    cookie_secure: bool | None = None
    cookie_samesite: str = "Lax"
    difficulty: int = 18
    ticket_ttl: int | float | timedelta = 5 * 60
    clock_skew: int | float | timedelta = 5 * 60
    xhr_grace: int | float | timedelta = 60 * 60
    max_solve_body: int = 16 * 1024
    dev_mode: bool = False
    compiled_rules: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)

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
        ClientIPResolver(self.trusted_proxies)  # raises ConfigError naming the field
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
        if (
            isinstance(self.difficulty, bool)
            or not isinstance(self.difficulty, int)
            or not 0 <= self.difficulty <= MAX_DIFFICULTY
        ):
            raise ConfigError("difficulty", f"leading zero bits, 0..{MAX_DIFFICULTY}")
        if not 1024 <= self.max_solve_body <= 1024 * 1024:
            raise ConfigError("max_solve_body", "must be 1 KiB..1 MiB")
        self._compile_rules()

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

    # Durations accept seconds or timedelta and are normalised to whole seconds in
    # __post_init__; these accessors give them a precise type.
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
        rules = []
        for index, item in enumerate(raw_rules):
            if not isinstance(item, Mapping) or set(item) - {"expression", "action", "description"}:
                raise ConfigError(f"rules[{index}]", "expected a table with expression, action")
            rules.append(Rule(**item))
        if "clearance_binding" in values:
            binding = values["clearance_binding"]
            if not isinstance(binding, Mapping):
                raise ConfigError("clearance_binding", "expected a table")
            try:
                values["clearance_binding"] = Binding(**binding)
            except TypeError as exc:
                raise ConfigError("clearance_binding", str(exc)) from None
        return cls(rules=rules, **values)


def _as_int(value: int | float | timedelta) -> int:
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
