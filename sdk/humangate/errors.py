"""humangate's own exception hierarchy (never ``assert`` for validation)."""

from __future__ import annotations

import enum


class HumanGateError(Exception):
    """Base class for every error humangate raises on purpose."""


class ConfigError(HumanGateError, ValueError):
    """A configuration value is invalid. The message names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class ExpressionError(HumanGateError, ValueError):
    """A rule expression does not parse or type-check.

    ``position`` is the 0-based character offset of the problem; ``str(err)`` shows the
    expression with a caret under that position.
    """

    def __init__(self, expression: str, position: int, message: str) -> None:
        self.expression = expression
        self.position = position
        self.reason = message
        caret = " " * max(position, 0) + "^"
        super().__init__(f"{message} at position {position}\n  {expression}\n  {caret}")


class StoreError(HumanGateError):
    """The shared store failed (unreachable, locked, read-only...)."""


class TokenError(HumanGateError):
    """A token is malformed, forged, expired or made for another purpose."""


class Failure(enum.StrEnum):
    """Why a solve was refused, as the visitor's page is told (each has a message in
    the i18n catalogs, ``failure_<value>``)."""

    INVALID = "invalid"
    EXPIRED = "expired"
    OTHER_CLIENT = "other_client"
    WRONG_SOLUTION = "wrong_solution"
    REPLAYED = "replayed"
    AUTOMATED = "automated"
    INTERACTION_REQUIRED = "interaction_required"  # managed: soft doubts, show the button
    STEP_FAILED = "step_failed"  # a plugin step refused the answer


class ChallengeFailure(HumanGateError):
    """A refused solve, with a public and a private reason.

    ``reason`` is public: the page shows its translated message and events count it.
    ``detail`` is private: for the operator's log only (e.g. a plugin step's own word),
    never sent to the visitor.
    """

    def __init__(self, reason: Failure, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail or reason.value
        super().__init__(self.detail if detail else reason.value)

    @classmethod
    def from_step(cls, failure: str) -> ChallengeFailure:
        """A step's failure word: a known reason is itself; anything else (a plugin's
        own reason) stays private and the page is told ``step_failed``."""
        known = failure in Failure.__members__.values()
        return cls(Failure(failure) if known else Failure.STEP_FAILED, failure)
