"""How much proof-of-work a challenge asks for.

Difficulty is expected work: ``bits`` leading zero bits take ``2**bits`` hashes on
average, so each extra bit doubles a solve. A challenge starts from its action's base
(or the deciding rule's own ``difficulty``), gains bits for risk the server can see
before the page runs — recent failed solves, request headers that do not fit the
browser they claim, a held clearance with a low bot score — and for "under attack"
mode, and is then capped by ``ceiling`` so that a phone is never locked out.

The server's verification is one hash whatever the difficulty (``humangate.crypto.pow``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from humangate.crypto.pow import MAX_DIFFICULTY
from humangate.errors import ConfigError
from humangate.immutable import immutable
from humangate.levels import Level

REFERENCE_HASH_RATE = 8_000_000
"""Nonces per second used to turn a target time into bits (:meth:`Difficulty.for_target`):
one WebAssembly SIMD worker measured 8.3 M/s on the 2-core benchmark machine, two about
15 M/s (docs/performance-solver.md). One worker's rate is a conservative stand-in for a
median desktop browser; pass a lower rate to aim at phones."""

LOW_SCORE = 30
"""A held clearance whose bot score is below this counts as a risk when the visitor is
challenged for a higher level (1 = surely automated, 99 = surely human)."""

MAX_COUNTED_FAILURES = 8

DEFAULT_CEILING = 22
"""Never more than this by default: 2**22 hashes take a phone at ~1 M/s about 4 s."""


@immutable  # built for every challenge answer
class Risk:
    """What the server knows about a visitor when it issues a challenge."""

    failures: int = 0
    """Failed solves in the last few minutes (the strike cookie; see engine)."""
    header_mismatch: bool = False
    """The page request's headers do not fit the browser its User-Agent names."""
    low_score: bool = False
    """The visitor holds a clearance whose bot score is below :data:`LOW_SCORE`."""


_NO_RISK = Risk()


@dataclass(frozen=True, slots=True)
class Difficulty:
    """Proof-of-work difficulty per challenge action, raised with risk and load.

    All values are leading zero bits (0..32). ``Config(difficulty=20)`` is shorthand
    for the same base for every action with the default risk steps.
    """

    js_challenge: int = 18
    managed_challenge: int = 18
    # The interaction already costs a person a click; the work need not add much.
    challenge: int = 16
    per_failure: int = 1
    header_mismatch: int = 2
    low_score: int = 2
    under_attack: int = 2
    ceiling: int = DEFAULT_CEILING

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"difficulty.{item.name}", "an integer number of bits")
            if not 0 <= value <= MAX_DIFFICULTY:
                raise ConfigError(f"difficulty.{item.name}", f"bits in 0..{MAX_DIFFICULTY}")
        for name in ("js_challenge", "managed_challenge", "challenge"):
            if getattr(self, name) > self.ceiling:
                raise ConfigError(
                    f"difficulty.{name}",
                    f"{getattr(self, name)} bits is above the ceiling ({self.ceiling}); "
                    "raise difficulty.ceiling if you mean it",
                )

    @classmethod
    def uniform(cls, bits: int) -> Difficulty:
        """The same base for all three actions (the ceiling rises to it if needed)."""
        if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= MAX_DIFFICULTY:
            raise ConfigError("difficulty", f"leading zero bits, 0..{MAX_DIFFICULTY}")
        ceiling = max(DEFAULT_CEILING, bits)
        return cls(js_challenge=bits, managed_challenge=bits, challenge=bits, ceiling=ceiling)

    @classmethod
    def for_target(
        cls, seconds: float, hash_rate: float = REFERENCE_HASH_RATE, **steps: int
    ) -> Difficulty:
        """The base whose *median* solve at ``hash_rate`` nonces/s takes ``seconds``.

        The number of hashes to a solution is geometric with mean ``2**bits``, so its
        median is ``ln 2 * 2**bits``; the base is the largest ``bits`` whose median fits.
        """
        if not (isinstance(seconds, int | float) and 0 < seconds <= 600):
            raise ConfigError("difficulty.target_seconds", "seconds in (0, 600]")
        if not (isinstance(hash_rate, int | float) and hash_rate >= 1):
            raise ConfigError("difficulty.hash_rate", "nonces per second, at least 1")
        budget = seconds * hash_rate / math.log(2)
        bits = max(0, min(MAX_DIFFICULTY, math.floor(math.log2(budget))))
        ceiling = max(steps.pop("ceiling", DEFAULT_CEILING), bits)
        return cls(
            js_challenge=bits, managed_challenge=bits, challenge=bits, ceiling=ceiling, **steps
        )

    @classmethod
    def from_setting(cls, value: object) -> Difficulty:
        """``Config.difficulty``: bits, a :class:`Difficulty`, or a TOML table of its
        fields (``target_seconds`` and ``hash_rate`` select :meth:`for_target`)."""
        if isinstance(value, Difficulty):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.uniform(value)
        if isinstance(value, Mapping):
            table: dict[str, Any] = dict(value)
            known = {item.name for item in fields(cls)} | {"target_seconds", "hash_rate"}
            unknown = sorted(set(table) - known)
            if unknown:
                raise ConfigError(
                    f"difficulty.{unknown[0]}", f"unknown key (known: {', '.join(sorted(known))})"
                )
            if "target_seconds" in table:
                seconds = table.pop("target_seconds")
                rate = table.pop("hash_rate", REFERENCE_HASH_RATE)
                bases = {"js_challenge", "managed_challenge", "challenge"} & set(table)
                if bases:
                    raise ConfigError(
                        f"difficulty.{sorted(bases)[0]}", "give target_seconds or bits, not both"
                    )
                return cls.for_target(seconds, rate, **table)
            if "hash_rate" in table:
                raise ConfigError("difficulty.hash_rate", "only used with target_seconds")
            return cls(**table)
        raise ConfigError("difficulty", "bits (an integer), a humangate.Difficulty or a table")

    def base(self, level: Level) -> int:
        """The base for the challenge action that requires ``level``."""
        if level is Level.INTERACTIVE:
            return self.challenge
        if level is Level.MANAGED:
            return self.managed_challenge
        return self.js_challenge

    def bits(
        self,
        level: Level,
        risk: Risk = _NO_RISK,
        *,
        rule_bits: int | None = None,
        under_attack: bool = False,
    ) -> int:
        """The difficulty of one challenge: base (or the rule's), plus risk and load,
        never above the ceiling — nor below the base the owner asked for."""
        base = self.base(level) if rule_bits is None else rule_bits
        extra = min(max(risk.failures, 0), MAX_COUNTED_FAILURES) * self.per_failure
        if risk.header_mismatch:
            extra += self.header_mismatch
        if risk.low_score:
            extra += self.low_score
        if under_attack:
            extra += self.under_attack
        return max(base, min(base + extra, self.ceiling))
