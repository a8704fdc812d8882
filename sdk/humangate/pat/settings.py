"""What a site owner configures for Private Access Tokens (plain validated data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from humangate.errors import ConfigError

_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.:[]")


@dataclass(frozen=True, slots=True)
class PatIssuer:
    """A trusted issuer: its name (the host in its challenges, e.g.
    ``"demo-pat.issuer.cloudflare.com"``) and its token keys, either inline (padded
    base64url of the DER SubjectPublicKeyInfo, as in the issuer's directory) or in a
    file written by ``humangate pat fetch-keys`` (re-read when it changes)."""

    name: str
    token_keys: Sequence[str] = ()
    keys_file: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "token_keys", tuple(self.token_keys))
        if not self.name or not set(self.name.lower()) <= _HOST_CHARS or len(self.name) > 255:
            raise ConfigError("private_access_tokens", f"{self.name!r} is not an issuer host name")
        if not self.token_keys and not self.keys_file:
            raise ConfigError(
                "private_access_tokens", f"issuer {self.name!r} needs token_keys or keys_file"
            )


@dataclass(frozen=True, slots=True)
class PatPolicy:
    """What a valid Private Access Token changes.

    - ``require_pow``: the proof-of-work still runs for a visitor with a valid token
      (default). False waives it.
    - ``interactive``: an interactive challenge (action ``challenge``) also skips its
      interaction for a valid token. Off by default: interactive stays interactive.
    - ``origins``: the host names challenges are issued for (the token's origin_info).
      Empty: the request's Host header, as received. Set it when your front end does not
      check Host, so a token minted for another site's name is never accepted here.
    """

    require_pow: bool = True
    interactive: bool = False
    origins: Sequence[str] = ()

    def __post_init__(self) -> None:
        origins = tuple(origin.lower() for origin in self.origins)
        for origin in origins:
            if not origin or "," in origin or not set(origin) <= _HOST_CHARS:
                raise ConfigError("pat_policy.origins", f"{origin!r} is not a host name")
        object.__setattr__(self, "origins", origins)


def check_issuers(value: object) -> tuple[PatIssuer | str, ...]:
    """``Config.private_access_tokens``: PatIssuer objects, or paths of key files (read
    when the engine starts, like every other file a setting names)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ConfigError("private_access_tokens", "expected a list of PatIssuer or file paths")
    for index, item in enumerate(value):
        if isinstance(item, str) and not item:
            raise ConfigError(f"private_access_tokens[{index}]", "an empty path")
        if not isinstance(item, (str, PatIssuer)):
            raise ConfigError(
                f"private_access_tokens[{index}]", "expected a humangate.PatIssuer or a path"
            )
    unique_names([item for item in value if isinstance(item, PatIssuer)])
    return tuple(value)


def unique_names(issuers: Sequence[PatIssuer]) -> tuple[PatIssuer, ...]:
    names = [issuer.name.lower() for issuer in issuers]
    if len(set(names)) != len(names):
        raise ConfigError("private_access_tokens", "an issuer is named twice")
    return tuple(issuers)
