"""Sitekeys: what a Turnstile-compatible widget is allowed to do, and the test keys.

A :class:`Sitekey` is configured in ``Config(sitekeys=[...])``. The public ``sitekey``
goes into the page's markup; its ``secrets`` (newest first, older ones kept while they
are rotated out) authenticate the site's backend to siteverify.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from humangate.errors import ConfigError
from humangate.levels import Level

_SITEKEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
MIN_SECRET_LENGTH = 24

DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"  # noqa: S105 - the documented test token, not a secret


class Mode(enum.StrEnum):
    MANAGED = "managed"
    NON_INTERACTIVE = "non-interactive"
    INVISIBLE = "invisible"


# Cloudflare's clearance_level names, and the humangate level each one grants.
CLEARANCE_LEVELS = {
    "no_clearance": Level.NONE,
    "jschallenge": Level.NON_INTERACTIVE,
    "managed": Level.MANAGED,
    "interactive": Level.INTERACTIVE,
}


@dataclass(frozen=True, slots=True)
class Sitekey:
    """One widget configuration.

    ``hostnames`` lists where the widget may be embedded (a name also allows its
    subdomains); empty allows any host, which a ``clearance_level`` other than
    ``no_clearance`` does not accept.
    """

    sitekey: str
    secrets: Sequence[str]
    hostnames: Sequence[str] = ()
    mode: str = "managed"
    clearance_level: str = "no_clearance"
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.sitekey, str) or not _SITEKEY.fullmatch(self.sitekey):
            raise ConfigError("sitekeys.sitekey", "8-64 characters of A-Z a-z 0-9 _ -")
        if is_test_sitekey(self.sitekey):
            raise ConfigError("sitekeys.sitekey", f"{self.sitekey} is a built-in test sitekey")
        secrets_ = (self.secrets,) if isinstance(self.secrets, str) else tuple(self.secrets)
        if not secrets_:
            raise ConfigError("sitekeys.secrets", f"{self.sitekey}: at least one secret")
        for secret in secrets_:
            if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    "sitekeys.secrets",
                    f"{self.sitekey}: each secret needs {MIN_SECRET_LENGTH}+ characters "
                    "(`humangate sitekey create` makes one)",
                )
            if secret in TEST_SECRETS:
                raise ConfigError("sitekeys.secrets", f"{self.sitekey}: a test secret")
        set_(self, "secrets", secrets_)
        names = (self.hostnames,) if isinstance(self.hostnames, str) else tuple(self.hostnames)
        names = tuple(str(name).strip().lower().rstrip(".") for name in names)
        for name in names:
            if not _HOSTNAME.fullmatch(name):
                raise ConfigError("sitekeys.hostnames", f"{name!r} is not a host name")
        set_(self, "hostnames", names)
        try:
            Mode(self.mode)
        except ValueError:
            modes = ", ".join(m.value for m in Mode)
            raise ConfigError("sitekeys.mode", f"{self.mode!r} is not one of {modes}") from None
        if self.clearance_level not in CLEARANCE_LEVELS:
            levels = ", ".join(CLEARANCE_LEVELS)
            raise ConfigError(
                "sitekeys.clearance_level", f"{self.clearance_level!r} is not one of {levels}"
            )
        if self.clearance_level != "no_clearance" and not names:
            raise ConfigError(
                "sitekeys.hostnames",
                f"{self.sitekey}: pre-clearance needs the host names it may clear",
            )

    @property
    def widget_mode(self) -> Mode:
        return Mode(self.mode)

    @property
    def clearance(self) -> Level:
        """The clearance a solve sets (Level.NONE: no cookie, only the token)."""
        return CLEARANCE_LEVELS[self.clearance_level]

    @property
    def challenge_level(self) -> Level:
        """What the widget's challenge proves: the mode's level, raised to the clearance
        it grants (a cookie never claims more than the visitor solved)."""
        base = Level.MANAGED if self.widget_mode is Mode.MANAGED else Level.NON_INTERACTIVE
        return max(base, self.clearance)

    def allows_host(self, hostname: str) -> bool:
        if not self.hostnames:
            return True
        hostname = hostname.lower().rstrip(".")
        return any(hostname == name or hostname.endswith("." + name) for name in self.hostnames)


# ------------------------------------------------------------------ test keys (§1.4)


class TestBehaviour(enum.Enum):
    PASS = "pass"  # noqa: S105 - a behaviour, not a password
    FAIL = "fail"
    INTERACTIVE = "interactive"  # forces the interaction, then passes


@dataclass(frozen=True, slots=True)
class TestSitekey:
    behaviour: TestBehaviour
    visible: bool


TEST_SITEKEYS = {
    "1x00000000000000000000AA": TestSitekey(TestBehaviour.PASS, visible=True),
    "2x00000000000000000000AB": TestSitekey(TestBehaviour.FAIL, visible=True),
    "1x00000000000000000000BB": TestSitekey(TestBehaviour.PASS, visible=False),
    "2x00000000000000000000BB": TestSitekey(TestBehaviour.FAIL, visible=False),
    "3x00000000000000000000FF": TestSitekey(TestBehaviour.INTERACTIVE, visible=True),
}

# Test secret -> the error code it answers with (None: success).
TEST_SECRETS: dict[str, str | None] = {
    "1x0000000000000000000000000000000AA": None,
    "2x0000000000000000000000000000000AA": "invalid-input-response",
    "3x0000000000000000000000000000000AA": "timeout-or-duplicate",
}


def is_test_sitekey(sitekey: str) -> bool:
    return sitekey in TEST_SITEKEYS


class SitekeyBook:
    """The configured sitekeys, found by public key or by secret."""

    __slots__ = ("_by_key", "_by_secret")

    def __init__(self, sitekeys: Iterable[Sitekey]) -> None:
        self._by_key: dict[str, Sitekey] = {}
        self._by_secret: dict[str, Sitekey] = {}
        for key in sitekeys:
            if key.sitekey in self._by_key:
                raise ConfigError("sitekeys", f"sitekey {key.sitekey} is configured twice")
            self._by_key[key.sitekey] = key
            for secret in key.secrets:
                if secret in self._by_secret:
                    raise ConfigError("sitekeys.secrets", "one secret serves two sitekeys")
                self._by_secret[secret] = key

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def __iter__(self) -> Iterator[Sitekey]:
        return iter(self._by_key.values())

    def get(self, sitekey: str) -> Sitekey | None:
        return self._by_key.get(sitekey)

    def for_secret(self, secret: str) -> Sitekey | None:
        return self._by_secret.get(secret)

    def secrets(self) -> Sequence[str]:
        return tuple(self._by_secret)
